// Typing arguments by role, resolving paths, and the spawn/exec events that
// completed calls imply (enrich.h).
#include "strace/enrich.h"

#include <algorithm>

#include "model/args.h"
#include "model/paths.h"
#include "model/syscalls.h"

namespace tracediff::strace::detail {
namespace {

// AT_FDCWD on Linux.
constexpr std::int64_t kAtFdcwd = -100;

bool is_absolute(std::string_view p) { return !p.empty() && p[0] == '/'; }

bool has_clone_thread(const ArgList& args) {
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
  const SyscallInfo& info = syscall_info(e.name);
  // The set is asked once per run of a task's calls, not once per call.
  if (e.tid > 0 && e.tid != last_seen_) {
    last_seen_ = e.tid;
    if (seen_.insert(e.tid).second && !cloning_.empty()) adopt_early_child(e.tid);
  }
  if (info.is(kClassClone) && e.result.state == ResultState::Unfinished && e.tid > 0)
    cloning_[e.tid] = has_clone_thread(e.args);
  e.pid = tgid_of(e.tid);
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
    ArgRole role = info.role(i);
    switch (role) {
      case ArgRole::Fd:
      case ArgRole::DirFd:
        if (a.kind == ArgKind::Int) a.kind = ArgKind::Fd;
        if (role == ArgRole::DirFd && a.kind == ArgKind::Fd) base_at_dirfd(e, a, base);
        break;
      case ArgRole::Path:
      case ArgRole::LinkTarget:
        if (a.kind != ArgKind::String) break;
        a.kind = ArgKind::Path;
        if (is_absolute(a.str)) {
          // Shared with str (one block) unless the lexical form differs.
          if (is_normal_path(a.str)) a.abs = a.str;
          else a.abs = normalize_path(a.str);
        }
        // A symlink's target is resolved against the link's directory when
        // followed, never against the caller's cwd: no abs for a relative one.
        else if (role == ArgRole::Path && base.known && !a.truncated && !a.str.empty())
          a.abs = absolute_path(base.dir, a.str);
        break;
      case ArgRole::Other:
      case ArgRole::Out:
        break;
    }
  }
}

void Enricher::base_at_dirfd(const Event& e, const Arg& a, PathBase& base) {
  // A -y annotation says where a dirfd points; without one, the replay of
  // the log's opens does.
  std::int32_t tid = e.tid;
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
    ProcessState& st = replay_.state(e, count_);
    if (auto n = arg_int(a)) {
      auto it = st.fds.find(static_cast<int>(*n));
      if (it != st.fds.end() && it->second->kind == OpenFile::File && is_absolute(it->second->path))
        base = {it->second->path, true};
    }
  }
}

std::optional<Event> Enricher::implied_event(const Event& e, std::int32_t exec_tid, std::int32_t root) {
  replay_.apply(e, count_++);
  const SyscallInfo& info = syscall_info(e.name);
  if (info.is(kClassClone)) cloning_.erase(e.tid);
  const Result& r = e.result;
  if (r.state != ResultState::Returned || r.failed()) return std::nullopt;
  if (info.effect == Effect::Chdir && !e.args.empty() && e.args[0].kind == ArgKind::Path && !e.args[0].abs.empty()) {
    cwd_[e.tid] = e.args[0].abs;
  } else if (info.effect == Effect::Fchdir && !e.args.empty()) {
    ProcessState& st = replay_.state(e, count_);
    if (is_absolute(e.args[0].ref)) cwd_[e.tid] = e.args[0].ref;
    else if (is_absolute(st.cwd)) cwd_[e.tid] = st.cwd;  // the replay's fd knew the directory
  } else if (info.is(kClassFile) && info.role(0) == ArgRole::Out && !e.args.empty() &&
             e.args[0].kind == ArgKind::String && !e.args[0].truncated && is_absolute(e.args[0].str)) {
    cwd_[e.tid] = e.args[0].str;  // getcwd
  } else if (info.is(kClassClone) && r.value > 0) {
    Event sp = spawn_event(e, root);
    replay_.apply(sp, count_++);
    return sp;
  } else if (info.is(kClassExec) && r.value == 0) {
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
  // A child seen early has had its copy since then, and may have moved.
  if (early_.erase(sp.proc.child) == 0)
    if (const std::string* cwd = cwd_of(e.tid)) cwd_[sp.proc.child] = *cwd;
  return sp;
}

void Enricher::adopt_early_child(std::int32_t tid) {
  // Any of the unfinished clones may have made `tid`: only when they all
  // come from one process in one cwd is what it inherits known.
  std::int32_t parent = 0;
  bool thread = false;
  const std::string* cwd = nullptr;
  for (const auto& [t, is_thread] : cloning_) {
    const std::string* c = cwd_of(t);
    if (parent == 0) {
      parent = t;
      thread = is_thread;
      cwd = c;
    } else if (tgid_of(t) != tgid_of(parent) || is_thread != thread || !c || !cwd || *c != *cwd) {
      return;
    }
  }
  early_.insert(tid);
  tgid_[tid] = thread ? tgid_of(parent) : tid;
  if (cwd) cwd_[tid] = *cwd;
  else cwd_.erase(tid);
  Event sp;
  sp.type = EventType::Process;
  sp.name = kProcSpawn;
  sp.tid = parent;
  sp.proc.child = tid;
  sp.proc.thread = thread;
  replay_.apply(sp, count_++);
}

void Enricher::task_gone(std::int32_t tid) {
  cloning_.erase(tid);
  seen_.erase(tid);
  if (last_seen_ == tid) last_seen_ = 0;
  early_.erase(tid);
}

std::optional<Event> Enricher::exec_event(const Event& e, std::int32_t exec_tid) const {
  auto pi = static_cast<std::size_t>(std::max(0, syscall_info(e.name).path_index()));  // the path argument
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
  replay_.adopt(0, pid);
}

}  // namespace tracediff::strace::detail
