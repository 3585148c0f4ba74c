// Rule "fds": fd numbers become what they refer to.
//
// An fd number depends on what else the process had open, which varies with
// the libc, the loader and the shell that started it; what the fd refers to
// does not. Referents come from the trace itself when it has them (strace -y,
// the recorder) and otherwise from a small per-process fd table kept here:
// open/socket/pipe/dup create entries, close removes them, a new process
// starts with a copy of its parent's table. The same walk tracks each
// process's working directory so relative paths get an absolute form.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "model/paths.h"
#include "normalize/rules.h"

namespace tracediff::normalize::detail {
namespace {

struct ProcState {
  std::map<std::int64_t, std::string> fds;
  std::string cwd;  ///< "" when unknown
};

bool is_one_of(std::string_view n, std::initializer_list<std::string_view> names) {
  for (auto x : names)
    if (x == n) return true;
  return false;
}

std::int64_t fd_number(const Arg& a) {
  if (a.has_raw) return a.raw;
  char* end = nullptr;
  long long v = std::strtoll(a.str.c_str(), &end, 10);
  return end && end != a.str.c_str() ? v : -1;
}

const char* anon_name(std::string_view n) {
  if (n == "eventfd" || n == "eventfd2") return "anon_inode:[eventfd]";
  if (n == "epoll_create" || n == "epoll_create1") return "anon_inode:[eventpoll]";
  if (n == "signalfd" || n == "signalfd4") return "anon_inode:[signalfd]";
  if (n == "timerfd_create") return "anon_inode:[timerfd]";
  if (n == "inotify_init" || n == "inotify_init1") return "anon_inode:inotify";
  if (n == "pidfd_open") return "anon_inode:[pidfd]";
  if (n == "userfaultfd") return "anon_inode:[userfaultfd]";
  if (n == "perf_event_open") return "anon_inode:[perf_event]";
  if (n == "io_uring_setup") return "anon_inode:[io_uring]";
  if (n == "fanotify_init") return "anon_inode:[fanotify]";
  if (n == "memfd_create") return "memfd";
  return nullptr;
}

class FdTracker {
 public:
  explicit FdTracker(const Header& h) : cwd_(h.host.cwd) {}

  void step(Event& e) {
    std::int32_t pid = e.pid ? e.pid : e.tid;
    ProcState& st = state(pid);
    if (e.type == EventType::Process && e.name == kProcSpawn && !e.proc.thread && e.proc.child > 0) {
      procs_[e.proc.child] = st;
      return;
    }
    if (e.type != EventType::Syscall) return;
    resolve_paths(e, st);
    fill_refs(e, st);
    update(e, st);
  }

 private:
  ProcState& state(std::int32_t pid) {
    auto it = procs_.find(pid);
    if (it != procs_.end()) return it->second;
    ProcState& st = procs_[pid];
    // A task first seen without a spawn event is a root: it inherited the
    // standard streams and the recorded working directory.
    st.fds = {{0, "<stdin>"}, {1, "<stdout>"}, {2, "<stderr>"}};
    if (cwd_) st.cwd = *cwd_;
    return st;
  }

  void resolve_paths(Event& e, ProcState& st) {
    if (is_one_of(e.name, {"symlink", "symlinkat"})) return;  // the target is never resolved here
    for (std::size_t i = 0; i < e.args.size(); ++i) {
      Arg& a = e.args[i];
      if (a.kind != ArgKind::Path || !a.abs.empty()) continue;
      if (!a.str.empty() && a.str[0] == '/') {
        a.abs = a.str;
        continue;
      }
      std::string base = st.cwd;
      if (i > 0 && e.args[i - 1].kind == ArgKind::Fd && e.args[i - 1].str != "AT_FDCWD") {
        const Arg& dir = e.args[i - 1];
        base = dir.ref.empty() ? lookup(st, fd_number(dir)) : dir.ref.str();
        if (!base.empty() && base[0] != '/') base.clear();
      }
      if (!base.empty()) a.abs = absolute_path(base, a.str);
    }
  }

  static std::string lookup(const ProcState& st, std::int64_t fd) {
    auto it = st.fds.find(fd);
    return it == st.fds.end() ? std::string() : it->second;
  }

  void fill_refs(Event& e, ProcState& st) {
    for (Arg& a : e.args) {
      if (a.kind != ArgKind::Fd || a.str == "AT_FDCWD") continue;
      std::int64_t fd = fd_number(a);
      if (fd < 0) continue;
      std::string known = lookup(st, fd);
      if (a.ref.empty() || (known.size() > 2 && known[0] == '<')) {
        // The standard streams a root inherited (and their dups) are named
        // for their role, not their referent: where the caller redirected
        // output (a log file, a pipe, a terminal) differs from run to run.
        a.ref = known;
      } else {
        st.fds[fd] = a.ref;  // the trace knows better than our table
      }
      if (!a.ref.empty()) {
        a.ref = canonical_ref(a.ref);
        a.raw = fd;
        a.has_raw = true;  // kept for readers that need to know fd 2 from fd 1
        a.str = "fd";
      }
    }
  }

  std::string path_target(const Event& e) {
    for (const Arg& a : e.args)
      if (a.kind == ArgKind::Path) return a.abs.empty() ? a.str.str() : a.abs.str();
    return {};
  }

