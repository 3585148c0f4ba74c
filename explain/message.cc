// Finding the error message: the last stderr write of a failed process, its pieces joined.
#include "explain/search.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/syscalls.h"

namespace tracediff::explain::detail {

bool Searcher::is_write(std::size_t i) const {
  const Event& e = t_.events[i];
  return is_syscall(i) && syscall_is(e.name, kClassWrites) && e.result.state == ResultState::Returned &&
         !e.result.failed();
}

int Searcher::depth(std::int32_t pid) const {
  int d = 0;
  for (auto it = r_.parent.find(pid); it != r_.parent.end() && d < 1000; it = r_.parent.find(it->second)) ++d;
  return d;
}

// The run of writes to stderr that ends at `last` and forms one message
// (a program may write "prog: " and "reason\n" separately).
Searcher::Msg Searcher::gather(std::size_t last) const {
  Msg m{last, last, call_data(t_.events[last])};
  std::int32_t pid = r_.tgid[last];
  // Pieces may be apart: glibc looks up translations between "ls: cannot
  // access 'x'" and ": No such file or directory"; unbuffered stderr
  // (curl) writes a byte at a time. A piece that ends a line, or a write
  // elsewhere, ends the search; 64 other calls or 4 KiB bound it.
  int others = 0;
  for (std::size_t i = last; i-- > 0 && others < 64 && m.text.size() < 4096;) {
    if (r_.tgid[i] != pid || !is_syscall(i)) continue;
    const Event& e = t_.events[i];
    if (syscall_is(e.name, kClassWrites) && !is_message_fd(e, r_.fd[i])) break;
    if (!is_write(i)) {
      ++others;
      continue;
    }
    std::string d = call_data(e);
    if (!d.empty() && d.back() == '\n') break;
    m.text = d + m.text;
    m.first = i;
  }
  m.text = trim(m.text);
  if (truncated(last)) m.text += "...";
  return m;
}

// The tracer cut the data (strace -s): shown with "...", as strace does.
bool Searcher::truncated(std::size_t i) const {
  const Event& e = t_.events[i];
  if (e.args.size() < 2) return false;
  if (e.args[1].truncated) return true;
  for (const Arg& a : e.args[1].items)
    if (a.truncated) return true;
  return false;
}

std::optional<Searcher::Msg> Searcher::find_last_message() const {
  const auto& last = last_message_;
  std::optional<std::size_t> best;
  int best_depth = 0;
  for (const auto& [pid, st] : r_.exits) {
    bool failed = st.kind == ExitStatus::Killed || (st.kind == ExitStatus::Exited && st.code != 0);
    auto it = last.find(pid);
    if (!failed || it == last.end()) continue;
    std::size_t i = it->second;
    int d = depth(pid);
    if (!best || d < best_depth || (d == best_depth && i > *best)) {
      best = i;
      best_depth = d;
    }
  }
  if (!best) return std::nullopt;
  return gather(*best);
}

std::optional<Searcher::Msg> Searcher::find_given(const std::string& text) const {
  std::optional<std::size_t> best;
  std::size_t best_score = 0;
  bool best_stderr = false;
  for (std::size_t i = 0; i < t_.events.size(); ++i) {
    if (!is_write(i)) continue;
    std::string d = call_data(t_.events[i]);
    std::size_t s = d.find(text) != std::string::npos ? text.size() + 1 : share_score(text, d);
    if (!s) continue;
    bool err = is_message_fd(t_.events[i], r_.fd[i]);
    if (s > best_score || (s == best_score && err >= best_stderr)) {
      best = i;
      best_score = s;
      best_stderr = err;
    }
  }
  if (!best) return std::nullopt;
  Msg m{*best, *best, trim(call_data(t_.events[*best]))};
  if (truncated(*best)) m.text += "...";
  return m;
}

std::string Searcher::who(std::int32_t pid) const {
  std::string w = fmt::format("pid {}", pid);
  if (auto it = r_.name.find(pid); it != r_.name.end() && !it->second.empty()) w += fmt::format(" ({})", it->second);
  return w;
}

// The process killed by a signal nearest the root (the root, else the
// first one killed), with the delivery's siginfo when the trace has it.
std::optional<std::string> Searcher::describe_killed() const {
  auto exit_index = [&](std::int32_t p) {
    auto it = r_.exit_event.find(p);
    return it == r_.exit_event.end() ? t_.events.size() : it->second;
  };
  std::optional<std::int32_t> pid;
  for (const auto& [p, ex] : r_.exits) {
    if (ex.kind != ExitStatus::Killed) continue;
    bool root = !r_.parent.count(p), best_root = pid && !r_.parent.count(*pid);
    if (!pid || (root && !best_root) || (root == best_root && exit_index(p) < exit_index(*pid))) pid = p;
  }
  if (!pid) return std::nullopt;
  const ExitStatus& ex = r_.exits.at(*pid);
  std::string out = fmt::format("{} was {}", who(*pid), ex.describe());
  std::size_t end = exit_index(*pid);
  const Event* sig = nullptr;
  for (std::size_t i = 0; i < end && i < t_.events.size(); ++i) {
    const Event& e = t_.events[i];
    if (e.type == EventType::Signal && r_.tgid[i] == *pid && !e.proc.stopped && e.proc.signal == ex.signal)
      sig = &e;
  }
  if (!sig) {
    if (ex.signal == 9)
      out += " (SIGKILL is not seen being delivered: sent by another process, or the kernel's OOM killer; "
             "see the kernel log)";
    return out;
  }
  std::string code, addr;
  std::optional<std::int64_t> from_pid, from_uid;
  for (const Arg& a : sig->args) {
    if (a.name == "si_code") code = a.str.str();
    else if (a.name == "si_addr") addr = a.str.str();
    else if (a.name == "si_pid") from_pid = a.raw;
    else if (a.name == "si_uid") from_uid = a.raw;
  }
  if ((code == "SI_USER" || code == "SI_TKILL" || code == "SI_QUEUE") && from_pid) {
    out += fmt::format(", sent by {}", *from_pid == *pid ? std::string("itself") : who(static_cast<std::int32_t>(*from_pid)));
    if (from_uid) out += fmt::format(" as uid {}", *from_uid);
    out += fmt::format(" ({})", code);
  } else if (!addr.empty()) {
    out += fmt::format(" at address {}{}", addr, code.empty() ? "" : fmt::format(" ({})", code));
  } else if (!code.empty()) {
    out += fmt::format(" ({})", code);
  }
  return out;
}

std::optional<std::size_t> Searcher::silent_cause() const {
  std::optional<std::int32_t> pid;
  int best_depth = 0;
  for (const auto& [p, st] : r_.exits) {
    bool failed = st.kind == ExitStatus::Killed || (st.kind == ExitStatus::Exited && st.code != 0);
    if (!failed) continue;
    int d = depth(p);
    if (!pid || d < best_depth) {
      pid = p;
      best_depth = d;
    }
  }
  if (!pid) return std::nullopt;
  std::size_t end = r_.exit_event.count(*pid) ? r_.exit_event.at(*pid) : t_.events.size();
  std::size_t start = r_.first_event.count(*pid) ? r_.first_event.at(*pid) : 0;
  for (std::size_t j = end; j-- > start;) {
    if (r_.tgid[j] != *pid || !is_syscall(j)) continue;
    const Event& e = t_.events[j];
    if (!deferred_error(e).empty()) return j;
    if (e.result.failed() && !benign(j, end)) return j;
  }
  // Nothing failed: what it decided on is what it read last (a hosts file
  // without the entry, a config without the line): the open of the last
  // regular file it read.
  for (std::size_t j = end; j-- > start;) {
    if (r_.tgid[j] != *pid || !is_syscall(j) || !r_.fd[j]) continue;
    const Event& e = t_.events[j];
    const OpenFile& f = *r_.fd[j];
    if (syscall_is(e.name, kClassReads) && e.result.value > 0 && f.kind == OpenFile::File && f.origin_pid &&
        f.origin_event < j && optional_file(f.path).empty() && !f.path.starts_with("/proc/") &&
        !f.path.starts_with("/sys/") && f.path.find(".so") == std::string::npos)
      return f.origin_event;
  }
  return std::nullopt;
}

}  // namespace tracediff::explain::detail
