// Process events: a task created (fork, vfork, clone), an exec (also from
// a non-leader thread), a task's exit and death, and children whose parent
// died before telling who they are.
#include <fmt/format.h>
#include <linux/sched.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>
#include <fstream>
#include <optional>

#include "record/proc_status.h"
#include "record/recorder.h"

namespace tracediff::record::detail {

void Recorder::on_new_child(Task& parent, pid_t child, int event) {
  // Which resources the child shares follows from the clone flags of the
  // call in progress; without them (the call was not stopped at), ask /proc.
  std::uint64_t flags = 0;
  bool known = false;
  if (event == PTRACE_EVENT_FORK) {
    known = true;
  } else if (event == PTRACE_EVENT_VFORK) {
    flags = CLONE_VM | CLONE_VFORK;
    known = true;
  } else if (parent.in_syscall && parent.nr == SYS_clone) {
    flags = parent.args[0];
    known = true;
  } else if (parent.in_syscall && parent.nr == SYS_clone3) {
    clone_args ca{};
    if (read_value(TraceeMemory(parent.tid), RemoteAddr{parent.args[0]}, ca)) {
      flags = ca.flags;
      known = true;
    }
  }
  if (!known && thread_group_of(child) == parent.tgid)
    flags = CLONE_THREAD | CLONE_FILES | CLONE_FS | CLONE_VM | CLONE_SIGHAND;
  bool thread = flags & CLONE_THREAD;
  bool parked = tasks_.count(child) && tasks_[child].parked;
  Task& c = new_task(child);
  c.tgid = thread ? parent.tgid : child;
  c.every_call = parent.every_call;  // seccomp filters are inherited
  c.fds = (flags & CLONE_FILES) ? parent.fds : std::make_shared<FdTable>(*parent.fds);
  c.fs = (flags & CLONE_FS) ? parent.fs : std::make_shared<FsState>(*parent.fs);
  // A forked child has exactly its parent's credentials: copy what is
  // known rather than read /proc/PID/status again for every process.
  c.creds = thread ? parent.creds : std::make_shared<Creds>(parent.creds ? *parent.creds : Creds{});
  // Without CLONE_NEWNS the child sees the tree as its parent does.
  if (known && !(flags & CLONE_NEWNS)) {
    // The parent's view is taken now if it is not known yet (once per
    // parent): a shell that forks 300 programs, each failing a lookup,
    // would otherwise cost two /proc stats per program.
    if (const std::string* v = view_of(parent.tid, perm_cache_)) perm_cache_.views[child] = *v;
  }
  ProcInfo info;
  info.child = child;
  info.thread = thread;
  emit_process(parent, kProcSpawn, info);
  if (parked) {
    --parked_;
    c.parked = false;
    c.started = true;
    resume(c, 0);
  }
}

void Recorder::on_exec(Task& t) {
  unsigned long former = 0;
  ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &former);
  pid_t old_tid = static_cast<pid_t>(former);
  Task* execer = &t;
  if (old_tid != 0 && old_tid != t.tid && tasks_.count(old_tid)) {
    // A non-leader thread exec'd: it now has the leader's tid. The leader's
    // own call never returns ("= ?" as strace shows it); the execing
    // thread's state moves over.
    close_pending(t, ResultState::Unknown);
    ProcInfo info;
    info.child = old_tid;
    emit_process(t, kProcSuperseded, info);
    Task moved = std::move(tasks_[old_tid]);
    tasks_.erase(old_tid);
    moved.tid = t.tid;
    tasks_[moved.tid] = std::move(moved);
    execer = &tasks_[t.tid];
  }
  Task& x = *execer;
  // After exec the fd table is private again, without close-on-exec fds.
  if (x.fds.use_count() > 1) x.fds = std::make_shared<FdTable>(*x.fds);
  x.fds->on_exec();
  if (x.fs.use_count() > 1) x.fs = std::make_shared<FsState>(*x.fs);
  // Credentials survive exec unless the program is set-user-ID or
  // set-group-ID (one stat, instead of reading /proc/PID/status again).
  struct stat exe;
  if (!x.creds || !x.creds->valid || stat(fmt::format("/proc/{}/exe", x.tid).c_str(), &exe) != 0 ||
      (exe.st_mode & (S_ISUID | S_ISGID)))
    x.creds = std::make_shared<Creds>();
  else if (x.creds.use_count() > 1)
    x.creds = std::make_shared<Creds>(*x.creds);
  if (x.tid == root_) prelude_ = false;
  emit_exec(x);
}

