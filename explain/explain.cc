// The search: message -> (relays across sockets and pipes) -> failing call.
#include "explain/explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "explain/tracking.h"
#include "model/syscalls.h"
#include "display/format.h"

namespace tracediff::explain {


namespace {

// Longest common substring length, on at most the first 4 KiB of each side:
// messages are short and a relayed copy sits near the start of a buffer.
std::size_t common_run(std::string_view a, std::string_view b) {
  constexpr std::size_t kCap = 4096;
  a = a.substr(0, kCap);
  b = b.substr(0, kCap);
  if (a.empty() || b.empty()) return 0;
  std::vector<std::size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  std::size_t best = 0;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : 0;
      best = std::max(best, cur[j]);
    }
    std::swap(prev, cur);
  }
  return best;
}

// How strongly `data` carries (part of) `text`; 0 when it does not. Both may
// be cut short by the tracer (-s), so a long enough common run counts.
std::size_t share_score(std::string_view text, std::string_view data) {
  std::size_t shorter = std::min(text.size(), data.size());
  if (shorter < 4) return 0;
  // 10 characters: long enough that "Error: " or a pid prefix alone does not
  // link two unrelated messages, short enough for strace's default -s 32.
  std::size_t need = std::min<std::size_t>(10, shorter);
  if (need == 10) {
    // Any common run of 10 holds one of text's 5-byte blocks that start at a
    // multiple of 5: a cheap test before the quadratic one, which matters
    // when a process reads megabytes from sockets.
    bool any = false;
    std::string_view t = text.substr(0, 4096), d = data.substr(0, 4096);
    for (std::size_t k = 0; k + 5 <= t.size() && !any; k += 5) any = d.find(t.substr(k, 5)) != std::string_view::npos;
    if (!any) return 0;
  }
  std::size_t run = common_run(text, data);
  return run >= need ? run : 0;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string errno_text(const Result& r) {
  if (!r.note.empty() && r.note.find(' ') != std::string::npos) return r.note;
  int n = r.errnum ? r.errnum : errno_number(r.err);
  if (n > 0 && n < 512) return std::strerror(n);
  return {};
}

// A non-blocking connect fails later, in getsockopt(SO_ERROR): the call
// succeeds and the error is its data ("[ECONNREFUSED]" or "[111]").
std::string deferred_error(const Event& e) {
  if (e.name != "getsockopt" || e.args.size() < 4 || e.args[2].str != "SO_ERROR") return {};
  if (e.result.state != ResultState::Returned || e.result.failed()) return {};
  const Arg& v = e.args[3].items.empty() ? e.args[3] : e.args[3].items[0];
  std::string s = v.str;
  if (s.empty() && v.has_raw) s = std::to_string(v.raw);
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '[' || c == ']' || c == ' '; }), s.end());
  if (s.empty() || s == "0") return {};
  if (s[0] >= '0' && s[0] <= '9') return errno_name(std::atoi(s.c_str()));
  return s;
}

bool is_ipc(const FileRef& f) {
  return f && (f->kind == OpenFile::Socket || f->kind == OpenFile::Pipe);
}

// The inode numbers of a -y annotation: "UNIX-STREAM:[12->13]" -> {12, 13},
// "pipe:[7]" -> {7, 0}, "UNIX:[12->13,\"/run/x\"]" -> {12, 13}.
std::pair<std::string, std::string> inodes(const std::string& ref) {
  auto l = ref.find('[');
  if (l == std::string::npos) return {};
  std::size_t i = l + 1;
  auto digits = [&](std::size_t& k) {
    std::size_t s = k;
    while (k < ref.size() && ref[k] >= '0' && ref[k] <= '9') ++k;
    return ref.substr(s, k - s);
  };
  std::string self = digits(i), peer;
  if (ref.compare(i, 2, "->") == 0) {
    i += 2;
    peer = digits(i);
  }
  return {self, peer};
}

