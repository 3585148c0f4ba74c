// Timestamps, unfinished/resumed pairs and lines cut by other writers
// (reassembly.h).
#include "strace/reassembly.h"

namespace tracediff::strace::detail {

std::int64_t Clock::time_of(const LinePrefix& pre) {
  if (pre.stamp == StampKind::None) return -1;
  if (kind_ == StampKind::None) kind_ = pre.stamp;
  switch (pre.stamp) {
    case StampKind::TimeOfDay: {
      // Half a day backwards can only be midnight passing.
      constexpr std::int64_t kHalfDay = 12LL * 3600 * 1'000'000'000LL;
      std::int64_t t = pre.stamp_ns + day_offset_;
      if (last_tod_ >= 0 && t < last_tod_ - kHalfDay && day_offset_ < INT64_MAX / 4) {
        // (A damaged log could "pass midnight" on every line; the bound
        // keeps the sum far from overflowing.)
        day_offset_ += 2 * kHalfDay;
        t += 2 * kHalfDay;
      }
      last_tod_ = t;
      return t;
    }
    case StampKind::Relative:
      // -r prints the time since the previous line; keep the running sum
      // so that times stay comparable and ordered.
      if (__builtin_add_overflow(rel_acc_, pre.stamp_ns, &rel_acc_)) rel_acc_ = INT64_MAX;
      return rel_acc_;
    default:
      return pre.stamp_ns;
  }
}

std::optional<PendingCall> PendingCalls::resume(std::int32_t tid, std::string_view name) {
  auto it = calls_.find(tid);
  if (it == calls_.end() || it->second.name != name) return std::nullopt;
  PendingCall call = std::move(it->second);
  calls_.erase(it);
  return call;
}

void PendingCalls::supersede(std::int32_t thread, std::int32_t leader) {
  auto it = calls_.find(thread);
  if (it != calls_.end() && leader != thread) {
    calls_[leader] = std::move(it->second);
    calls_.erase(thread);
  }
}

void PendingCalls::adopt_unprefixed(std::int32_t pid) {
  auto it = calls_.find(0);
  if (it != calls_.end() && !calls_.count(pid)) {
    PendingCall call = std::move(it->second);
    calls_.erase(it);
    calls_.emplace(pid, std::move(call));
  }
}

void LineJoiner::line(std::string_view raw, std::uint32_t lineno, bool last) {
  if (!held_.empty()) {
    // A call cut by the program's own output: ") = 54" (or strace's
    // " <unfinished ...>") continues it; anything else is more of the output.
    std::string_view t = trim_left(trim_right(raw));
    if (!t.empty() && (t[0] == ')' || t == "<unfinished ...>")) {
      std::string joined = std::move(held_);
      held_.clear();
      if (t[0] != ')') joined += ' ';
      joined.append(t);
      sink_.logical_line(joined, held_line_, last);
      return;
    }
    if (++held_age_ > kMaxInterruptLines) flush_held();
  }
  if (carry_.empty()) return sink_.logical_line(raw, lineno, last);
  carry_buf_ = std::move(carry_);
  carry_.clear();
  carry_buf_.append(raw);
  std::string joined = std::move(carry_buf_);
  std::vector<Event> messages = std::move(carry_events_);
  carry_events_.clear();
  sink_.logical_line(joined, carry_line_, last);
  for (Event& e : messages) sink_.place(std::move(e));
}

void LineJoiner::finish() {
  flush_held();
  if (!carry_.empty()) {
    std::string c = std::move(carry_);
    carry_.clear();
    sink_.logical_line(c, carry_line_, true);
  }
  for (Event& e : carry_events_) sink_.place(std::move(e));
  carry_events_.clear();
}

void LineJoiner::flush_held() {
  if (held_.empty()) return;
  std::string h = std::move(held_);
  held_.clear();
  sink_.logical_line(h, held_line_, true);  // "last": kept as an unfinished call
}

bool LineJoiner::cut_attach_message(std::string_view raw, std::uint32_t lineno) {
  std::size_t m = raw.find("strace: Process ");
  if (m == std::string_view::npos || m == 0) return false;
  std::string_view msg = trim_right(raw.substr(m));
  if (!msg.ends_with(" attached") && !msg.ends_with(" detached")) return false;
  Event ev;
  ev.line = lineno;
  if (!parse_strace_message(msg, ev)) return false;
  carry_events_.push_back(std::move(ev));
  carry_.assign(raw.substr(0, m));
  carry_line_ = lineno;
  return true;
}

namespace {

// Where the program's output starts in a call line it cut: right after the
// count that ends the arguments of "write(2, \"oops\\n\", 5oops". npos when
// `body` is not a call cut that way (it closed, or no count ends it).
std::size_t cut_after_count(std::string_view body) {
  std::size_t p = 0;
  while (p < body.size() && is_ident_char(body[p])) ++p;
  if (p == 0 || p >= body.size() || body[p] != '(') return std::string_view::npos;
  int depth = 0;
  std::size_t last_comma = std::string_view::npos;
  for (std::size_t i = p; i < body.size(); ++i) {
    char c = body[i];
    if (c == '"') {
      std::size_t j = i + 1;
      while (j < body.size() && body[j] != '"') j += body[j] == '\\' ? 2 : 1;
      if (j >= body.size()) return std::string_view::npos;
      i = j;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (--depth <= 0) return std::string_view::npos;  // the call closed: some other damage
    } else if (c == ',' && depth == 1) {
      last_comma = i;
    }
  }
  if (last_comma == std::string_view::npos) return std::string_view::npos;
  std::size_t q = last_comma + 1;
  while (q < body.size() && body[q] == ' ') ++q;
  std::size_t digits = q;
  while (q < body.size() && body[q] >= '0' && body[q] <= '9') ++q;
  return q == digits ? std::string_view::npos : q;
}

}  // namespace

bool LineJoiner::hold_cut_call(std::string_view full, std::string_view body, std::int32_t tid,
                               std::uint32_t lineno) {
  std::size_t q = cut_after_count(body);
  if (q == std::string_view::npos) return false;
  std::size_t cut = static_cast<std::size_t>(body.data() - full.data()) + q;
  // Copies first: flushing re-enters the sink, which may reuse the buffer
  // that `full` points into.
  std::string held(full.substr(0, cut));
  std::string output(full.substr(cut));
  flush_held();  // an earlier cut call that never got its ") = N"
  held_ = std::move(held);
  held_line_ = lineno;
  held_age_ = 0;
  // The program's output; nothing when it was just a newline.
  if (!output.empty()) sink_.foreign_text(output, tid, lineno);
  return true;
}

}  // namespace tracediff::strace::detail
