// A file descriptor that closes itself (rr's ScopedFd). The model does no
// I/O; this one header-only type is here because every library that does
// (trace files, the recorder) needs the same owner of an fd.
#pragma once

#include <unistd.h>

#include <utility>

namespace tracediff {

class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd() { reset(); }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ScopedFd(ScopedFd&& o) noexcept : fd_(o.release()) {}
  ScopedFd& operator=(ScopedFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }
  /// Closes the fd held (never the standard streams) and holds `fd`.
  void reset(int fd = -1) {
    if (fd_ > 2) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

}  // namespace tracediff