std::string family_of(const std::string& addr) { return addr.substr(0, addr.find(':')); }
std::string port_of(const std::string& addr) { return addr.substr(addr.rfind(':') + 1); }

bool addr_match(const std::string& listen, const std::string& conn) {
  if (listen.empty() || conn.empty()) return false;
  if (listen == conn) return true;
  std::string f = family_of(listen);
  if ((f != "AF_INET" && f != "AF_INET6") || f != family_of(conn)) return false;
  if (port_of(listen) != port_of(conn)) return false;
  return listen.find(":0.0.0.0:") != std::string::npos || listen.find("[::]") != std::string::npos;
}

// True when bytes written to `w` can be read from `r`.
bool peers(const FileRef& r, const FileRef& w) {
  if (!r || !w || r == w) return false;
  if (r->pair >= 0 && r->pair == w->pair) {
    if (r->kind == OpenFile::Pipe) return r->end == 0 && w->end == 1;
    return r->end != w->end;
  }
  if (r->kind == OpenFile::Socket && w->kind == OpenFile::Socket) {
    if (!r->remote.empty() && w->accepted && addr_match(w->local, r->remote)) return true;
    if (r->accepted && !w->remote.empty() && addr_match(r->local, w->remote)) return true;
  }
  auto [rs, rp] = inodes(r->ref);
  auto [ws, wp] = inodes(w->ref);
  if (r->kind == OpenFile::Pipe && w->kind == OpenFile::Pipe) return !rs.empty() && rs == ws;
  return !rp.empty() && rp == ws;
}

std::string display_addr(const std::string& a) {
  if (a.starts_with("AF_UNIX:")) return a.substr(8);
  if (a.starts_with("AF_INET:") || a.starts_with("AF_INET6:")) return a.substr(a.find(':') + 1);
  return a;
}

std::string describe_channel(const FileRef& f, const Trace& t) {
  if (!f) return "an fd the trace never opened";
  auto origin = [&](const char* what) {
    const Event& e = t.events[f->origin_event];
    return fmt::format("{}{}by pid {}{}", what, *what ? " " : "", f->origin_pid,
                       e.line ? fmt::format(" (line {})", e.line) : std::string());
  };
  switch (f->kind) {
    case OpenFile::Stdio:
      return f->stdio == 2 ? "stderr" : f->stdio == 1 ? "stdout" : "stdin";
    case OpenFile::Tty:
      return "the terminal " + f->path;
    case OpenFile::File:
      return "the file " + f->path;
    case OpenFile::Pipe:
      if (f->pair >= 0) return origin(f->end == 0 ? "the read end of a pipe made" : "the write end of a pipe made");
      return "the pipe " + f->ref;
    case OpenFile::Socket: {
      bool unix_sock = f->family == "AF_UNIX" || f->local.starts_with("AF_UNIX") || f->remote.starts_with("AF_UNIX");
      std::string kind = unix_sock ? "Unix socket" : "socket";
      if (f->pair >= 0) return origin("a socketpair made");
      if (f->accepted)
        return fmt::format("the connection accepted on {} {}", display_addr(f->local.empty() ? "?" : f->local),
                           origin(""));
      if (!f->remote.empty()) return fmt::format("the {} connected to {}", kind, display_addr(f->remote));
      if (!f->ref.empty()) return "the socket " + f->ref;
      return "a " + kind;
    }
    case OpenFile::Unknown:
      break;
  }
  return f->ref.empty() ? "an fd of unknown origin" : f->ref;
}

bool is_message_fd(const Event& e, const FileRef& f) {
  // fd 2 is stderr whatever it was pointed at (a log file, a pipe to a
  // supervisor): that is where a program puts its error message.
  if (auto n = arg_fd(e, 0); n && *n == 2) return true;
  if (f) {
    if (f->kind == OpenFile::Stdio && f->stdio == 2) return true;
    if (f->kind == OpenFile::Tty) return true;
    if (f->kind == OpenFile::Stdio && f->stdio == 1 && !f->ref.empty() &&
        (f->ref.starts_with("/dev/pts/") || f->ref.starts_with("/dev/tty")))
      return true;
    return false;
  }
  auto n = arg_fd(e, 0);
  return n && *n == 2;
}