// The exec event: the path and argv from the execve call when it was
// stopped at, else from /proc.
void Recorder::emit_exec(Task& x) {
  Event& e = reset_event(scratch_, x, EventType::Process, kProcExec);
  bool from_call = x.in_syscall && x.decode && (x.nr == SYS_execve || x.nr == SYS_execveat);
  if (from_call) {
    std::size_t p = x.nr == SYS_execveat ? 1 : 0;
    if (x.ev.args.size() > p + 1) {
      e.args.push_back(x.ev.args[p]);
      e.args.push_back(x.ev.args[p + 1]);
    } else {
      from_call = false;
    }
  }
  if (!from_call) {
    // The execve was not stopped at (filtered out): ask the kernel.
    Arg path;
    path.kind = ArgKind::Path;
    path.str = path.abs = read_link(fmt::format("/proc/{}/exe", x.tid));
    Arg argv;
    argv.kind = ArgKind::Array;
    std::ifstream in(fmt::format("/proc/{}/cmdline", x.tid));
    std::string item;
    while (std::getline(in, item, '\0')) {
      Arg s;
      s.kind = ArgKind::String;
      s.str = item;
      argv.items.push_back(std::move(s));
    }
    e.args.push_back(std::move(path));
    e.args.push_back(std::move(argv));
  }
  emit(e);
}

void Recorder::on_event(Task& t, int event) {
  switch (event) {
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE: {
      unsigned long child = 0;
      if (ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &child) == 0 && child) on_new_child(t, static_cast<pid_t>(child), event);
      resume(t, 0);
      return;
    }
    case PTRACE_EVENT_EXEC: {
      pid_t tid = t.tid;
      on_exec(t);
      resume(tasks_[tid], 0);
      return;
    }
    case PTRACE_EVENT_EXIT: {
      if (t.in_syscall && (t.nr == SYS_exit || t.nr == SYS_exit_group)) close_pending(t, ResultState::Unknown);
      resume(t, 0);
      return;
    }
    case PTRACE_EVENT_SECCOMP:
      on_syscall_stop(t, true);
      return;
    default:
      resume(t, 0);
  }
}

void Recorder::on_death(pid_t tid, WaitStatus ws) {
  auto it = tasks_.find(tid);
  if (it == tasks_.end()) return;
  if (tid == root_ && prelude_ && !out_ && setup_err_.valid()) {
    // The launched child died before its exec and before any event: if
    // its own set-up failed (it says so through the pipe), that is our
    // failure, not the command's: no trace.
    if (std::string msg = setup_error(); !msg.empty()) {
      tasks_.erase(it);
      throw InputError(msg);
    }
  }
  Task& t = it->second;
  bool exit_call = t.nr == SYS_exit || t.nr == SYS_exit_group;
  // Only a task that died inside a fork-like call (or in a call the
  // recorder did not stop at) can leave a parked child without its fork
  // event; every other death need not look at /proc for orphans.
  bool may_orphan = !(t.in_syscall || opt_.all) || t.nr == SYS_clone || t.nr == SYS_clone3 ||
                    t.nr == SYS_fork || t.nr == SYS_vfork;
  bool killed = ws.kind() == WaitStatus::Killed;
  close_pending(t, killed || !exit_call ? ResultState::Unfinished : ResultState::Unknown);
  ProcInfo info;
  if (!killed) {
    info.code = ws.exit_code();
    emit_process(t, kProcExit, info);
  } else {
    info.signal = ws.fatal_signal();
    info.core = ws.core_dumped();
    emit_process(t, kProcKilled, info);
  }
  if (tid == root_) exit_status_ = ws.shell_status();
  tasks_.erase(it);
  perm_cache_.forget(tid);
  if (may_orphan) adopt_orphans();
}

void Recorder::adopt_orphans() {
  // A parked child waits for its parent's fork event; if the parent died
  // before reporting it (SIGKILL right after clone), that event never comes.
  // Such a child is resumed as a process of unknown parentage rather than
  // held forever.
  if (parked_ == 0) return;
  for (auto& [tid, t] : tasks_) {
    if (!t.parked) continue;
    std::optional<ProcStatus> st = read_proc_status(tid);
    pid_t tgid = st ? st->tgid : 0, ppid = st ? st->ppid : 0;
    bool parent_traced = (tgid != tid && tasks_.count(tgid)) || tasks_.count(ppid);
    if (parent_traced) continue;
    --parked_;
    t.parked = false;
    t.started = true;
    t.tgid = tgid ? tgid : tid;
    t.fds = std::make_shared<FdTable>();
    t.fs = std::make_shared<FsState>();
    t.fs->cwd = proc_cwd(tid);
    t.creds = std::make_shared<Creds>();
    // Its parent's filters are its own: whether it has one is in /proc.
    t.every_call = st && st->seccomp != 0;
    resume(t, 0);
  }
}

}  // namespace tracediff::record::detail