  void set_result_ref(Event& e, const std::string& ref) {
    if (e.result.ref.empty()) e.result.ref = ref;
    e.result.ref = canonical_ref(e.result.ref);
    e.result.str = "fd";
  }

  void update(Event& e, ProcState& st) {
    const std::string& n = e.name;
    bool ok = e.result.state == ResultState::Returned && !e.result.failed();
    if (!ok) return;
    std::int64_t ret = e.result.value;
    if (is_one_of(n, {"open", "openat", "openat2", "creat", "open_by_handle_at", "open_tree", "fsopen",
                      "fspick"})) {
      std::string ref = e.result.ref.empty() ? path_target(e) : e.result.ref.str();
      st.fds[ret] = ref;
      set_result_ref(e, ref);
    } else if (is_one_of(n, {"socket", "accept", "accept4"})) {
      std::string ref = e.result.ref.empty() ? "socket" : e.result.ref;
      st.fds[ret] = ref;
      set_result_ref(e, ref);
    } else if (is_one_of(n, {"dup", "dup2", "dup3"}) && !e.args.empty()) {
      std::string ref = e.args[0].ref;
      if (!ref.empty()) {
        st.fds[ret] = ref;
        set_result_ref(e, ref);
      }
    } else if (n == "fcntl" && e.args.size() >= 2 && e.args[1].str.rfind("F_DUPFD", 0) == 0) {
      if (!e.args[0].ref.empty()) {
        st.fds[ret] = e.args[0].ref;
        set_result_ref(e, e.args[0].ref);
      }
    } else if (is_one_of(n, {"pipe", "pipe2", "socketpair"})) {
      const char* kind = n == "socketpair" ? "socket" : "pipe";
      for (Arg& a : e.args)
        if (a.kind == ArgKind::Array)
          for (Arg& fd : a.items) {
            std::int64_t v = fd_number(fd);
            if (v < 0) continue;
            st.fds[v] = fd.ref.empty() ? kind : fd.ref;
            fd.ref = canonical_ref(st.fds[v]);
            fd.kind = ArgKind::Fd;
            fd.raw = v;
            fd.has_raw = true;
            fd.str = "fd";
          }
    } else if (const char* anon = anon_name(n)) {
      st.fds[ret] = e.result.ref.empty() ? anon : e.result.ref;
      set_result_ref(e, st.fds[ret]);
    } else if (n == "close" && !e.args.empty()) {
      st.fds.erase(fd_number(e.args[0]));
    } else if (n == "close_range" && e.args.size() >= 2) {
      std::int64_t lo = fd_number(e.args[0]), hi = fd_number(e.args[1]);
      if (hi < lo) hi = INT64_MAX;  // ~0U shown as a negative or huge number
      st.fds.erase(st.fds.lower_bound(lo), hi == INT64_MAX ? st.fds.end() : st.fds.upper_bound(hi));
    } else if (n == "chdir") {
      std::string p = path_target(e);
      if (!p.empty() && p[0] == '/') st.cwd = p;
    } else if (n == "fchdir" && !e.args.empty()) {
      if (!e.args[0].ref.empty() && e.args[0].ref[0] == '/') st.cwd = e.args[0].ref;
    }
  }

  std::optional<std::string> cwd_;
  std::unordered_map<std::int32_t, ProcState> procs_;
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::string canonical_ref(std::string_view ref) {
  // "pipe:[1234]", "socket:[1234]", "anon_inode:[eventfd]" (kept: no number)
  auto lb = ref.find(":[");
  if (lb != std::string_view::npos && ref.back() == ']') {
    std::string_view kind = ref.substr(0, lb);
    std::string_view inner = ref.substr(lb + 2, ref.size() - lb - 3);
    if (all_digits(inner)) return std::string(kind);
    if (kind == "TCP" || kind == "UDP" || kind == "TCPv6" || kind == "UDPv6") {
      // A connection is known by its peer: the local port is ephemeral.
      auto arrow = inner.find("->");
      if (arrow != std::string_view::npos) return fmt::format("{}:[->{}]", kind, inner.substr(arrow + 2));
      return std::string(ref);
    }
    if (kind == "UNIX" || kind == "UNIX-STREAM" || kind == "UNIX-DGRAM") {
      auto q = inner.find(',');
      if (q != std::string_view::npos) return fmt::format("{}:[{}]", kind, inner.substr(q + 1));
      return std::string(kind);
    }
    return std::string(ref);
  }
  if (ref.rfind("/dev/pts/", 0) == 0 && all_digits(ref.substr(9))) return "/dev/pts/#";
  return std::string(ref);
}

struct FdRule::Impl {
  explicit Impl(const Header& h) : tracker(h) {}
  FdTracker tracker;
};

FdRule::FdRule(const Header& h) : impl_(std::make_unique<Impl>(h)) {}
FdRule::~FdRule() = default;
void FdRule::apply(Event& e) { impl_->tracker.step(e); }

void rule_fds(Trace& t, NormalizeContext&) {
  FdRule rule(t.header);
  for (Event& e : t.events) rule.apply(e);
}

}  // namespace tracediff::normalize::detail
