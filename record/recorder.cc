// The ptrace loop: launch or attach, follow every task, pair each call's
// entry with its exit, and stream events to the tracefile::TraceWriter as they
// complete. See record.h for the contract.
//
// Stops a task can report, and what the loop does with each:
//   syscall entry / seccomp stop  -> begin the call (decode inputs)
//   syscall exit                  -> end the call (decode outputs, emit)
//   fork/vfork/clone event        -> spawn event; the child is resumed once
//                                    both its first stop and this are seen
//   exec event                    -> exec event (tid change handled)
//   exit event                    -> close exit/exit_group with "= ?"
//   group stop (PTRACE_EVENT_STOP with a stop signal) -> PTRACE_LISTEN
//   signal-delivery stop          -> signal event, signal passed on
#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include "record/decode.h"
#include "record/internal.h"
#include "record/proc_status.h"
#include "record/record.h"
#include "record/signal_guard.h"
#include "record/syscalls.h"
#include "record/wait_status.h"
#include "model/scoped_fd.h"
#include "tracefile/tracefile.h"

extern char** environ;

namespace tracediff::record {
namespace detail {
namespace {

// How often buffered events reach the file when nothing else flushes them:
// a recorder killed with SIGKILL loses at most this much.
constexpr std::int64_t kFlushIntervalNs = 100'000'000;

std::int64_t now_ns(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string resolve_command(const std::string& cmd) {
  auto executable = [](const std::string& p) { return access(p.c_str(), X_OK) == 0; };
  if (cmd.find('/') != std::string::npos) return cmd;
  const char* path = getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string cand = (dir.empty() ? std::string(".") : dir) + "/" + cmd;
    if (executable(cand) && !std::filesystem::is_directory(cand)) return cand;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  throw InputError(fmt::format("record: {}: command not found", cmd));
}

bool has_capability(int cap) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) return false;
  return data[cap / 32].effective & (1u << (cap % 32));
}

std::string read_link(const std::string& p) {
  char buf[4096];
  ssize_t n = readlink(p.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// What a syscall stop tells: which side of the call, and its values.
struct StopInfo {
  enum Op { None, Entry, Exit } op = None;
  bool other_abi = false;
  int nr = -1;
  std::uint64_t args[6] = {};
  std::int64_t rval = 0;
  bool is_error = false;
};

class Recorder {
 public:
  explicit Recorder(const RecordOptions& opt) : opt_(opt) {}
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  RecordOutcome run();

 private:
  void launch(const std::string& exe);
  void attach(pid_t pid);
  void loop();
  void dispatch(pid_t tid, WaitStatus ws);
  void on_syscall_stop(Task& t, bool seccomp_stop);
  void on_event(Task& t, int event);
  void on_death(pid_t tid, WaitStatus ws);
  void adopt_orphans();
  void on_new_child(Task& parent, pid_t child, int event);
  void on_exec(Task& t);
  bool fetch(Task& t, bool seccomp_stop, StopInfo& si);
  void begin_call(Task& t, const StopInfo& si);
  bool end_call(Task& t, const StopInfo& si);
  void close_pending(Task& t, ResultState state);
  void resume(Task& t, int sig);
  void emit(const Event& e);
  void emit_process(const Task& t, const char* name, ProcInfo info);
  void maybe_flush();
  void open_output();
  void detach_all();
  Task& new_task(pid_t tid);

  RecordOptions opt_;  // a copy: -p thread ids are replaced by their process
  // The output file exists only once tracing has started: created after
  // every -p attached, or (launched command) at the first event, which
  // comes after the child's own set-up (seccomp) succeeded. Until then
  // events wait in pending_ (attach) and a failure leaves no file.
  Header header_;
  std::string output_;
  std::unique_ptr<tracefile::TraceWriter> out_;
  std::vector<Event> pending_;
  bool setting_up_ = false;     // attaching: hold events in pending_
  bool discard_ = false;        // failing: write nothing more
  ScopedFd setup_err_;          // read end: the launched child's set-up error
  std::unordered_map<pid_t, Task> tasks_;
  std::vector<bool> selected_;
  const std::vector<const Decoder*>* decoders_ = nullptr;
  bool seccomp_ = false;        // the launched command runs under our filter
  bool syscall_info_ = true;    // PTRACE_GET_SYSCALL_INFO works
  unsigned options_ = 0;
  pid_t root_ = 0;              // the launched command
  bool prelude_ = false;        // root has not exec'd the command yet
  int exit_status_ = 0;
  std::size_t events_ = 0;
  std::int64_t last_flush_ = 0;
  bool dirty_ = false;
  Event scratch_;               // reused for process and signal events
  PermCache perm_cache_;
  std::size_t parked_ = 0;      // tasks waiting for their parent's fork event
  bool forwarded_ = false;      // a stop signal was passed to the command
};

Task& Recorder::new_task(pid_t tid) {
  Task& t = tasks_[tid];
  t.tid = tid;
  if (!t.tgid) t.tgid = tid;
  return t;
}

void Recorder::emit(const Event& e) {
  if (discard_) return;
  if (!out_) {
    if (setting_up_) {
      pending_.push_back(e);
      ++events_;
      return;
    }
    open_output();
  }
  out_->write(e);
  ++events_;
  dirty_ = true;
}

void Recorder::open_output() {
  tracefile::TraceWriter::Options wo;
  wo.force = opt_.force;
  out_ = std::make_unique<tracefile::TraceWriter>(output_, header_, wo);
  for (const Event& e : pending_) out_->write(e);
  pending_.clear();
  // At once, not within 100 ms: whoever waits for the recorder to be in
  // place watches the file for the "attached" events.
  out_->flush();
  last_flush_ = now_ns(CLOCK_MONOTONIC_COARSE);
  dirty_ = false;
}

namespace {

// Makes a reused event (a task's call being built, the scratch event) a
// fresh one of `type` by task t, starting now, keeping its buffers.
Event& reset_event(Event& e, const Task& t, EventType type, std::string_view name) {
  e.type = type;
  e.tid = t.tid;
  e.pid = t.tgid;
  e.ts_ns = now_ns(CLOCK_REALTIME);
  e.dur_ns = -1;
  e.name = name;
  e.args.clear();
  e.result = Result{};
  e.proc = ProcInfo{};
  e.perm.reset();
  return e;
}

}  // namespace

void Recorder::emit_process(const Task& t, const char* name, ProcInfo info) {
  Event& e = reset_event(scratch_, t, EventType::Process, name);
  e.proc = info;
  emit(e);
}

void Recorder::maybe_flush() {
  if (!dirty_) return;
  std::int64_t now = now_ns(CLOCK_MONOTONIC_COARSE);
  if (now - last_flush_ < kFlushIntervalNs) return;
  out_->flush();
  perm_cache_.clear_components();
  last_flush_ = now;
  dirty_ = false;
}

void Recorder::resume(Task& t, int sig) {
  // Without a filter every call stops at entry and exit (PTRACE_SYSCALL).
  // Under the filter, the seccomp stop is the entry: PTRACE_SYSCALL only to
  // catch the exit of a call in progress, PTRACE_CONT otherwise.
  int req = (!seccomp_ || t.in_syscall) ? PTRACE_SYSCALL : PTRACE_CONT;
  // ESRCH: the task died meanwhile (SIGKILL); its death is reported by
  // waitpid and handled there.
  ptrace(static_cast<__ptrace_request>(req), t.tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
}

bool Recorder::fetch(Task& t, bool seccomp_stop, StopInfo& si) {
  if (syscall_info_) {
    __ptrace_syscall_info info{};
    long n = ptrace(PTRACE_GET_SYSCALL_INFO, t.tid, reinterpret_cast<void*>(sizeof info), &info);
    if (n > 0) {
      si.other_abi = info.arch != AUDIT_ARCH_X86_64;
      if (info.op == PTRACE_SYSCALL_INFO_ENTRY || info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
        si.op = StopInfo::Entry;
        const auto& src = info.op == PTRACE_SYSCALL_INFO_ENTRY ? info.entry.args : info.seccomp.args;
        si.nr = static_cast<int>(info.op == PTRACE_SYSCALL_INFO_ENTRY ? info.entry.nr : info.seccomp.nr);
        std::memcpy(si.args, src, sizeof si.args);
      } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
        si.op = StopInfo::Exit;
        si.rval = info.exit.rval;
        si.is_error = info.exit.is_error;
      }
      return true;
    }
    if (errno == ESRCH) return false;
    // EIO/EINVAL: a kernel before 5.3. Registers from now on.
    syscall_info_ = false;
  }
  user_regs_struct r{};
  if (ptrace(PTRACE_GETREGS, t.tid, nullptr, &r) != 0) return false;
  // x86_64 sets rax to -ENOSYS on entry; that tells entry from exit when
  // the recorder did not see the entry (attached mid-call).
  bool entry = seccomp_stop || (!t.in_syscall && static_cast<std::int64_t>(r.rax) == -ENOSYS);
  si.other_abi = (r.cs == 0x23);  // the i386 code segment selector
  if (entry) {
    si.op = StopInfo::Entry;
    si.nr = static_cast<int>(r.orig_rax);
    std::uint64_t a[6] = {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
    std::memcpy(si.args, a, sizeof a);
  } else {
    si.op = StopInfo::Exit;
    si.rval = static_cast<std::int64_t>(r.rax);
    si.is_error = si.rval < 0 && si.rval >= -4095;
  }
  return true;
}

void Recorder::begin_call(Task& t, const StopInfo& si) {
  if (t.in_syscall) close_pending(t, ResultState::Unfinished);
  t.in_syscall = true;
  t.nr = si.other_abi ? -1 : si.nr;
  std::memcpy(t.args, si.args, sizeof t.args);
  t.decode = false;
  if (prelude_ && t.tid == root_ && si.nr != SYS_execve) return;  // our own set-up calls
  bool known = !si.other_abi && si.nr >= 0 && si.nr < static_cast<int>(selected_.size());
  if (known && !selected_[si.nr]) return;
  t.decode = true;
  Event& e = reset_event(t.ev, t, EventType::Syscall, {});
  DecodeCtx c{t, opt_.data_size, opt_.redact};
  if (!known) {
    e.name = fmt::format("{}syscall_{}", si.other_abi ? "i386:" : "", si.nr);
    for (int i = 0; i < 6; ++i) c.add(c.hex_arg(i));
    return;
  }
  // Interned once per number, not at every call entry (a lock and a hash).
  static const std::vector<InternedString> names = [] {
    std::vector<InternedString> v(static_cast<std::size_t>(syscall_count()));
    for (int nr = 0; nr < syscall_count(); ++nr) {
      std::string_view n = syscall_name(nr);
      v[static_cast<std::size_t>(nr)] = n.empty() ? InternedString(fmt::format("syscall_{}", nr)) : InternedString(n);
    }
    return v;
  }();
  e.name = names[static_cast<std::size_t>(si.nr)];
  const Decoder* d = (*decoders_)[si.nr];
  if (d) {
    if (d->entry) d->entry(c);
  } else {
    int n = raw_arg_count(si.nr);
    for (int i = 0; i < n; ++i) c.add(c.hex_arg(i));
  }
}

// Decodes the outputs of the call; true when t.ev is complete and must be
// written (the caller writes it after resuming the task).
bool Recorder::end_call(Task& t, const StopInfo& si) {
  t.in_syscall = false;
  if (!t.decode) return false;
  t.decode = false;
  Event& e = t.ev;
  Result& r = e.result;
  r.state = ResultState::Returned;
  if (si.is_error) {
    r.value = -1;
    r.errnum = static_cast<int>(-si.rval);
    r.err = errno_name(r.errnum);
  } else {
    r.value = si.rval;
  }
  e.dur_ns = now_ns(CLOCK_REALTIME) - e.ts_ns;
  if (t.nr >= 0 && t.nr < static_cast<int>(decoders_->size())) {
    if (const Decoder* d = (*decoders_)[t.nr]; d && d->exit) {
      DecodeCtx c{t, opt_.data_size, opt_.redact, si.rval, si.is_error};
      d->exit(c);
    }
  }
  if (!si.is_error && changes_file_system(t.nr, t.args)) perm_cache_.clear();
  if (si.is_error && wants_perm_snapshot(r.errnum)) {
    for (const Arg& a : e.args) {
      if (a.kind == ArgKind::Path && !a.abs.empty()) {
        if (!t.creds) t.creds = std::make_shared<Creds>();
        e.perm = snapshot_permissions(t.tid, a.abs, *t.creds, &perm_cache_);
        break;
      }
    }
  }
  return true;
}

void Recorder::close_pending(Task& t, ResultState state) {
  if (t.in_syscall && t.decode) {
    t.ev.result = Result{};
    t.ev.result.state = state;
    emit(t.ev);
  }
  t.in_syscall = false;
  t.decode = false;
}

void Recorder::on_syscall_stop(Task& t, bool seccomp_stop) {
  StopInfo si;
  if (!fetch(t, seccomp_stop, si)) return;  // vanished: waitpid reports its death
  bool complete = false;
  if (si.op == StopInfo::Entry) begin_call(t, si);
  else if (si.op == StopInfo::Exit && t.in_syscall) complete = end_call(t, si);
  // An exit without an entry (attached mid-call, or the launch handshake)
  // has nothing to pair with and is dropped.
  resume(t, 0);
  // Everything read from the tracee is in t.ev: encode and write it while
  // the tracee runs on (t.ev is not touched again before its next stop,
  // which this loop handles only after returning).
  if (complete) emit(t.ev);
}

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
    std::string msg;
    char buf[512];
    ssize_t n;
    while ((n = ::read(setup_err_.get(), buf, sizeof buf)) != 0) {
      if (n < 0) {
        if (errno == EINTR) continue;
        break;
      }
      msg.append(buf, static_cast<std::size_t>(n));
    }
    if (!msg.empty()) {
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
    resume(t, 0);
  }
}

void Recorder::dispatch(pid_t tid, WaitStatus ws) {
  if (ws.ended()) {
    on_death(tid, ws);
    return;
  }
  if (!ws.stopped()) return;
  auto it = tasks_.find(tid);
  if (it == tasks_.end()) {
    // A new child whose first stop came before its parent's fork event:
    // hold it until the parent tells who it is, so its spawn event comes
    // first and it inherits the right fd table and cwd.
    Task& t = new_task(tid);
    t.parked = true;
    ++parked_;
    return;
  }
  Task& t = it->second;
  if (!t.started) {
    t.started = true;
    if (ws.ptrace_event() == PTRACE_EVENT_STOP) {
      resume(t, 0);
      return;
    }
  }
  int sig = ws.stop_signal();
  switch (ws.kind()) {
    case WaitStatus::SyscallStop:
      on_syscall_stop(t, false);
      return;
    case WaitStatus::GroupStop:
      // Group stop: stay stopped (Ctrl-Z, SIGSTOP) but keep reporting, so a
      // SIGCONT resumes the program as it would untraced.
      if (!(prelude_ && tid == root_)) {
        Event& e = reset_event(scratch_, t, EventType::Signal, signal_name(sig));
        e.proc.signal = sig;
        e.proc.stopped = true;
        emit(e);
      }
      t.group_stopped = true;
      ptrace(PTRACE_LISTEN, tid, nullptr, nullptr);
      return;
    case WaitStatus::PtraceEvent:
      if (ws.ptrace_event() == PTRACE_EVENT_STOP) {
        // An interrupt, or the end of a group stop (SIGCONT).
        t.group_stopped = false;
        resume(t, 0);
      } else {
        on_event(t, ws.ptrace_event());
      }
      return;
    case WaitStatus::SeccompStop:
      on_event(t, PTRACE_EVENT_SECCOMP);
      return;
    case WaitStatus::SignalStop:
      // Record it and pass it on.
      if (!(prelude_ && tid == root_)) {
        Event& e = reset_event(scratch_, t, EventType::Signal, signal_name(sig));
        // Who sent it and why (kill from pid N, a child's exit, a fault's
        // address): one ptrace call, only when a signal arrives.
        siginfo_t si;
        if (ptrace(PTRACE_GETSIGINFO, tid, nullptr, &si) == 0) e.args = siginfo_args(si);
        e.proc.signal = sig;
        emit(e);
      }
      resume(t, sig);
      return;
    case WaitStatus::Exited:
    case WaitStatus::Killed:
    case WaitStatus::Continued:
      return;  // handled above
  }
}

void Recorder::detach_all() {
  // Every task is running or listening: interrupt each, then detach at its
  // next stop, passing on a signal it was about to receive. A task that is
  // parked is already stopped and is detached at once.
  std::set<pid_t> waiting;
  for (auto& [tid, t] : tasks_) {
    if (t.parked) {
      ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
      continue;
    }
    if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) == 0) waiting.insert(tid);
  }
  while (!waiting.empty()) {
    int status;
    pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    WaitStatus ws(status);
    if (ws.ended()) {
      on_death(tid, ws);
      waiting.erase(tid);
      continue;
    }
    // A signal it was about to receive is passed on with the detach.
    int sig = ws.kind() == WaitStatus::SignalStop ? ws.stop_signal() : 0;
    auto it = tasks_.find(tid);
    if (it != tasks_.end()) {
      close_pending(it->second, ResultState::Detached);
      emit_process(it->second, kProcDetached, ProcInfo{});
      tasks_.erase(it);
    }
    ptrace(PTRACE_DETACH, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
    waiting.erase(tid);
  }
  tasks_.clear();
}

void Recorder::loop() {
  while (!tasks_.empty()) {
    if (int sig = SignalGuard::take_stop_signal()) {
      // The launched command may have ended already, leaving children
      // (a daemon it started): its pid is free for reuse then, and is not
      // signalled. Its exit status stays what record exits with.
      bool root_alive = root_ && tasks_.count(root_);
      auto forward = [sig](pid_t p) {
        kill(p, SIGCONT);
        kill(p, sig);
      };
      if (root_ && seccomp_) {
        // Our filter cannot be removed: a detached task would get ENOSYS
        // for every filtered call. So the command gets the signal (what is
        // left of it, if it has ended) and we keep recording until it ends
        // (its death is in the trace); a second signal kills what is left.
        if (!forwarded_) {
          forwarded_ = true;
          if (root_alive)
            forward(root_);
          else
            for (auto& [tid, t] : tasks_)
              if (t.tgid == tid) forward(tid);
        } else {
          for (auto& [tid, t] : tasks_) kill(tid, SIGKILL);
        }
        continue;
      }
      if (root_alive) {
        // As strace: the launched command gets the signal, we let go.
        forward(root_);
        exit_status_ = 128 + sig;
      }
      detach_all();
      break;
    }
    maybe_flush();
    int status;
    pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      throw fmt::system_error(errno, "waitpid");
    }
    dispatch(tid, WaitStatus(status));
  }
}

void Recorder::launch(const std::string& exe) {
  std::vector<char*> argv;
  for (const std::string& a : opt_.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<sock_filter> filter;
  sock_fprog prog{};
  if (seccomp_) {
    filter = build_seccomp_filter(selected_);
    prog.len = static_cast<unsigned short>(filter.size());
    prog.filter = filter.data();
  }
  // Without CAP_SYS_ADMIN the kernel only accepts a filter after
  // no_new_privs, which also disables set-uid programs: only then.
  bool need_nnp = seccomp_ && !has_capability(CAP_SYS_ADMIN);
  // The child's own set-up failing (before its exec) is the recorder's
  // failure: the child says why through this pipe (closed by a successful
  // exec) and the recorder reports it without leaving a trace. An exec that
  // fails is the command's failure and is recorded.
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) throw fmt::system_error(errno, "pipe");
  ScopedFd err_read(ends[0]), err_write(ends[1]);
  const std::string nnp_msg = "record: cannot set no_new_privs for the seccomp filter: ";
  const std::string filter_msg = "record: cannot install the seccomp filter (use --all): ";

  pid_t pid = fork();
  if (pid < 0) throw fmt::system_error(errno, "fork");
  if (pid == 0) {
    err_read.reset();
    auto setup_failed = [&](const std::string& what) {
      std::string msg = what + std::strerror(errno);
      (void)!write(err_write.get(), msg.data(), msg.size());
      _exit(126);
    };
    // Stop until the recorder has seized us, then install the filter (its
    // traced calls would fail with ENOSYS if made before), then exec.
    raise(SIGSTOP);
    // tracediff ignores SIGPIPE for itself; an ignored signal survives exec,
    // and the command must start with the dispositions it would have had.
    signal(SIGPIPE, SIG_DFL);
    if (seccomp_) {
      if (need_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) setup_failed(nnp_msg);
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) setup_failed(filter_msg);
    }
    execve(exe.c_str(), argv.data(), environ);
    int err = errno;
    std::string msg = fmt::format("tracediff: record: {}: {}\n", exe, std::strerror(err));
    (void)!write(2, msg.data(), msg.size());
    _exit(err == ENOENT ? 127 : 126);
  }
  err_write.reset();
  setup_err_ = std::move(err_read);
  int status;
  while (waitpid(pid, &status, WSTOPPED) < 0) {
    if (errno != EINTR) throw fmt::system_error(errno, "waitpid({})", pid);
  }
  if (!WaitStatus(status).stopped()) throw InputError(fmt::format("record: {} ended before it could be traced", exe));
  if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(options_ | PTRACE_O_EXITKILL))) != 0) {
    int err = errno;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    throw fmt::system_error(err, "ptrace(SEIZE, {})", pid);
  }
  root_ = pid;
  prelude_ = true;
  Task& t = new_task(pid);
  t.fds = std::make_shared<FdTable>();
  t.fs = std::make_shared<FsState>();
  t.fs->cwd = proc_cwd(pid);
  t.creds = std::make_shared<Creds>();
  kill(pid, SIGCONT);
}

