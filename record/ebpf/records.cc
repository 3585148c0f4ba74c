// What each record becomes (record/ebpf/session.h lists them).
#include <signal.h>
#include <sys/syscall.h>

#include <algorithm>

#include <fmt/format.h>

#include "record/ebpf/session.h"
#include "record/syscalls.h"

namespace tracediff::record::detail::ebpf {
namespace {

ProcInfo end_of(std::uint32_t exit_code) {
  ProcInfo info;
  if ((exit_code & 0x7f) == 0) {
    info.code = static_cast<int>((exit_code >> 8) & 0xff);
  } else {
    info.signal = static_cast<int>(exit_code & 0x7f);
    info.core = exit_code & 0x80;
  }
  return info;
}

}  // namespace

void EbpfRecorder::on_record(const char* p, std::size_t n) {
  td_hdr h;
  if (!fixed_part(p, n, h)) return;
  switch (h.type) {
    case TD_REC_SYSCALL: on_syscall(p, n); break;
    case TD_REC_SPAWN: {
      td_spawn s;
      if (fixed_part(p, n, s)) on_spawn(s);
      break;
    }
    case TD_REC_EXEC: on_exec(p, n); break;
    case TD_REC_EXIT: {
      td_exit x;
      if (fixed_part(p, n, x)) on_exit(x);
      break;
    }
    case TD_REC_SIGNAL: {
      td_signal s;
      if (fixed_part(p, n, s)) on_signal(s);
      break;
    }
    default: break;
  }
}

void EbpfRecorder::on_syscall(const char* p, std::size_t n) {
  td_syscall s;
  if (!fixed_part(p, n, s)) return;
  pid_t tid = static_cast<pid_t>(s.h.tid), tgid = static_cast<pid_t>(s.h.tgid);
  // The launched child's own set-up before its exec is not the command's.
  if (prelude_ && tid == root_ && s.nr != SYS_execve) return;
  if (s.nr >= 0 && s.nr < static_cast<int>(selected_.size()) && !selected_[s.nr]) return;
  Task& t = task(tid, tgid);
  CapturedMemory mem;
  mem.parse(p + sizeof s, std::min<std::size_t>(n, s.h.size) - sizeof s, s.nblocks);
  std::uint64_t args[6];
  std::memcpy(args, s.args, sizeof args);
  Event& e = reset_event(t.ev, tid, t.tgid, EventType::Syscall, {}, wall(s.h.ts));
  bool exec_ok = s.state == TD_STATE_RETURNED && s.ret == 0 && (s.nr == SYS_execve || s.nr == SYS_execveat);
  auto saved = exec_ok ? exec_args_.find(tid) : exec_args_.end();
  if (saved != exec_args_.end()) {
    // Decoded at the exec tracepoint, from the new program's stack.
    t.nr = s.nr;
    std::memcpy(t.args, args, sizeof t.args);
    e.name = syscall_name(s.nr);
    e.args = std::move(saved->second.args);
    e.tid = saved->second.caller;
    exec_args_.erase(saved);
  } else {
    decode_entry(t, args, s.nr, mem);
  }
  if (s.state != TD_STATE_RETURNED) {
    // The task ended inside the call: written with its exit record.
    e.result.state = s.state == TD_STATE_UNKNOWN ? ResultState::Unknown : ResultState::Unfinished;
    account(mem);
    dying_call_[tid] = e;
    return;
  }
  set_result(e, t, s, mem);
  emit(e);
}

// The call returned: its result, what the exit decoder reads from the
// memory captured at the exit, and for a denied path call the permissions
// along the path.
void EbpfRecorder::set_result(Event& e, Task& t, const td_syscall& s, const CapturedMemory& mem) {
  std::uint64_t args[6];
  std::memcpy(args, s.args, sizeof args);
  bool is_error = s.ret < 0 && s.ret >= -4095;
  Result& r = e.result;
  r.state = ResultState::Returned;
  if (is_error) {
    r.value = -1;
    r.errnum = static_cast<int>(-s.ret);
    r.err = errno_name(r.errnum);
  } else {
    r.value = s.ret;
  }
  e.dur_ns = static_cast<std::int64_t>(s.ts_exit - s.h.ts);
  if (s.nr >= 0 && s.nr < static_cast<int>(decoders_->size())) {
    if (const Decoder* d = (*decoders_)[s.nr]; d && d->exit) {
      DecodeCtx c{t, data_size_, s.ret, is_error, &mem};
      d->exit(c);
    }
  }
  account(mem);
  if (!is_error && changes_file_system(s.nr, args)) perm_cache_.clear();
  if (is_error && wants_perm_snapshot(r.errnum)) snapshot_denied(e, s);
}

// A path call failed with a permission errno: each component of the path
// as the caller saw it, with the credentials the kernel had at the call.
void EbpfRecorder::snapshot_denied(Event& e, const td_syscall& s) {
  pid_t tid = static_cast<pid_t>(s.h.tid);
  for (const Arg& a : e.args) {
    if (a.kind != ArgKind::Path || a.abs.empty()) continue;
    // The caller's credentials as the kernel had them at the call; the
    // tree seen through the task's root while it lives, else through
    // ours (the same unless it changed namespace or root).
    Creds creds;
    creds.valid = true;
    creds.uid = s.euid;
    creds.gid = s.egid;
    for (std::uint32_t i = 0; i < std::min<std::uint32_t>(s.ngroups, TD_GROUPS_MAX); ++i) creds.groups.push_back(s.groups[i]);
    pid_t seen_by = view_of(tid, perm_cache_) ? tid : getpid();
    e.perm = snapshot_permissions(seen_by, a.abs, creds, &perm_cache_);
    break;
  }
}

void EbpfRecorder::on_spawn(const td_spawn& s) {
  pid_t ptid = static_cast<pid_t>(s.h.tid);
  Task& parent = task(ptid, static_cast<pid_t>(s.h.tgid));
  pid_t child = static_cast<pid_t>(s.child_tid);
  bool thread = s.flags & TD_SPAWN_THREAD;
  // Copied before the child's Task exists: inserting may rehash tasks_.
  auto fds = (s.flags & TD_SPAWN_FILES) ? parent.fds : std::make_shared<FdTable>(*parent.fds);
  auto fs = (s.flags & TD_SPAWN_FS) ? parent.fs : std::make_shared<FsState>(*parent.fs);
  auto creds = thread ? parent.creds : std::make_shared<Creds>(parent.creds ? *parent.creds : Creds{});
  pid_t parent_tgid = parent.tgid;
  if (!(s.flags & TD_SPAWN_NEWNS))
    if (const std::string* v = view_of(ptid, perm_cache_)) perm_cache_.views[child] = *v;
  Task& c = tasks_[child];
  c = Task{};
  c.tid = child;
  c.tgid = static_cast<pid_t>(s.child_tgid);
  c.fds = std::move(fds);
  c.fs = std::move(fs);
  c.creds = std::move(creds);
  ProcInfo info;
  info.child = child;
  info.thread = thread;
  emit_process(ptid, parent_tgid, kProcSpawn, info, wall(s.h.ts));
}

void EbpfRecorder::emit_end(pid_t tid, pid_t tgid, std::uint32_t code, std::int64_t ts, std::optional<Event> call) {
  if (call) emit(*call);
  emit_process(tid, tgid, (code & 0x7f) == 0 ? kProcExit : kProcKilled, end_of(code), ts);
}

void EbpfRecorder::on_exit(const td_exit& x) {
  pid_t tid = static_cast<pid_t>(x.h.tid), tgid = static_cast<pid_t>(x.h.tgid);
  std::optional<Event> call;
  if (auto it = dying_call_.find(tid); it != dying_call_.end()) {
    call = std::move(it->second);
    dying_call_.erase(it);
  }
  std::int64_t ts = wall(x.h.ts);
  if (!x.group_dead && tid == tgid) {
    // The leader ends before its threads (or is replaced by one that exec'd).
    DeferredEnd d;
    d.exit_code = x.exit_code;
    d.ts = ts;
    d.call = std::move(call);
    deferred_[tid] = std::move(d);
    exec_args_.erase(tid);
    return;
  }
  emit_end(tid, tgid, x.exit_code, ts, std::move(call));
  tasks_.erase(tid);
  exec_args_.erase(tid);
  perm_cache_.forget(tid);
  if (x.group_dead) {
    if (auto d = deferred_.find(tgid); d != deferred_.end()) {
      emit_end(tgid, tgid, x.exit_code, ts, std::move(d->second.call));
      deferred_.erase(d);
      tasks_.erase(tgid);
      perm_cache_.forget(tgid);
    }
  }
}

void EbpfRecorder::on_signal(const td_signal& s) {
  pid_t tid = static_cast<pid_t>(s.h.tid);
  if (prelude_ && tid == root_) return;
  Task& t = task(tid, static_cast<pid_t>(s.h.tgid));
  Event& e = reset_event(scratch_, tid, t.tgid, EventType::Signal, signal_name(s.sig), wall(s.h.ts));
  siginfo_t si{};
  std::memcpy(&si, s.info, sizeof s.info);
  e.args = siginfo_args(si);
  e.proc.signal = s.sig;
  emit(e);
  if (s.sflags & TD_SIG_STOP) {
    Event& st = reset_event(scratch_, tid, t.tgid, EventType::Signal, signal_name(s.sig), wall(s.h.ts));
    st.proc.signal = s.sig;
    st.proc.stopped = true;
    emit(st);
  }
}

void EbpfRecorder::decode_entry(Task& t, const std::uint64_t args[6], int nr, const MemorySource& mem) {
  t.nr = nr;
  std::memcpy(t.args, args, sizeof t.args);
  DecodeCtx c{t, data_size_, 0, false, &mem};
  bool known = nr >= 0 && nr < static_cast<int>(decoders_->size());
  if (!known) {
    t.ev.name = fmt::format("syscall_{}", nr);
    for (int i = 0; i < 6; ++i) c.add(c.hex_arg(i));
    return;
  }
  t.ev.name = syscall_event_name(nr);
  if (const Decoder* d = (*decoders_)[nr]) {
    if (d->entry) d->entry(c);
  } else {
    int n = raw_arg_count(nr);
    for (int i = 0; i < n; ++i) c.add(c.hex_arg(i));
  }
}

void EbpfRecorder::account(const CapturedMemory& mem) {
  unreadable_ += mem.faults();
  not_captured_ += mem.misses();
  truncated_ += mem.truncated();
}

}  // namespace tracediff::record::detail::ebpf