// Failures that are part of normal operation wherever they appear.
bool always_benign(const Event& e, const std::string& path) {
  static const std::set<std::string> transient = {"EAGAIN", "EWOULDBLOCK", "EINTR", "ERESTARTSYS",
                                                  "ERESTARTNOINTR", "ERESTARTNOHAND",
                                                  "ERESTART_RESTARTBLOCK", "EINPROGRESS", "ECHILD"};
  const std::string& n = e.name;
  const std::string& err = e.result.err;
  if (transient.count(err)) return true;
  if (n == "ioctl" && (err == "ENOTTY" || err == "EINVAL" || err == "ENOIOCTLCMD")) return true;  // isatty probes
  if (n == "lseek" && err == "ESPIPE") return true;
  if ((n == "readlink" || n == "readlinkat") && err == "EINVAL") return true;
  if ((n == "unlink" || n == "unlinkat" || n == "rmdir") && err == "ENOENT") return true;
  if ((n == "mkdir" || n == "mkdirat") && err == "EEXIST") return true;
  // Shells probe whether stdin is a socket and whether there is a terminal.
  if ((n == "getpeername" || n == "getsockname") && err == "ENOTSOCK") return true;
  if (path == "/dev/tty" && (err == "ENXIO" || err == "ENODEV")) return true;
  if (n == "arch_prctl" || n == "prctl" || n == "rt_sigreturn" || n == "set_robust_list" || n == "rseq" ||
      n == "sched_getaffinity" || n == "statfs" || n == "fstatfs")
    return true;
  // glibc asks the name-service caches first and falls back quietly.
  if ((n == "connect" || n == "sendto") && e.args.size() >= 2) {
    std::string a = arg_sockaddr(e.args[1]);
    if (a.find("/nscd/") != std::string::npos || a.find("/sss/") != std::string::npos) return true;
  }
  // The loader's optional files and glibc's probes.
  static const char* kOptional[] = {"/var/run/nscd/", "/run/nscd/", "/var/lib/sss/mc/",
                                    "/etc/ld.so.preload", "/etc/ld.so.nohwcap", "/usr/lib/locale/",
                                    "/usr/share/locale/", "/etc/localtime", "/etc/suid-debug",
                                    "/proc/sys/kernel/", "/sys/fs/selinux", "/etc/gconv", "/usr/lib/x86_64-linux-gnu/gconv"};
  for (const char* p : kOptional)
    if (path.starts_with(p)) return true;
  return false;
}

class Searcher {
 public:
  Searcher(const Trace& t, const ExplainOptions& opt) : t_(t), opt_(opt), r_(detail::replay_trace(t)) {
    fo_.show_pid = false;
    fo_.max_string = opt.max_string;
    fo_.show_refs = true;
    // Successful path lookups per process and basename, for "a lookup that later succeeds".
    for (std::size_t i = 0; i < t_.events.size(); ++i) {
      const Event& e = t_.events[i];
      if (e.type != EventType::Syscall || e.result.state != ResultState::Returned || e.result.failed()) continue;
      auto it = r_.ctx.find(i);
      if (it == r_.ctx.end() || it->second.path.empty()) continue;
      found_[{r_.tgid[i], basename_of(it->second.path)}].push_back(i);
    }
    // One pass: each process's last non-empty write to stderr or a terminal.
    for (std::size_t i = 0; i < t_.events.size(); ++i)
      if (is_write(i) && is_message_fd(t_.events[i], r_.fd[i]) && !call_data(t_.events[i]).empty())
        last_message_[r_.tgid[i]] = i;
  }