// One line for a failed PTRACE_SEIZE of -p PID (thread TID), with the
// reason when it is one of the usual ones (see attach_denied_hint).
std::string attach_error(pid_t pid, pid_t tid, int err) {
  std::string msg = tid == pid ? fmt::format("record: -p {}: cannot attach", pid)
                               : fmt::format("record: -p {}: cannot attach to its thread {}", pid, tid);
  msg += fmt::format(" (ptrace): {}", std::strerror(err));
  if (err != EPERM) return msg;
  AttachDenial d;
  if (std::optional<ProcStatus> st = read_proc_status(tid)) {
    d.tracer = st->tracer;
    for (int i = 0; i < std::min(st->uid_count, 3); ++i) d.target_uids.push_back(st->uid[i]);
  }
  if (d.tracer > 0) {
    std::ifstream c(fmt::format("/proc/{}/comm", d.tracer));
    std::getline(c, d.tracer_comm);
  }
  d.our_uid = geteuid();
  d.cap_sys_ptrace = has_capability(CAP_SYS_PTRACE);
  std::ifstream yama("/proc/sys/kernel/yama/ptrace_scope");
  if (!(yama >> d.yama_scope)) d.yama_scope = -1;
  return msg + attach_denied_hint(d);
}

void Recorder::attach(pid_t pid) {
  auto fds = std::make_shared<FdTable>();
  auto fs = std::make_shared<FsState>();
  fs->cwd = proc_cwd(pid);
  auto creds = std::make_shared<Creds>();
  // Threads may be created while we attach: repeat until a pass finds no
  // new one.
  std::set<pid_t> seen;
  std::size_t attached = 0;
  for (bool more = true; more;) {
    more = false;
    std::error_code ec;
    std::filesystem::directory_iterator dir(fmt::format("/proc/{}/task", pid), ec);
    if (ec) {
      if (seen.empty()) throw InputError(fmt::format("record: -p {}: no such process", pid));
      break;
    }
    for (const auto& entry : dir) {
      pid_t tid = std::atoi(entry.path().filename().c_str());
      if (!tid || seen.count(tid)) continue;
      seen.insert(tid);
      more = true;
      if (tasks_.count(tid)) {  // -p given twice, or for a thread and its process
        ++attached;
        continue;
      }
      if (ptrace(PTRACE_SEIZE, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(options_))) != 0) {
        if (errno == ESRCH) continue;  // a thread that just ended
        // The caller detaches what is already attached (all or nothing).
        throw InputError(attach_error(pid, tid, errno));
      }
      ++attached;
      ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
      Task& t = new_task(tid);
      t.tgid = pid;
      t.fds = fds;
      t.fs = fs;
      t.creds = creds;
      t.attached = true;
      emit_process(t, kProcAttached, ProcInfo{});
    }
  }
  // It ended between the check in run() and now.
  if (attached == 0) throw InputError(fmt::format("record: -p {}: no such process", pid));
}

