// Typing arguments by role, resolving paths, and the spawn/exec events that
// completed calls imply (enrich.h).
#include "strace/enrich.h"

#include "model/paths.h"

namespace tracediff::strace::detail {
namespace {

// AT_FDCWD on Linux.
constexpr std::int64_t kAtFdcwd = -100;

bool is_absolute(std::string_view p) { return !p.empty() && p[0] == '/'; }

bool has_clone_thread(const std::vector<Arg>& args) {
  for (const Arg& a : args) {
    if (a.name == "flags") {
      if (a.str.find("CLONE_THREAD") != std::string::npos) return true;
      // -X raw: only the number is shown. CLONE_THREAD is 0x10000 on Linux.
      return a.has_raw && (a.raw & 0x10000) != 0 && a.str.find("CLONE_") == std::string::npos;
    }
    // clone3's struct, possibly inside "{...} => {...}".
    if ((a.kind == ArgKind::Struct || a.kind == ArgKind::Array) && has_clone_thread(a.items)) return true;
  }
  return false;
}

}  // namespace

void Enricher::type_args(Event& e) {
  if (e.name != roles_name_) {
    roles_name_ = e.name;
    roles_ = syscall_args(e.name);
  }
  const SyscallArgs* roles = roles_;
  // The DirFd before a Path, else the cwd.
  PathBase base;
  if (const std::string* cwd = cwd_of(e.tid)) base = {*cwd, true};
  for (std::size_t i = 0; i < e.args.size(); ++i) {
    Arg& a = e.args[i];
    if (a.kind == ArgKind::Flags && std::string_view(a.str) == "AT_FDCWD") {
      a.kind = ArgKind::Fd;
      a.has_raw = true;
      a.raw = kAtFdcwd;
    }
    ArgRole role = roles ? roles->role(i) : ArgRole::Other;
    switch (role) {
      case ArgRole::Fd:
      case ArgRole::DirFd:
        if (a.kind == ArgKind::Int) a.kind = ArgKind::Fd;
        if (role == ArgRole::DirFd && a.kind == ArgKind::Fd) base_at_dirfd(a, e.tid, base);
        break;
      case ArgRole::Path:
      case ArgRole::LinkTarget:
        if (a.kind != ArgKind::String) break;
        a.kind = ArgKind::Path;
        if (is_absolute(a.str)) a.abs = a.str;
        // A symlink's target is resolved against the link's directory when
        // followed, never against the caller's cwd: no abs for a relative one.
        else if (role == ArgRole::Path && base.known && !a.truncated && !a.str.empty())
          a.abs = absolute_path(base.dir, a.str);
        break;
      case ArgRole::Other:
        break;
    }
  }
}

void Enricher::base_at_dirfd(const Arg& a, std::int32_t tid, PathBase& base) {
  // Only -y annotations say where a dirfd points; without them a dirfd other
  // than AT_FDCWD leaves the base unknown (the model's replay of fd tables
  // is to fill that in).
  if (a.raw == kAtFdcwd && a.has_raw) {
    if (is_absolute(a.ref)) {
      std::string& cwd = cwd_[tid];  // -y shows the cwd itself
      if (cwd != a.ref) cwd = a.ref;
      base = {a.ref, true};
    } else if (const std::string* cwd = cwd_of(tid)) {
      base = {*cwd, true};
    } else {
      base.known = false;
    }
  } else if (is_absolute(a.ref)) {
    base = {a.ref, true};
  } else {
    base.known = false;
  }
}

std::optional<Event> Enricher::implied_event(const Event& e, std::int32_t exec_tid, std::int32_t root) {
  const Result& r = e.result;
  if (r.state != ResultState::Returned || r.failed()) return std::nullopt;
  std::string_view n = e.name;
  if (n == "chdir" && !e.args.empty() && e.args[0].kind == ArgKind::Path && !e.args[0].abs.empty()) {
    cwd_[e.tid] = e.args[0].abs;
  } else if (n == "fchdir" && !e.args.empty() && is_absolute(e.args[0].ref)) {
    cwd_[e.tid] = e.args[0].ref;
  } else if (n == "getcwd" && !e.args.empty() && e.args[0].kind == ArgKind::String &&
             !e.args[0].truncated && is_absolute(e.args[0].str)) {
    cwd_[e.tid] = e.args[0].str;
  } else if ((n == "clone" || n == "clone3" || n == "fork" || n == "vfork") && r.value > 0) {
    return spawn_event(e, root);
  } else if ((n == "execve" || n == "execveat") && r.value == 0) {
    return exec_event(e, exec_tid);
  }
  return std::nullopt;
}

Event Enricher::spawn_event(const Event& e, std::int32_t root) {
  Event sp;
  sp.type = EventType::Process;
  sp.name = kProcSpawn;
  sp.tid = e.tid;
  sp.ts_ns = e.ts_ns;
  sp.line = e.line;
  sp.proc.child = static_cast<std::int32_t>(e.result.value);
  sp.proc.thread = has_clone_thread(e.args);
  std::int32_t parent = e.tid ? e.tid : root;
  tgid_[sp.proc.child] = sp.proc.thread ? tgid_of(parent) : sp.proc.child;
  if (const std::string* cwd = cwd_of(e.tid)) cwd_[sp.proc.child] = *cwd;
  return sp;
}

std::optional<Event> Enricher::exec_event(const Event& e, std::int32_t exec_tid) const {
  std::size_t pi = e.name == "execveat" ? 1 : 0;  // the path argument
  if (e.args.size() <= pi) return std::nullopt;
  Event ex;
  ex.type = EventType::Process;
  ex.name = kProcExec;
  // After "+++ superseded by execve +++" the call completes under the
  // leader's pid, which is the process that now runs the new program.
  ex.tid = exec_tid ? exec_tid : e.tid;
  ex.ts_ns = e.ts_ns;
  ex.line = e.line;
  ex.args.push_back(e.args[pi]);
  Arg argv;
  argv.kind = ArgKind::Array;
  if (e.args.size() > pi + 1 && e.args[pi + 1].kind == ArgKind::Array) argv.items = e.args[pi + 1].items;
  ex.args.push_back(std::move(argv));
  return ex;
}

void Enricher::adopt_unprefixed(std::int32_t pid) {
  auto c = cwd_.find(0);
  if (c != cwd_.end() && !cwd_.count(pid)) cwd_[pid] = c->second;
}

}  // namespace tracediff::strace::detail
