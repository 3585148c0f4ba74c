// Fd family: the read/write family with data up to -s, close/dup/fcntl/pipe
// (which move fd references around), getdents64, ioctl, lseek.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/uio.h>

#include <cstring>

#include "record/decode.h"

namespace tracediff::record::detail {
namespace {

// Output buffer: the bytes the kernel wrote (up to -s, or more of a
// regular file's content) on success, else the address, as strace prints it.
Arg data_out(DecodeCtx& c, int buf) {
  if (c.failed) return c.hex_arg(buf);
  auto n = static_cast<std::size_t>(c.ret);
  std::size_t keep = std::max(c.data_size, c.content_budget(c.iarg(0), n));
  std::size_t saved = c.data_size;
  c.data_size = keep;
  Arg a = c.data_arg(c.addr(buf), n);
  c.data_size = saved;
  return a;
}

// An iovec array as an Array of data buffers, `total` bytes in all, at most
// -s bytes kept over the whole array.
Arg iov_arg(DecodeCtx& c, int iov, int cnt, std::size_t total) {
  std::size_t n = std::min<std::uint64_t>(c.arg(cnt), 1024);  // UIO_MAXIOV
  std::string raw;
  if (!read_memory(c.mem(), c.addr(iov), n * sizeof(iovec), raw) || raw.size() < n * sizeof(iovec))
    return c.unreadable(c.addr(iov));
  Arg out = c.hex_arg(iov);
  out.kind = ArgKind::Array;
  out.str.clear();
  std::size_t budget = c.data_size;
  for (std::size_t i = 0; i < n && total > 0; ++i) {
    iovec v;
    std::memcpy(&v, raw.data() + i * sizeof(iovec), sizeof v);
    std::size_t len = std::min<std::size_t>(v.iov_len, total);
    total -= len;
    std::size_t saved = c.data_size;
    c.data_size = std::min(budget, len);
    Arg d = c.data_arg(RemoteAddr{reinterpret_cast<std::uint64_t>(v.iov_base)}, len);
    c.data_size = saved;
    budget -= std::min(budget, len);
    out.items.push_back(std::move(d));
  }
  return out;
}

void dup_to(DecodeCtx& c, int newfd, bool cloexec) {
  if (c.failed || newfd < 0) return;
  std::string ref = c.ev().args.empty() ? std::string() : c.ev().args[0].ref.str();
  c.track_fd(newfd, std::move(ref), cloexec);
}

void pipe_out(DecodeCtx& c, int fds_arg, std::uint64_t flags) {
  if (c.failed) {
    c.ev().args.insert(c.ev().args.begin(), c.hex_arg(fds_arg));
    return;
  }
  int fds[2];
  if (!read_value(c.mem(), c.addr(fds_arg), fds)) {
    c.ev().args.insert(c.ev().args.begin(), c.unreadable(c.addr(fds_arg)));
    return;
  }
  const std::string kernel_names[2];  // a pipe is named by the kernel ("pipe:[N]")
  c.ev().args.insert(c.ev().args.begin(), c.fd_pair_arg(fds_arg, fds, kernel_names, flags & O_CLOEXEC));
}

}  // namespace

std::vector<Decoder> fd_decoders() {
  return {
      {"flock",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.flags_arg(1, kFlockOps));
       },
       nullptr},
      {"read", [](DecodeCtx& c) { c.add(c.fd_arg(0)); },
       [](DecodeCtx& c) {
         c.add(data_out(c, 1));
         c.add(c.uint_arg(2));
       }},
      {"write",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.data_arg(c.addr(1), c.arg(2)));
         c.add(c.uint_arg(2));
       },
       nullptr},
      {"pread64", [](DecodeCtx& c) { c.add(c.fd_arg(0)); },
       [](DecodeCtx& c) {
         c.add(data_out(c, 1));
         c.add(c.uint_arg(2));
         c.add(c.int_arg(3));
       }},
      {"pwrite64",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.data_arg(c.addr(1), c.arg(2)));
         c.add(c.uint_arg(2));
         c.add(c.int_arg(3));
       },
       nullptr},
      {"readv", [](DecodeCtx& c) { c.add(c.fd_arg(0)); },
       [](DecodeCtx& c) {
         c.add(c.failed ? c.hex_arg(1) : iov_arg(c, 1, 2, static_cast<std::size_t>(c.ret)));
         c.add(c.int_arg(2));
       }},
      {"writev",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(iov_arg(c, 1, 2, SIZE_MAX));
         c.add(c.int_arg(2));
       },
       nullptr},
      // io_uring: the ring's fd and what each enter asks for. What the ring
      // carries is not system calls and is not seen (the header says a
      // process used one: coverage.cc).
      {"io_uring_setup",
       [](DecodeCtx& c) {
         c.add(c.uint_arg(0));
         c.add(c.hex_arg(1));
       },
       [](DecodeCtx& c) {
         // The kernel makes every ring fd close-on-exec.
         if (!c.failed) c.track_fd(static_cast<int>(c.ret), "anon_inode:[io_uring]", true);
       }},
      {"io_uring_enter",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.uint_arg(1));  // to_submit
         c.add(c.uint_arg(2));  // min_complete
         c.add(c.hex_arg(3));   // IORING_ENTER_* flags
         c.add(c.hex_arg(4));
         c.add(c.uint_arg(5));
       },
       nullptr},
      {"close", [](DecodeCtx& c) { c.add(c.fd_arg(0)); },
       [](DecodeCtx& c) {
         // Linux releases the fd even when close fails (EINTR, EIO); only
         // EBADF means there was nothing to release.
         if (c.task.fds && !(c.failed && c.ev().result.errnum == EBADF)) c.task.fds->close(c.iarg(0));
       }},
      {"close_range",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.fd_arg(1));
         c.add(c.hex_arg(2));
       },
       [](DecodeCtx& c) {
         if (c.failed || !c.task.fds) return;
         // CLOSE_RANGE_CLOEXEC (4) only marks; otherwise the range is gone.
         auto lo = static_cast<std::uint32_t>(c.arg(0)), hi = static_cast<std::uint32_t>(c.arg(1));
         for (auto it = c.task.fds->fds.begin(); it != c.task.fds->fds.end();) {
           auto fd = static_cast<std::uint32_t>(it->first);
           if (fd >= lo && fd <= hi) {
             if (c.arg(2) & 4) {
               it->second.cloexec = true;
             } else {
               it = c.task.fds->fds.erase(it);
               continue;
             }
           }
           ++it;
         }
       }},
      {"dup", [](DecodeCtx& c) { c.add(c.fd_arg(0)); },
       [](DecodeCtx& c) { dup_to(c, static_cast<int>(c.ret), false); }},
      {"dup2",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.fd_arg(1));
       },
       [](DecodeCtx& c) { dup_to(c, static_cast<int>(c.ret), false); }},
      {"dup3",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.fd_arg(1));
         c.add(c.flags_arg(2, kPipeFlags));
       },
       [](DecodeCtx& c) { dup_to(c, static_cast<int>(c.ret), c.arg(2) & O_CLOEXEC); }},
      {"fcntl",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.enum_arg(1, kFcntlCmds));
         switch (c.iarg(1)) {
           case F_SETFD: c.add(c.flags_arg(2, kFdFlags)); break;
           case F_SETFL: c.add(c.open_flags_arg(2)); break;
           case F_DUPFD:
           case F_DUPFD_CLOEXEC:
           case F_SETOWN:
           case F_SETSIG:
           case F_SETPIPE_SZ:
           case F_SETLEASE:
           case F_NOTIFY:
           case F_ADD_SEALS: c.add(c.int_arg(2)); break;
           case F_GETLK:
           case F_SETLK:
           case F_SETLKW:
           case F_OFD_GETLK:
           case F_OFD_SETLK:
           case F_OFD_SETLKW: c.add(c.hex_arg(2)); break;
           default: break;
         }
       },
       [](DecodeCtx& c) {
         if (c.failed) return;
         int cmd = c.iarg(1);
         if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
           dup_to(c, static_cast<int>(c.ret), cmd == F_DUPFD_CLOEXEC);
         } else if (cmd == F_SETFD && c.task.fds) {
           auto it = c.task.fds->fds.find(c.iarg(0));
           if (it != c.task.fds->fds.end()) it->second.cloexec = c.arg(2) & FD_CLOEXEC;
         } else if (cmd == F_GETFD) {
           c.ev().result.str = flags_to_string(static_cast<std::uint64_t>(c.ret), kFdFlags);
         } else if (cmd == F_GETFL) {
           c.ev().result.str = open_flags_to_string(static_cast<std::uint64_t>(c.ret));
         }
       }},
      {"pipe", nullptr, [](DecodeCtx& c) { pipe_out(c, 0, 0); }},
      {"pipe2", [](DecodeCtx& c) { c.add(c.flags_arg(1, kPipeFlags)); },
       [](DecodeCtx& c) { pipe_out(c, 0, c.arg(1)); }},
      {"getdents64", [](DecodeCtx& c) { c.add(c.fd_arg(0)); },
       [](DecodeCtx& c) {
         if (c.failed || c.ret <= 0) {
           c.add(c.hex_arg(1));
         } else {
           // The names the directory holds: one read of what the kernel
           // filled, walking d_reclen (the u16 at offset 16 of each entry;
           // the name starts at offset 19). What a directory lists on one
           // host and not the other (a module, a plugin) is evidence.
           std::string buf;
           Arg a = c.hex_arg(1);
           if (read_memory(c.mem(), c.addr(1), static_cast<std::size_t>(c.ret), buf)) {
             a.kind = ArgKind::Array;
             a.str.clear();
             for (std::size_t off = 0; off + 19 <= buf.size();) {
               std::uint16_t reclen;
               std::memcpy(&reclen, buf.data() + off + 16, 2);
               if (reclen == 0 || off + reclen > buf.size()) break;
               std::size_t len = ::strnlen(buf.data() + off + 19, reclen - 19);
               Arg name;
               name.kind = ArgKind::String;
               name.str = std::string_view(buf.data() + off + 19, len);
               a.items.push_back(std::move(name));
               off += reclen;
             }
           }
           c.add(std::move(a));
         }
         c.add(c.uint_arg(2));
       }},
      {"ioctl",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         Arg r = c.enum_arg(1, kIoctlRequests);
         if (r.str[0] == '-' || std::isdigit(static_cast<unsigned char>(r.str[0])))
           r.str = fmt::format("{:#x}", static_cast<std::uint32_t>(c.arg(1)));
         c.add(std::move(r));
         c.add(c.hex_arg(2));
       },
       nullptr},
      {"lseek",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.int_arg(1));
         c.add(c.enum_arg(2, kWhence));
       },
       nullptr},
  };
}

}  // namespace tracediff::record::detail
