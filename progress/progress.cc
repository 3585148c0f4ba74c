#include "progress/progress.h"

#include <fmt/format.h>
#include <unistd.h>

namespace tracediff::progress {

std::string with_commas(std::uint64_t n) {
  std::string d = std::to_string(n), out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(d[i]);
  }
  return out;
}

Line::Line(LineOptions opt) : opt_(std::move(opt)) {}

Line::~Line() { finish(); }

void Line::write(const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(opt_.fd, p, left);
    if (n <= 0) return;  // a progress line is not worth an error
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void Line::update(const std::string& what, std::uint64_t done, std::uint64_t total, const char* unit) {
  if (!opt_.terminal) return;
  // The clock is read every `stride_` calls, the stride doubling while
  // calls come faster than one a millisecond: a per-event update costs a
  // few nanoseconds, and a stage that calls rarely (a slow pair) is still
  // looked at on each call.
  if (started_ && ++calls_ < stride_) return;
  calls_ = 0;
  auto now = opt_.now();
  if (!started_) {
    started_ = true;
    start_ = last_ = checked_ = now;
    return;
  }
  if (now - checked_ < std::chrono::milliseconds(1)) stride_ = std::min<std::uint64_t>(stride_ * 2, 4096);
  else if (now - checked_ > std::chrono::milliseconds(20) && stride_ > 1) stride_ /= 2;
  checked_ = now;
  if (now - start_ < opt_.delay || (shown_ && now - last_ < opt_.interval)) return;
  last_ = now;
  std::string text = total ? fmt::format("{}: {} of {} {}", what, with_commas(done), with_commas(total), unit)
                           : fmt::format("{}: {} {}", what, with_commas(done), unit);
  write("\r" + text + "\x1b[K");
  shown_ = true;
}

void Line::finish() {
  if (shown_) write("\r\x1b[K");
  shown_ = false;
  started_ = false;
  calls_ = 0;
  stride_ = 1;
}

}  // namespace tracediff::progress