  Explanation run() {
    Explanation x;
    auto msg = opt_.message ? find_given(*opt_.message) : find_last_message();
    if (!msg) {
      x.notes.push_back(opt_.message ? fmt::format("no write in the trace carries \"{}\"", *opt_.message)
                                     : "no process wrote to stderr or a terminal before exiting non-zero "
                                       "(give the message with --message TEXT)");
      x.summary = "no error message found";
      // No message, but a process died of a signal: say which, and what
      // the signal's siginfo says (who sent it, where it faulted).
      if (!opt_.message)
        if (auto k = describe_killed()) {
          x.summary += "; " + *k;
          x.notes.push_back(*k);
        }
      return x;
    }
    x.message = msg->text;
    ExplainLink m = link(ExplainLink::Kind::Message, msg->first);
    m.event = msg->last;
    m.line = t_.events[msg->last].line;
    m.call = display::format_event(t_.events[msg->last], fo_);
    m.text = msg->text;
    m.channel = describe_channel(r_.fd[msg->last], t_);
    if (!r_.fd[msg->last] && is_message_fd(t_.events[msg->last], nullptr)) m.channel = "stderr";
    if (auto it = r_.exits.find(m.pid); it != r_.exits.end()) m.exit = it->second.describe();
    x.chain.push_back(m);
    visited_.insert(msg->first);
    search(r_.tgid[msg->first], msg->first, msg->text, x, 0);
    if (x.found) {
      const ExplainLink& c = x.chain.back();
      std::string who = c.pid ? fmt::format("pid {}", c.pid) : std::string("the traced process");
      if (!c.process.empty()) who += fmt::format(" ({})", c.process);
      x.summary = fmt::format("{}{}{} failed with {}{} in {}", c.syscall, c.path.empty() ? "" : " ", c.path, c.err,
                              c.err_text.empty() ? std::string() : fmt::format(" ({})", c.err_text), who);
    } else {
      x.summary = "no failing call explains the message";
    }
    return x;
  }

 private:
  struct Msg {
    std::size_t first = 0, last = 0;
    std::string text;
  };

  bool is_syscall(std::size_t i) const { return t_.events[i].type == EventType::Syscall; }

  bool is_write(std::size_t i) const {
    const Event& e = t_.events[i];
    return is_syscall(i) && syscall_is(e.name, kClassWrites) && e.result.state == ResultState::Returned &&
           !e.result.failed();
  }

  int depth(std::int32_t pid) const {
    int d = 0;
    for (auto it = r_.parent.find(pid); it != r_.parent.end() && d < 1000; it = r_.parent.find(it->second)) ++d;
    return d;
  }

