// Replaying a trace's calls: fd tables, cwd and ids per process.
#include "explain/tracking.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace tracediff::explain::detail {
namespace {

const std::set<std::string> kWriteCalls = {"write", "writev", "pwrite64", "pwritev", "pwritev2",
                                           "send", "sendto", "sendmsg", "sendmmsg"};
const std::set<std::string> kReadCalls = {"read", "readv", "pread64", "preadv", "preadv2",
                                          "recv", "recvfrom", "recvmsg", "recvmmsg"};
// Calls whose first argument is an fd (when the source did not type it).
const std::set<std::string> kFdFirst = {
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
    "pwritev2", "recv", "recvfrom", "recvmsg", "recvmmsg", "send", "sendto", "sendmsg", "sendmmsg",
    "connect", "bind", "listen", "accept", "accept4", "close", "dup", "dup2", "dup3", "fchdir",
    "fcntl", "fstat", "getdents64", "shutdown", "ioctl", "lseek", "fsync", "fdatasync",
    "ftruncate", "fchmod", "fchown", "getsockname", "getpeername", "setsockopt", "getsockopt"};

bool parse_int(std::string_view s, std::int64_t& out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (auto lt = s.find('<'); lt != std::string_view::npos) s = s.substr(0, lt);  // "3</etc/x>"
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::optional<std::int64_t> int_of(const Arg& a) {
  if (a.has_raw && (a.kind == ArgKind::Fd || a.kind == ArgKind::Int)) return a.raw;
  std::int64_t v;
  if (parse_int(a.str, v)) return v;
  if (a.has_raw) return a.raw;
  return std::nullopt;
}

bool mentions(const Arg& a, std::string_view word) {
  if (a.str.find(word) != std::string::npos) return true;
  for (const Arg& i : a.items)
    if (mentions(i, word)) return true;
  return false;
}

bool is_clone_call(const std::string& n) {
  return n == "clone" || n == "clone3" || n == "fork" || n == "vfork";
}

bool ok(const Event& e) { return e.result.state == ResultState::Returned && !e.result.failed(); }

// The two fds an array argument holds ("[3, 4]").
std::optional<std::pair<int, int>> fd_pair(const Arg& a) {
  if (a.items.size() < 2) return std::nullopt;
  auto x = int_of(a.items[0]), y = int_of(a.items[1]);
  if (!x || !y) return std::nullopt;
  return std::pair<int, int>(static_cast<int>(*x), static_cast<int>(*y));
}

bool is_tty_path(std::string_view p) {
  return p.starts_with("/dev/pts/") || p.starts_with("/dev/tty") || p == "/dev/console";
}

std::string field(const Arg& a, std::string_view name) {
  for (const Arg& i : a.items)
    if (i.name == name) return i.str;
  return {};
}

// Strips a wrapper like htons(8080) or inet_addr("1.2.3.4").
std::string unwrap(std::string s) {
  auto l = s.find('('), r = s.rfind(')');
  if (l != std::string::npos && r != std::string::npos && r > l) s = s.substr(l + 1, r - l - 1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::vector<std::uint32_t> id_list(const Arg& a) {
  std::vector<std::uint32_t> out;
  for (const Arg& i : a.items)
    if (auto v = int_of(i)) out.push_back(static_cast<std::uint32_t>(*v));
  return out;
}

struct ProcState {
  std::map<int, FileRef> fds;
  std::string cwd;
  KnownCreds creds;
  std::string name;
};

class Replayer {
 public:
  explicit Replayer(const Trace& t) : t_(t) {}

  Replay run() {
    prepass();
    r_.tgid.resize(t_.events.size());
    r_.fd.resize(t_.events.size());
    for (std::size_t i = 0; i < t_.events.size(); ++i) step(i);
    for (auto& [pid, st] : states_) r_.name[pid] = st.name;
    return std::move(r_);
  }

 private:
  std::int32_t task_of(const Event& e) const { return e.tid ? e.tid : e.pid; }

  std::int32_t tgid_of(const Event& e) const {
    std::int32_t tid = task_of(e);
    if (auto it = thread_group_.find(tid); it != thread_group_.end()) return it->second;
    return e.pid ? e.pid : tid;
  }

  // Spawns are known before replaying, because a strace log may show a
  // child's first calls before the line where its parent's clone returns.
  void prepass() {
    std::vector<std::tuple<std::int32_t, std::int32_t, bool>> spawns;  // parent task, child, thread
    for (const Event& e : t_.events) {
      if (e.type == EventType::Process && e.name == kProcSpawn && e.proc.child > 0) {
        spawns.emplace_back(task_of(e), e.proc.child, e.proc.thread);
        if (e.proc.thread) thread_group_[e.proc.child] = e.pid ? e.pid : task_of(e);
      } else if (e.type == EventType::Syscall && is_clone_call(e.name) && ok(e) && e.result.value > 0) {
        bool thread = false;
        for (const Arg& a : e.args) thread = thread || mentions(a, "CLONE_THREAD");
        spawns.emplace_back(task_of(e), static_cast<std::int32_t>(e.result.value), thread);
      }
    }
    // Threads of threads belong to the first group: resolve in order.
    for (auto& [parent, child, thread] : spawns) {
      std::int32_t pg = parent;
      if (auto it = thread_group_.find(parent); it != thread_group_.end()) pg = it->second;
      if (thread) {
        thread_group_[child] = pg;
      } else if (!parent_.count(child)) {
        parent_[child] = pg;
      }
    }
    for (const Event& e : t_.events)
      if (e.tid && e.pid && e.tid != e.pid && !thread_group_.count(e.tid)) thread_group_[e.tid] = e.pid;
    for (auto& [child, p] : parent_) {
      std::int32_t pg = thread_group_.count(p) ? thread_group_[p] : p;
      r_.parent[child] = pg;
      r_.children[pg].push_back(child);
    }
  }

  ProcState& state(std::int32_t pid, std::size_t i) {
    if (auto it = states_.find(pid); it != states_.end()) return it->second;
    ProcState st;
    if (auto pit = r_.parent.find(pid); pit != r_.parent.end() && pit->second != pid) {
      st = state(pit->second, i);  // inherits fds (shared), cwd, ids, name
    } else {
      for (int fd = 0; fd < 3; ++fd) {
        auto f = std::make_shared<OpenFile>();
        f->kind = OpenFile::Stdio;
        f->stdio = fd;
        st.fds[fd] = f;
      }
      const HostInfo& h = t_.header.host;
      bool attached = std::find(t_.header.attached.begin(), t_.header.attached.end(), pid) !=
                      t_.header.attached.end();
      if (!attached && roots_seen_ == 0) {
        if (h.cwd) st.cwd = *h.cwd;
        if (!t_.header.command.empty()) st.name = basename_of(t_.header.command[0]);
      }
      if (h.uid) {
        st.creds.uid = h.uid;
        st.creds.gid = h.gid;
        st.creds.groups = h.groups;
        st.creds.from = "header";
      }
      ++roots_seen_;
    }
    r_.first_event.emplace(pid, i);
    return states_.emplace(pid, std::move(st)).first->second;
  }

  std::string where(std::size_t i, const std::string& call) const {
    const Event& e = t_.events[i];
    if (e.line) return fmt::format("{} at line {}", call, e.line);
    return fmt::format("{} (event {})", call, i);
  }

  std::string resolve(const ProcState& st, const Event& e, int dirfd_idx, const Arg& path) {
    if (!path.abs.empty()) return normalize_path(path.abs);
    const std::string& p = path.str;
    if (p.empty()) return {};
    if (p.front() == '/') return normalize_path(p);
    std::string base = st.cwd;
    if (dirfd_idx >= 0 && static_cast<std::size_t>(dirfd_idx) < e.args.size()) {
      const Arg& d = e.args[dirfd_idx];
      bool cwd = d.str.find("AT_FDCWD") != std::string::npos || (d.has_raw && d.raw == -100);
      if (!cwd) {
        base.clear();
        if (!d.ref.empty() && d.ref.front() == '/') base = d.ref;
        else if (auto fd = int_of(d)) {
          auto it = st.fds.find(static_cast<int>(*fd));
          if (it != st.fds.end() && it->second->kind == OpenFile::File) base = it->second->path;
        }
      }
    }
    if (base.empty()) return p;  // unresolvable: keep it as given
    return normalize_path(base + "/" + p);
  }

  FileRef from_ref(const std::string& ref) {
    auto f = std::make_shared<OpenFile>();
    f->ref = ref;
    if (!ref.empty() && ref.front() == '/') {
      f->kind = is_tty_path(ref) ? OpenFile::Tty : OpenFile::File;
      f->path = ref;
    } else if (ref.starts_with("pipe:")) {
      f->kind = OpenFile::Pipe;
    } else if (ref.find(':') != std::string::npos) {
      f->kind = OpenFile::Socket;
    }
    return f;
  }

  void step(std::size_t i) {
    const Event& e = t_.events[i];
    std::int32_t pid = tgid_of(e);
    // pid 0: a log written without pid prefixes (one process); it is
    // still one process with its own state.
    r_.tgid[i] = pid;
    ProcState& st = state(pid, i);

    if (e.type == EventType::Process) {
      if (e.name == kProcExec && !e.args.empty()) st.name = basename_of(e.args[0].str);
      else if (e.name == kProcExit) set_exit(pid, i, ExitStatus{ExitStatus::Exited, e.proc.code, 0, false});
      else if (e.name == kProcKilled)
        set_exit(pid, i, ExitStatus{ExitStatus::Killed, 0, e.proc.signal, e.proc.core});
      else if (e.name == kProcSpawn && e.proc.child > 0 && !e.proc.thread) state(e.proc.child, i);
      return;
    }
    if (e.type != EventType::Syscall) return;
    // The child gets a copy of the fd table as it is at the fork, before the
    // parent closes the connection it handed over.
    if (is_clone_call(e.name) && ok(e) && e.result.value > 0 && r_.parent.count(static_cast<std::int32_t>(e.result.value)))
      state(static_cast<std::int32_t>(e.result.value), i);

    // The fd argument's referent before the call.
    int fd_idx = -1;
    for (std::size_t k = 0; k < e.args.size(); ++k)
      if (e.args[k].kind == ArgKind::Fd) {
        fd_idx = static_cast<int>(k);
        break;
      }
    if (fd_idx < 0 && kFdFirst.count(e.name) && !e.args.empty()) fd_idx = 0;
    std::optional<int> fdnum = fd_idx >= 0 ? fd_arg(e, fd_idx) : std::nullopt;
    if (fdnum) {
      const Arg& a = e.args[fd_idx];
      auto it = st.fds.find(*fdnum);
      if (it == st.fds.end() || (it->second->kind == OpenFile::Unknown && !a.ref.empty())) {
        FileRef f = a.ref.empty() ? std::make_shared<OpenFile>() : from_ref(a.ref);
        it = st.fds.insert_or_assign(*fdnum, f).first;
      } else if (!a.ref.empty()) {
        it->second->ref = a.ref;
        if (it->second->kind == OpenFile::Stdio && is_tty_path(a.ref)) {
          it->second->kind = OpenFile::Tty;
          it->second->path = a.ref;
        }
      }
      r_.fd[i] = it->second;
    }

    auto pa = path_args(e.name);
    bool path_call = pa && static_cast<std::size_t>(pa->path) < e.args.size();
    if (path_call || e.result.failed()) {
      EventContext c;
      c.fd = r_.fd[i];
      c.cwd = st.cwd;
      c.creds = st.creds;
      if (path_call) c.path = resolve(st, e, pa->dirfd, e.args[pa->path]);
      r_.ctx.emplace(i, std::move(c));
    }

    const std::string& n = e.name;
    if (n == "exit_group" || (n == "exit" && !e.args.empty())) {
      if (!r_.exits.count(pid) && !e.args.empty())
        if (auto code = int_of(e.args[0]))
          set_exit(pid, i, ExitStatus{ExitStatus::Exited, static_cast<int>(*code), 0, false});
      return;
    }
    bool success = ok(e);
    bool in_progress = e.result.err == "EINPROGRESS";
    if (!success && !(n == "connect" && in_progress)) return;
    std::int64_t ret = e.result.value;

    if (n == "open" || n == "openat" || n == "openat2" || n == "creat") {
      auto f = std::make_shared<OpenFile>();
      f->path = r_.ctx[i].path;
      if (!e.result.ref.empty() && e.result.ref.front() == '/') f->path = e.result.ref;
      f->kind = is_tty_path(f->path) ? OpenFile::Tty : OpenFile::File;
      f->ref = e.result.ref;
      st.fds[static_cast<int>(ret)] = f;
    } else if (n == "socket") {
      auto f = std::make_shared<OpenFile>();
      f->kind = OpenFile::Socket;
      if (!e.args.empty()) f->family = e.args[0].str;
      f->ref = e.result.ref;
      st.fds[static_cast<int>(ret)] = f;
    } else if ((n == "socketpair" && e.args.size() >= 4) || ((n == "pipe" || n == "pipe2") && !e.args.empty())) {
      bool pipe = n != "socketpair";
      if (auto fds = fd_pair(pipe ? e.args[0] : e.args[3])) {
        int id = next_pair_++;
        int nums[2] = {fds->first, fds->second};
        const Arg& arr = pipe ? e.args[0] : e.args[3];
        for (int k = 0; k < 2; ++k) {
          auto f = std::make_shared<OpenFile>();
          f->kind = pipe ? OpenFile::Pipe : OpenFile::Socket;
          if (!pipe) f->family = e.args[0].str;
          f->pair = id;
          f->end = k;
          f->origin_pid = pid;
          f->origin_event = i;
          f->ref = arr.items[k].ref;
          st.fds[nums[k]] = f;
        }
      }
    } else if (n == "bind" && e.args.size() >= 2 && r_.fd[i]) {
      r_.fd[i]->local = absolute_unix(st, e, sockaddr_of(e.args[1]));
    } else if (n == "connect" && e.args.size() >= 2 && r_.fd[i]) {
      r_.fd[i]->remote = absolute_unix(st, e, sockaddr_of(e.args[1]));
    } else if ((n == "accept" || n == "accept4") && ret >= 0) {
      auto f = std::make_shared<OpenFile>();
      f->kind = OpenFile::Socket;
      f->accepted = true;
      f->origin_pid = pid;
      f->origin_event = i;
      f->ref = e.result.ref;
      if (r_.fd[i]) {
        f->local = r_.fd[i]->local;
        f->family = r_.fd[i]->family;
      }
      if (e.args.size() >= 2) f->remote = sockaddr_of(e.args[1]);
      st.fds[static_cast<int>(ret)] = f;
    } else if (n == "dup" || (n == "fcntl" && e.args.size() >= 2 && e.args[1].str.starts_with("F_DUPFD"))) {
      if (r_.fd[i]) st.fds[static_cast<int>(ret)] = r_.fd[i];
    } else if ((n == "dup2" || n == "dup3") && e.args.size() >= 2) {
      if (auto to = fd_arg(e, 1); to && r_.fd[i]) st.fds[*to] = r_.fd[i];
    } else if (n == "close") {
      if (fdnum) st.fds.erase(*fdnum);
    } else if (n == "chdir") {
      if (auto it = r_.ctx.find(i); it != r_.ctx.end() && !it->second.path.empty()) {
        st.cwd = it->second.path.front() == '/' ? it->second.path : std::string();
      }
    } else if (n == "fchdir") {
      st.cwd = r_.fd[i] && r_.fd[i]->kind == OpenFile::File ? r_.fd[i]->path : std::string();
    } else if (n == "execve" || n == "execveat") {
      if (auto it = r_.ctx.find(i); it != r_.ctx.end()) st.name = basename_of(it->second.path);
    } else if (n == "setuid" || n == "setresuid" || n == "setreuid" || n == "setuid32" ||
               n == "setresuid32" || n == "setreuid32") {
      std::size_t k = n.starts_with("setuid") ? 0 : 1;  // the effective id's position
      if (e.args.size() > k)
        if (auto v = int_of(e.args[k]); v && *v >= 0) {
          st.creds.uid = static_cast<std::uint32_t>(*v);
          st.creds.from = where(i, n);
        }
    } else if (n == "setgid" || n == "setresgid" || n == "setregid" || n == "setgid32" ||
               n == "setresgid32" || n == "setregid32") {
      std::size_t k = n.starts_with("setgid") ? 0 : 1;
      if (e.args.size() > k)
        if (auto v = int_of(e.args[k]); v && *v >= 0) st.creds.gid = static_cast<std::uint32_t>(*v);
    } else if ((n == "setgroups" || n == "setgroups32") && e.args.size() >= 2) {
      st.creds.groups = id_list(e.args[1]);
    }
  }

  // A relative Unix socket path is relative to the caller's cwd.
  std::string absolute_unix(const ProcState& st, const Event&, const std::string& addr) {
    static constexpr std::string_view kUnix = "AF_UNIX:";
    if (!addr.starts_with(kUnix)) return addr;
    std::string p = addr.substr(kUnix.size());
    if (p.empty() || p.front() == '/' || p.front() == '@' || st.cwd.empty()) return addr;
    return std::string(kUnix) + normalize_path(st.cwd + "/" + p);
  }

  void set_exit(std::int32_t pid, std::size_t i, ExitStatus s) {
    r_.exits[pid] = s;
    r_.exit_event[pid] = i;
  }

  const Trace& t_;
  Replay r_;
  std::map<std::int32_t, std::int32_t> thread_group_;  // tid -> tgid (threads only)
  std::map<std::int32_t, std::int32_t> parent_;        // child -> parent task
  std::map<std::int32_t, ProcState> states_;
  int next_pair_ = 0;
  int roots_seen_ = 0;
};

}  // namespace

bool is_write_call(const std::string& name) { return kWriteCalls.count(name) != 0; }
bool is_read_call(const std::string& name) { return kReadCalls.count(name) != 0; }

std::optional<int> fd_arg(const Event& e, std::size_t i) {
  if (i >= e.args.size()) return std::nullopt;
  auto v = int_of(e.args[i]);
  if (!v || *v < 0 || *v > (1 << 30)) return std::nullopt;
  return static_cast<int>(*v);
}

namespace {
void collect_strings(const Arg& a, std::string& out) {
  if (a.kind == ArgKind::String) {
    out += a.str;
    return;
  }
  for (const Arg& i : a.items) collect_strings(i, out);
}
}  // namespace

std::string call_data(const Event& e) {
  if (e.args.size() < 2) return {};
  std::string out;
  collect_strings(e.args[1], out);
  // A read's buffer only holds what was returned.
  if (is_read_call(e.name) && e.result.state == ResultState::Returned && e.result.value >= 0 &&
      out.size() > static_cast<std::size_t>(e.result.value))
    out.resize(static_cast<std::size_t>(e.result.value));
  return out;
}

std::optional<PathArgs> path_args(const std::string& n) {
  static const std::set<std::string> plain = {
      "open", "creat", "stat", "lstat", "stat64", "lstat64", "access", "chdir", "mkdir", "rmdir",
      "unlink", "truncate", "readlink", "chmod", "chown", "lchown", "execve", "statfs", "mknod",
      "utime", "utimes", "chroot", "uselib", "getxattr", "lgetxattr", "setxattr", "listxattr",
      "rename", "link"};
  static const std::set<std::string> at = {
      "openat", "openat2", "newfstatat", "fstatat64", "faccessat", "faccessat2", "statx",
      "mkdirat", "unlinkat", "readlinkat", "fchmodat", "fchownat", "mknodat", "utimensat",
      "execveat", "renameat", "renameat2", "linkat", "futimesat", "name_to_handle_at"};
  if (plain.count(n)) return PathArgs{-1, 0};
  if (at.count(n)) return PathArgs{0, 1};
  if (n == "symlink") return PathArgs{-1, 1};
  if (n == "symlinkat") return PathArgs{1, 2};
  return std::nullopt;
}

std::string sockaddr_of(const Arg& a) {
  if (a.kind == ArgKind::SockAddr) return a.str;
  if (a.kind != ArgKind::Struct) return {};
  std::string fam = field(a, "sa_family");
  if (fam == "AF_UNIX" || fam == "AF_LOCAL") {
    std::string p = unwrap(field(a, "sun_path"));
    return "AF_UNIX:" + p;
  }
  if (fam == "AF_INET")
    return fmt::format("AF_INET:{}:{}", unwrap(field(a, "sin_addr")), unwrap(field(a, "sin_port")));
  if (fam == "AF_INET6")
    return fmt::format("AF_INET6:[{}]:{}", unwrap(field(a, "sin6_addr")), unwrap(field(a, "sin6_port")));
  return fam.empty() ? std::string() : fam + ":?";
}

Replay replay(const Trace& t) { return Replayer(t).run(); }

}  // namespace tracediff::explain::detail