RecordOutcome Recorder::run() {
  if (opt_.command.empty() == opt_.attach.empty())
    throw InputError("record: give either a command (after --) or -p PID, not both or neither");
  selected_ = select_syscalls(opt_.trace_set, opt_.all);
  // Check what can be checked before the output file exists, so that a
  // typo leaves nothing behind.
  std::string exe = opt_.command.empty() ? std::string() : resolve_command(opt_.command[0]);
  // A thread id (from top -H, ps -L or /proc/PID/task) stands for its
  // process: the recorder attaches whole processes, and events name the
  // process by its real pid.
  std::vector<pid_t> pids;
  for (pid_t p : opt_.attach) {
    if (p <= 0 || !std::filesystem::exists(fmt::format("/proc/{}/task", p)))
      throw InputError(fmt::format("record: -p {}: no such process", p));
    pid_t tgid = thread_group_of(p);
    if (tgid != p) fmt::print(stderr, "tracediff: record: -p {} is a thread of process {}: recording the whole process\n", p, tgid);
    if (std::find(pids.begin(), pids.end(), tgid) == pids.end()) pids.push_back(tgid);
  }
  opt_.attach = pids;
  decoders_ = &decoder_table();
  // The filter needs every child traced: an untraced task would get ENOSYS
  // for the filtered calls. So only for a launched, followed command.
  seccomp_ = !opt_.all && !opt_.command.empty() && opt_.follow;
  options_ = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;
  if (opt_.follow) options_ |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE;
  if (seccomp_) options_ |= PTRACE_O_TRACESECCOMP;
  syscall_info_ = getenv("TRACEDIFF_NO_SYSCALL_INFO") == nullptr;

  Header& h = header_;
  h.source = "ptrace";
  h.created = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
  h.command = opt_.command;
  h.attached = opt_.attach;
  h.time_base = "epoch";
  h.host = snapshot_host();
  if (!opt_.attach.empty()) h.host.env = proc_environ(opt_.attach[0]);
  if (opt_.redact && h.host.env) redact_env(*h.host.env);
  h.options["data_size"] = fmt::format("{}", opt_.data_size);
  h.options["follow"] = opt_.follow ? "true" : "false";
  h.options["redact"] = opt_.redact ? "true" : "false";
  h.options["filter"] = seccomp_ ? "seccomp-bpf" : "none";
  std::string set;
  for (const std::string& s : opt_.trace_set) set += (set.empty() ? "" : ",") + s;
  h.options["trace"] = opt_.all ? "all" : set.empty() ? "default" : set;
  if (!opt_.all && set.empty()) {
    // Say what the default set leaves out, so a reader knows an absent
    // mmap means "not recorded", not "not made".
    std::string out;
    for (const std::string& n : default_excluded_syscalls()) out += (out.empty() ? "" : ",") + n;
    h.options["not_traced"] = out;
  }
  h.options["syscall_info"] = syscall_info_ ? "PTRACE_GET_SYSCALL_INFO" : "registers";

  std::string& output = output_;
  output = opt_.output;
  if (output.empty()) {
    std::string base = !opt_.command.empty()
                           ? std::filesystem::path(opt_.command[0]).filename().string()
                           : fmt::format("pid{}", opt_.attach[0]);
    output = fmt::format("{}-{}.trace", base, h.host.hostname.value_or("host"));
  }
  // Refuse an output that cannot be written before touching any process;
  // the file itself is created only once tracing has started (see out_),
  // so that a failed attach or launch neither leaves a header-only file
  // nor, with --force, truncates the one that was there.
  tracefile::TraceWriter::Options wo;
  wo.force = opt_.force;
  tracefile::check_can_create(output, wo);

  // SIGINT/SIGTERM end the recording cleanly; SIGALRM every 100 ms wakes
  // waitpid so buffered events reach the file while the tracees are idle.
  std::optional<SignalGuard> guard(std::in_place);
  try {
    if (!opt_.command.empty()) {
      // The file is created at the first event (the command's exec).
      launch(exe);
    } else {
      // All or nothing: if one -p cannot be attached, those already
      // attached are detached below and no file is created.
      setting_up_ = true;
      for (pid_t p : opt_.attach) attach(p);
      setting_up_ = false;
      open_output();
    }
    guard->start_ticking();
    loop();
    if (!out_) open_output();
  } catch (...) {
    // Nothing more reaches the file (if there is one): the error is what
    // the user needs to see, and writing may be what failed.
    discard_ = true;
    setting_up_ = false;
    pending_.clear();
    if (root_) {
      for (auto& [tid, t] : tasks_) kill(tid, SIGKILL);
    } else {
      // Attached processes are let go, running (or stopped, if they were
      // stopped before), and so are their children the recorder followed.
      detach_all();
    }
    guard.reset();
    if (out_) {
      try {
        out_->close();
      } catch (...) {
      }
    }
    throw;
  }
  guard.reset();
  out_->close();
  RecordOutcome res;
  res.output = output;
  res.exit_status = exit_status_;
  res.events = events_;
  return res;
}

}  // namespace
}  // namespace detail

RecordOutcome run(const RecordOptions& opt) {
  detail::Recorder r(opt);
  return r.run();
}

}  // namespace tracediff::record