  // The run of writes to stderr that ends at `last` and forms one message
  // (a program may write "prog: " and "reason\n" separately).
  Msg gather(std::size_t last) const {
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
  bool truncated(std::size_t i) const {
    const Event& e = t_.events[i];
    if (e.args.size() < 2) return false;
    if (e.args[1].truncated) return true;
    for (const Arg& a : e.args[1].items)
      if (a.truncated) return true;
    return false;
  }

  std::optional<Msg> find_last_message() const {
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

  std::optional<Msg> find_given(const std::string& text) const {
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

  std::string who(std::int32_t pid) const {
    std::string w = fmt::format("pid {}", pid);
    if (auto it = r_.name.find(pid); it != r_.name.end() && !it->second.empty()) w += fmt::format(" ({})", it->second);
    return w;
  }

  // The process killed by a signal nearest the root (the root, else the
  // first one killed), with the delivery's siginfo when the trace has it.
  std::optional<std::string> describe_killed() const {
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

  ExplainLink link(ExplainLink::Kind k, std::size_t i) const {
    const Event& e = t_.events[i];
    ExplainLink l;
    l.kind = k;
    l.pid = r_.tgid[i];
    l.tid = e.tid ? e.tid : e.pid;
    if (auto it = r_.name.find(l.pid); it != r_.name.end()) l.process = it->second;
    l.event = i;
    l.line = e.line;
    l.call = display::format_event(e, fo_);
    return l;
  }

  bool benign(std::size_t j, std::size_t until) const {
    const Event& e = t_.events[j];
    auto it = r_.ctx.find(j);
    std::string path = it != r_.ctx.end() ? it->second.path : std::string();
    if (always_benign(e, path)) return true;
    static const std::set<std::string> lookup_errs = {"ENOENT", "ENOTDIR", "EACCES", "ELOOP", "ENAMETOOLONG"};
    if (path.empty() || !lookup_errs.count(e.result.err)) return false;
    // A lookup that later succeeds under another directory (or once created).
    auto f = found_.find({r_.tgid[j], basename_of(path)});
    if (f == found_.end()) return false;
    auto k = std::upper_bound(f->second.begin(), f->second.end(), j);
    return k != f->second.end() && *k < until;
  }

  // Every failing lookup of the same name in this process since its last
  // exec (the loader's and PATH's search lists).
  std::vector<std::string> tried(std::size_t cause) const {
    std::vector<std::string> out;
    auto c = r_.ctx.find(cause);
    if (c == r_.ctx.end() || c->second.path.empty()) return out;
    std::string base = basename_of(c->second.path);
    std::int32_t pid = r_.tgid[cause];
    std::size_t start = r_.first_event.count(pid) ? r_.first_event.at(pid) : 0;
    for (std::size_t i = start; i <= cause; ++i) {
      const Event& e = t_.events[i];
      if (r_.tgid[i] != pid || !is_syscall(i)) continue;
      if ((e.name == "execve" || e.name == "execveat") && !e.result.failed() && i < cause) out.clear();
      if (!e.result.failed() || e.result.err != t_.events[cause].result.err) continue;
      auto it = r_.ctx.find(i);
      if (it == r_.ctx.end() || basename_of(it->second.path) != base) continue;
      if (std::find(out.begin(), out.end(), it->second.path) == out.end()) out.push_back(it->second.path);
    }
    if (out.size() < 2) out.clear();
    return out;
  }

  ExplainLink cause_link(std::size_t j) const {
    const Event& e = t_.events[j];
    ExplainLink l = link(ExplainLink::Kind::Cause, j);
    l.syscall = e.name;
    l.err = e.result.err.empty() ? errno_name(e.result.errnum) : e.result.err.str();
    l.err_text = errno_text(e.result);
    if (auto it = r_.ctx.find(j); it != r_.ctx.end()) {
      const detail::EventContext& c = it->second;
      l.path = c.path;
      const SyscallInfo& info = syscall_info(e.name);
      int path = info.path_index(), dirfd = info.dirfd_index();
      if (path >= 0 && static_cast<std::size_t>(path) < e.args.size()) {
        const Arg& given = e.args[static_cast<std::size_t>(path)];
        bool relative = !given.str.empty() && given.str.front() != '/';
        bool at_cwd = dirfd < 0 || static_cast<std::size_t>(dirfd) >= e.args.size() ||
                      e.args[static_cast<std::size_t>(dirfd)].str.find("AT_FDCWD") != std::string::npos ||
                      (e.args[static_cast<std::size_t>(dirfd)].has_raw && e.args[static_cast<std::size_t>(dirfd)].raw == -100);
        if (relative && at_cwd) {
          l.cwd = c.cwd;
          // The source resolved it (recorder, importer): its cwd is the rest.
          std::string tail = "/" + given.str;
          if (l.cwd.empty() && given.abs.size() > tail.size() && given.abs.ends_with(tail))
            l.cwd = given.abs.substr(0, given.abs.size() - tail.size());
        }
      }
      if (l.path.empty() && c.fd) {
        if (!c.fd->local.empty() && (e.name == "bind" || e.name == "listen")) l.path = display_addr(c.fd->local);
        else if (c.fd->kind == OpenFile::File) l.path = c.fd->path;
      }
      if ((e.name == "connect" || e.name == "bind" || e.name == "sendto") && e.args.size() >= 2 && l.path.empty())
        l.path = display_addr(arg_sockaddr(e.args[1]));
      l.uid = c.creds.uid;
      l.gid = c.creds.gid;
      l.groups = c.creds.groups;
      l.creds_from = c.creds.from;
    }
    if (e.perm) {
      l.perm = *e.perm;
      l.uid = e.perm->uid;
      l.gid = e.perm->gid;
      l.groups = e.perm->groups;
      l.creds_from = "snapshot";
    }
    if (std::string d = deferred_error(e); !d.empty()) {
      // Reported as the connect it belongs to.
      l.syscall = "connect";
      l.err = d;
      l.err_text = std::strerror(errno_number(d));
      if (r_.fd[j] && !r_.fd[j]->remote.empty()) l.path = display_addr(r_.fd[j]->remote);
    }
    l.tried = tried(j);
    l.hint = hint(l, e);
    return l;
  }

  static bool may(const PathComponent& c, std::uint32_t uid, std::uint32_t gid,
                  const std::vector<std::uint32_t>& groups, unsigned bit) {
    if (uid == 0) return bit != 1 || (c.mode & 0111) || c.type == "dir";
    if (c.uid == uid) return c.mode & (bit << 6);
    if (c.gid == gid || std::find(groups.begin(), groups.end(), c.gid) != groups.end()) return c.mode & (bit << 3);
    return c.mode & bit;
  }

  static std::string ids(const ExplainLink& l) {
    std::string s = fmt::format("uid {}", *l.uid);
    if (l.gid) s += fmt::format(" gid {}", *l.gid);
    return s;
  }

  std::string hint(const ExplainLink& l, const Event& e) const {
    const std::string& err = l.err;
    bool creating = false;
    for (const Arg& a : e.args)
      if (a.kind == ArgKind::Flags && a.str.find("O_CREAT") != std::string::npos) creating = true;
    if (e.name == "mkdir" || e.name == "mkdirat" || e.name == "creat" || e.name == "link" ||
        e.name == "symlink" || e.name == "rename" || e.name == "renameat" || e.name == "renameat2" ||
        e.name == "mknod" || e.name == "bind")
      creating = true;
    if (l.perm) {
      const PermSnapshot& p = *l.perm;
      // Only existing components say anything about permissions; a
      // snapshot may also list the missing ones (exists == false).
      std::vector<const PathComponent*> have;
      for (const PathComponent& c : p.components)
        if (c.exists) have.push_back(&c);
      if (!have.empty()) {
        const PathComponent& deepest = *have.back();
        bool target_exists = deepest.path == l.path;
        if (err == "EACCES" || err == "EPERM") {
          for (const PathComponent* c : have) {
            bool is_target = c->path == l.path;
            if (!is_target && c->type == "dir" && !may(*c, p.uid, p.gid, p.groups, 1))
              return fmt::format("{} may not enter {} (owner {}:{}, mode {:04o})", ids(l), c->path, c->uid, c->gid,
                                 c->mode);
          }
          if (!target_exists && creating && deepest.path == dirname_of(l.path) &&
              !may(deepest, p.uid, p.gid, p.groups, 2))
            return fmt::format("{} may not create files in {} (owner {}:{}, mode {:04o})", ids(l), deepest.path,
                               deepest.uid, deepest.gid, deepest.mode);
          if (target_exists)
            return fmt::format("{} is owned by {}:{} with mode {:04o}; the caller is {}", deepest.path, deepest.uid,
                               deepest.gid, deepest.mode, ids(l));
        }
        if (err == "EROFS") return fmt::format("{} is on a read-only mount", deepest.path);
        if (err == "ENOENT" && !target_exists) {
          const std::string& dir = deepest.path;
          std::string rest = l.path.size() > dir.size() ? l.path.substr(dir == "/" ? 1 : dir.size() + 1) : "";
          std::string missing = rest.substr(0, rest.find('/'));
          if (!missing.empty()) return fmt::format("{}/{} does not exist", dir == "/" ? "" : dir, missing);
        }
      }
    }
    if (err == "ENOENT" && creating && !l.path.empty())
      return fmt::format("{} does not exist", dirname_of(l.path));
    if (err == "ENOENT" && !l.path.empty())
      return l.tried.empty() ? fmt::format("{} does not exist", l.path)
                             : fmt::format("{} was not found in any of the {} places tried",
                                           basename_of(l.path), l.tried.size());
    if ((err == "EACCES" || err == "EPERM") && !l.path.empty()) {
      std::string who = l.uid ? ids(l) : std::string("the caller");
      if (creating)
        return fmt::format("{} may not create files in {}: check its owner and mode", who, dirname_of(l.path));
      return fmt::format("{} may not access {}: check the owner and mode of it and its directories", who, l.path);
    }
    if (err == "EROFS") return fmt::format("{} is on a read-only file system", l.path);
    if (err == "EADDRINUSE") return fmt::format("another socket is already bound to {}", l.path);
    if (err == "ECONNREFUSED") return fmt::format("nothing is listening on {}", l.path);
    if (err == "ENOSPC") return "the file system is full";
    return {};
  }

  // Works upward in `pid` from `from` for what explains `text`.
  void search(std::int32_t pid, std::size_t from, const std::string& text, Explanation& x, int hops) {
    // 8 hops: a real chain (client -> server -> worker) has two or three;
    // more means a loop the visited set did not catch.
    if (hops > 8) {
      x.notes.push_back("stopped after 8 hops");
      return;
    }
    std::optional<std::size_t> errno_match, closest, relay, plain_relay;
    std::size_t start = r_.first_event.count(pid) ? r_.first_event.at(pid) : 0;
    for (std::size_t j = from; j-- > start;) {
      if (r_.tgid[j] != pid || !is_syscall(j)) continue;
      const Event& e = t_.events[j];
      if (syscall_is(e.name, kClassReads) && e.result.state == ResultState::Returned && e.result.value > 0 &&
          r_.fd[j]) {
        // An fd opened before the tracer attached is of unknown kind: if
        // it carried the message, it is still where the message came from.
        bool unknown = r_.fd[j]->kind == OpenFile::Unknown;
        if ((is_ipc(r_.fd[j]) || unknown) && share_score(text, call_data(e))) {
          relay = j;
          break;
        }
        if (is_ipc(r_.fd[j]) && !plain_relay) plain_relay = j;
      }
      std::string deferred = deferred_error(e);
      if (deferred.empty() && (!e.result.failed() || benign(j, from))) continue;
      std::string et = deferred.empty() ? errno_text(e.result) : std::strerror(errno_number(deferred));
      if (!et.empty() && text.find(et) != std::string::npos) {
        errno_match = j;
        break;
      }
      if (!closest) closest = j;
    }
    // A child that failed before the message (a shell's "cmd || echo
    // failed") explains it better than an older failure of the parent's own.
    std::optional<std::int32_t> child;
    std::size_t child_end = 0;
    if (auto kids = r_.children.find(pid); kids != r_.children.end()) {
      for (std::int32_t k : kids->second) {
        auto st = r_.exits.find(k);
        if (st == r_.exits.end()) continue;
        bool failed = st->second.kind == ExitStatus::Killed || st->second.code != 0;
        std::size_t end = r_.exit_event.at(k);
        if (failed && end < from && end >= child_end) {
          child = k;
          child_end = end;
        }
      }
    }
    std::optional<std::size_t> strong = relay ? relay : errno_match;
    bool child_first = child && (!strong || child_end > *strong) && (strong || !closest || child_end > *closest);
    if (child_first) {
      ExplainLink c = link(ExplainLink::Kind::Child, child_end);
      c.exit = r_.exits.at(*child).describe();
      if (auto m = last_message_.find(*child); m != last_message_.end()) {
        c.text = gather(m->second).text;
        c.channel = "stderr";
      }
      x.chain.push_back(c);
      search(*child, child_end + 1, c.text.empty() ? text : c.text + "\n" + text, x, hops + 1);
      return;
    }
    if (relay) return follow(*relay, text, x, hops);
    if (errno_match || closest) {
      x.chain.push_back(cause_link(errno_match ? *errno_match : *closest));
      x.found = true;
      return;
    }
    if (plain_relay) return follow(*plain_relay, text, x, hops);
    x.notes.push_back(fmt::format("no failing call in pid {} before the message explains it", pid));
  }

  void follow(std::size_t read_event, const std::string& text, Explanation& x, int hops) {
    const Event& re = t_.events[read_event];
    const FileRef& rf = r_.fd[read_event];
    ExplainLink rl = link(ExplainLink::Kind::Received, read_event);
    rl.text = trim(call_data(re)) + (truncated(read_event) ? "..." : "");
    rl.channel = describe_channel(rf, t_);
    x.chain.push_back(rl);

    std::string data = call_data(re);
    std::optional<std::size_t> best, fallback;
    std::size_t best_score = 0;
    for (std::size_t w = 0; w < t_.events.size(); ++w) {
      if (w == read_event || !is_write(w) || !peers(rf, r_.fd[w])) continue;
      std::size_t s = share_score(data, call_data(t_.events[w]));
      bool before = w < read_event;
      if (s && (s > best_score || (s == best_score && before))) {
        best = w;
        best_score = s;
      }
      if (before) fallback = w;
    }
    if (!best) best = fallback;
    if (!best) {
      // The article's next step: find the listener, attach to it, reproduce.
      std::string find;
      if (rf && rf->remote.starts_with("AF_UNIX:"))
        find = fmt::format(" (find it with: ss -lpx | grep {})", display_addr(rf->remote));
      else if (rf && (rf->remote.starts_with("AF_INET:") || rf->remote.starts_with("AF_INET6:")))
        find = fmt::format(" (find it with: ss -ltnp 'sport = :{}')", port_of(rf->remote));
      x.notes.push_back(fmt::format(
          "the message came from {}, but the process on the other end is not in the trace{}: record it too "
          "(tracediff record -p PID, or strace -f -p PID) while reproducing",
          rl.channel, find));
      return;
    }
    if (visited_.count(*best)) {
      x.notes.push_back("the relay loops back on itself");
      return;
    }
    visited_.insert(*best);
    ExplainLink sl = link(ExplainLink::Kind::Sent, *best);
    sl.text = trim(call_data(t_.events[*best])) + (truncated(*best) ? "..." : "");
    sl.channel = describe_channel(r_.fd[*best], t_);
    x.chain.push_back(sl);
    // The writer's own words and the original message both say what to match.
    search(r_.tgid[*best], *best, sl.text + "\n" + text, x, hops + 1);
  }

  const Trace& t_;
  const ExplainOptions& opt_;
  detail::Replayed r_;
  display::FormatOptions fo_;
  std::map<std::pair<std::int32_t, std::string>, std::vector<std::size_t>> found_;
  std::set<std::size_t> visited_;
  std::map<std::int32_t, std::size_t> last_message_;  ///< pid -> its last stderr/terminal write
};

}  // namespace

const char* to_string(ExplainLink::Kind k) {
  switch (k) {
    case ExplainLink::Kind::Message: return "message";
    case ExplainLink::Kind::Received: return "received";
    case ExplainLink::Kind::Sent: return "sent";
    case ExplainLink::Kind::Child: return "child";
    case ExplainLink::Kind::Cause: return "cause";
  }
  return "?";
}

Explanation run(const Trace& t, const ExplainOptions& opt) { return Searcher(t, opt).run(); }

}  // namespace tracediff::explain
