// The eBPF recorder's user side: launch or attach, read the kernel
// program's records from the ring buffer, rebuild each call's event with
// the shared decoders (record/decode_*.cc) from the memory the program
// captured, replay fd tables and cwds as the ptrace recorder tracks them,
// and stream the events to the TraceWriter. See recorder.h for the contract.
//
// Records and what they become:
//   TD_REC_SPAWN    -> spawn event (the child's fd table and cwd shared or
//                      copied as the kernel says: CLONE_FILES, CLONE_FS)
//   TD_REC_EXEC     -> exec event; the execve's arguments, read from the new
//                      program's stack, wait for the call's own record
//   TD_REC_SYSCALL  -> syscall event (or, at a task's end, its unfinished call)
//   TD_REC_EXIT     -> exit / killed event
//   TD_REC_SIGNAL   -> signal event (and "stopped" for a group stop)
#include "record/ebpf/recorder.h"

#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <unordered_map>

#include "record/decode.h"
#include "record/ebpf/captured_memory.h"
#include "record/ebpf/loader.h"
#include "record/ebpf/wire.h"
#include "record/internal.h"
#include "record/syscalls.h"
#include "tracefile/tracefile.h"

extern char** environ;

namespace tracediff::record {
namespace detail::ebpf {
namespace {

volatile sig_atomic_t g_stop_signal = 0;
void on_stop_signal(int sig) { g_stop_signal = sig; }

// As the ptrace recorder: buffered events reach the file at least this often.
constexpr std::int64_t kFlushIntervalNs = 100'000'000;
// How often tasks whose exit record was lost are looked for in /proc.
constexpr std::int64_t kPruneIntervalNs = 1'000'000'000;
// Where argv/envp strings are placed when their real addresses would
// overlap the pointer arrays rebuilt for the decoder: a kernel address,
// never a user one, so it cannot collide with anything captured.
constexpr std::uint64_t kSynthBase = 0xffff'f000'0000'0000ULL;

// The header value of the loss counters until the recording ends cleanly
// and they are known: a recorder killed before leaves it so.
constexpr const char* kUnknownLosses = "unknown (the recording did not end cleanly)";

std::int64_t now_ns(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string read_link(const std::string& p) {
  char buf[4096];
  ssize_t n = readlink(p.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::string resolve_command(const std::string& cmd) {
  if (cmd.find('/') != std::string::npos) return cmd;
  const char* path = getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string cand = (dir.empty() ? std::string(".") : dir) + "/" + cmd;
    if (access(cand.c_str(), X_OK) == 0 && !std::filesystem::is_directory(cand)) return cand;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  throw InputError(fmt::format("record: {}: command not found", cmd));
}

// The fd table of a live process, read whole from /proc (the ptrace
// recorder reads entries lazily while the task is stopped; here the task
// runs on and may be gone by the time its records are decoded).
std::shared_ptr<FdTable> snapshot_fds(pid_t pid) {
  auto t = std::make_shared<FdTable>();
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", pid), ec)) {
    int fd = std::atoi(e.path().filename().c_str());
    std::string ref = read_link(e.path().string());
    if (ref.empty()) continue;
    bool cloexec = false;
    std::ifstream info(fmt::format("/proc/{}/fdinfo/{}", pid, fd));
    std::string line;
    while (std::getline(info, line))
      if (line.rfind("flags:", 0) == 0) cloexec = std::strtoul(line.c_str() + 6, nullptr, 8) & O_CLOEXEC;
    t->set(fd, std::move(ref), cloexec);
  }
  return t;
}

Event& reset_event(Event& e, pid_t tid, pid_t tgid, EventType type, std::string_view name, std::int64_t ts) {
  e.type = type;
  e.tid = tid;
  e.pid = tgid;
  e.ts_ns = ts;
  e.dur_ns = -1;
  e.name = name;
  e.args.clear();
  e.result = Result{};
  e.proc = ProcInfo{};
  e.perm.reset();
  return e;
}

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

// A record's fixed part, copied out (the ring buffer gives no alignment
// promise beyond 8 bytes, and a short record must not be read past).
template <typename T>
bool fixed_part(const char* p, std::size_t n, T& out) {
  if (n < sizeof(T)) return false;
  std::memcpy(&out, p, sizeof(T));
  return true;
}

// Replaces the header of a finished trace file (the loss counters are
// known only at the end). A plain file is copied after its first line; a
// compressed one is read and written again. Only regular files: "-" and
// pipes keep the header they were given.
void rewrite_header(const std::string& path, const Header& h) {
  struct stat st;
  if (path == "-" || stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  std::filesystem::path p(path);
  bool zst = path.size() > 4 && path.compare(path.size() - 4, 4, ".zst") == 0;
  std::string tmp = (p.parent_path() / fmt::format(".{}.{}.tmp{}", p.filename().string(), getpid(), zst ? ".zst" : "")).string();
  tracefile::TraceWriter::Options wo;
  wo.force = true;
  try {
    if (zst) {
      tracefile::TraceWriter w(tmp, h, wo);
      std::vector<Warning> warnings;
      tracefile::read_trace_events(path, [](Header&) {}, [&](Event&& e) { w.write(e); }, warnings);
      w.close();
    } else {
      {
        tracefile::TraceWriter w(tmp, h, wo);
        w.close();
      }
      int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (in < 0) throw fmt::system_error(errno, "{}", path);
      // Not O_APPEND: copy_file_range refuses it.
      int out = ::open(tmp.c_str(), O_WRONLY | O_CLOEXEC);
      if (out < 0) {
        int err = errno;
        ::close(in);
        throw fmt::system_error(err, "{}", tmp);
      }
      // Skip the old header line, then copy the rest in the kernel.
      char c;
      ssize_t r;
      while ((r = ::read(in, &c, 1)) == 1 && c != '\n') {
      }
      off_t from = lseek(in, 0, SEEK_CUR);
      lseek(out, 0, SEEK_END);
      ssize_t n = 0;
      do {
        n = copy_file_range(in, &from, out, nullptr, 1 << 30, 0);
      } while (n > 0);
      int err = n < 0 ? errno : 0;
      ::close(in);
      if (::close(out) != 0 && !err) err = errno;
      if (err) throw fmt::system_error(err, "copying {}", path);
    }
    if (rename(tmp.c_str(), path.c_str()) != 0) throw fmt::system_error(errno, "rename {}", tmp);
  } catch (...) {
    unlink(tmp.c_str());
    throw;
  }
}

// A process's end, deferred: a thread group leader that ends while its
// threads run on is reported when the group ends (as waitpid reports it to
// ptrace), or replaced by a "superseded" event when one of its threads
// exec'd and took over its tid.
struct DeferredEnd {
  std::uint32_t exit_code = 0;
  std::int64_t ts = 0;
  std::optional<Event> call;  // its call in progress, if one was
};

class EbpfRecorder {
 public:
  explicit EbpfRecorder(const RecordOptions& opt) : opt_(opt) {}
  RecordOutcome run();

 private:
  void on_record(const char* p, std::size_t n);
  void on_syscall(const char* p, std::size_t n);
  void on_spawn(const td_spawn& s);
  void on_exec(const char* p, std::size_t n);
  void on_exit(const td_exit& e);
  void on_signal(const td_signal& s);
  Task& task(pid_t tid, pid_t tgid);
  void decode_entry(Task& t, const std::uint64_t args[6], int nr, const MemorySource& mem);
  void account(const CapturedMemory& mem);
  void emit(const Event& e);
  void emit_process(pid_t tid, pid_t tgid, const char* name, ProcInfo info, std::int64_t ts);
  void emit_end(pid_t tid, pid_t tgid, std::uint32_t code, std::int64_t ts, std::optional<Event> call);
  void maybe_flush();
  void open_output();
  void launch(const std::string& exe);
  void attach(pid_t pid);
  void prune_dead();
  std::size_t live() const { return tasks_.size() - deferred_.size(); }
  std::int64_t wall(std::uint64_t mono) const { return static_cast<std::int64_t>(mono) + clock_offset_; }

  RecordOptions opt_;
  redact::Redactor redactor_{opt_.redaction};
  Event redacted_;  // emit()'s copy of an event the redactor changed
  std::unique_ptr<Tracer> tracer_;
  Header header_;
  std::string output_;
  std::unique_ptr<tracefile::TraceWriter> out_;
  std::unordered_map<pid_t, Task> tasks_;
  // A successful execve's arguments until its record, and the tid that
  // called it (a thread that exec'd is the leader by then; ptrace writes
  // the call under the caller's tid).
  struct ExecCall {
    std::vector<Arg> args;
    pid_t caller = 0;
  };
  std::unordered_map<pid_t, ExecCall> exec_args_;
  std::unordered_map<pid_t, Event> dying_call_;            // a task's unfinished call, until its exit record
  std::unordered_map<pid_t, DeferredEnd> deferred_;        // leaders ended before their threads
  std::vector<bool> selected_;
  const std::vector<const Decoder*>* decoders_ = nullptr;
  std::size_t data_size_ = 256;
  std::int64_t clock_offset_ = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC (bpf_ktime_get_ns)
  pid_t root_ = 0;
  bool root_reaped_ = false;
  bool prelude_ = false;  // the launched child has not exec'd the command yet
  bool forwarded_ = false;
  int exit_status_ = 0;
  std::size_t events_ = 0;
  std::int64_t last_flush_ = 0;
  bool dirty_ = false;
  Event scratch_;
  PermCache perm_cache_;
  std::uint64_t unreadable_ = 0, not_captured_ = 0, truncated_ = 0;
};

Task& EbpfRecorder::task(pid_t tid, pid_t tgid) {
  auto it = tasks_.find(tid);
  if (it != tasks_.end()) return it->second;
  // A task first seen by its records (its spawn record was lost): what
  // /proc says about it now.
  Task& t = tasks_[tid];
  t.tid = tid;
  t.tgid = tgid ? tgid : tid;
  t.fds = snapshot_fds(tid);
  t.fs = std::make_shared<FsState>();
  t.fs->cwd = proc_cwd(tid);
  t.creds = std::make_shared<Creds>();
  return t;
}

void EbpfRecorder::open_output() {
  tracefile::TraceWriter::Options wo;
  wo.force = opt_.force;
  out_ = std::make_unique<tracefile::TraceWriter>(output_, header_, wo);
  out_->flush();
  last_flush_ = now_ns(CLOCK_MONOTONIC_COARSE);
  dirty_ = false;
}

void EbpfRecorder::emit(const Event& e) {
  if (!out_) open_output();
  out_->write(redactor_.event_copy(e, redacted_) ? redacted_ : e);
  ++events_;
  dirty_ = true;
}

void EbpfRecorder::emit_process(pid_t tid, pid_t tgid, const char* name, ProcInfo info, std::int64_t ts) {
  Event& e = reset_event(scratch_, tid, tgid, EventType::Process, name, ts);
  e.proc = info;
  emit(e);
}

void EbpfRecorder::maybe_flush() {
  if (!dirty_ || !out_) return;
  std::int64_t now = now_ns(CLOCK_MONOTONIC_COARSE);
  if (now - last_flush_ < kFlushIntervalNs) return;
  out_->flush();
  perm_cache_.clear_components();
  last_flush_ = now;
  dirty_ = false;
}

void EbpfRecorder::account(const CapturedMemory& mem) {
  unreadable_ += mem.faults();
  not_captured_ += mem.misses();
  truncated_ += mem.truncated();
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
  // Interned once per number, not at every call (as the ptrace recorder).
  static const std::vector<InternedString> names = [] {
    std::vector<InternedString> v(static_cast<std::size_t>(syscall_count()));
    for (int n = 0; n < syscall_count(); ++n) {
      std::string_view s = syscall_name(n);
      v[static_cast<std::size_t>(n)] = s.empty() ? InternedString(fmt::format("syscall_{}", n)) : InternedString(s);
    }
    return v;
  }();
  t.ev.name = names[static_cast<std::size_t>(nr)];
  if (const Decoder* d = (*decoders_)[nr]) {
    if (d->entry) d->entry(c);
  } else {
    int n = raw_arg_count(nr);
    for (int i = 0; i < n; ++i) c.add(c.hex_arg(i));
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
  if (is_error && wants_perm_snapshot(r.errnum)) {
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
  emit(e);
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

void EbpfRecorder::on_exec(const char* p, std::size_t n) {
  td_exec e;
  if (!fixed_part(p, n, e)) return;
  pid_t tid = static_cast<pid_t>(e.h.tid), old = static_cast<pid_t>(e.old_tid);
  std::int64_t ts = wall(e.h.ts);
  if (old != tid && tasks_.count(old)) {
    // A thread exec'd and took the leader's tid: the leader's call never
    // returns ("= ?"), it is superseded, and the thread's state moves over.
    if (auto d = deferred_.find(tid); d != deferred_.end()) {
      if (d->second.call) {
        d->second.call->result = Result{};
        d->second.call->result.state = ResultState::Unknown;
        emit(*d->second.call);
      }
      deferred_.erase(d);
    }
    ProcInfo info;
    info.child = old;
    emit_process(tid, static_cast<pid_t>(e.h.tgid), kProcSuperseded, info, ts);
    Task moved = std::move(tasks_[old]);
    tasks_.erase(old);
    moved.tid = tid;
    tasks_[tid] = std::move(moved);
  }
  Task& x = task(tid, static_cast<pid_t>(e.h.tgid));
  // After exec the fd table is private again, without close-on-exec fds.
  if (x.fds.use_count() > 1) x.fds = std::make_shared<FdTable>(*x.fds);
  x.fds->on_exec();
  if (x.fs.use_count() > 1) x.fs = std::make_shared<FsState>(*x.fs);
  if (x.tid == root_) prelude_ = false;

  // The blocks: the file name (at the path argument), the argv area and the
  // environment area of the new stack. The decoder reads pointer arrays
  // at the call's argv/envp arguments: rebuild them, pointing into the areas.
  CapturedMemory raw;
  raw.parse(p + sizeof e, std::min<std::size_t>(n, e.h.size) - sizeof e, e.nblocks);
  const auto& blocks = raw.blocks();
  std::string filename;
  std::string_view argv_area, env_area;
  bool argv_cut = false;
  for (const auto& b : blocks) {
    if (b.addr == e.arg_start && e.arg_start) argv_area = b.data, argv_cut = b.flags & TD_B_TRUNC;
    else if (b.addr == e.env_start && e.env_start && e.has_call) env_area = b.data;
    else if (filename.empty() && !(b.flags & TD_B_FAULT)) filename.assign(b.data.data(), strnlen(b.data.data(), b.data.size()));
  }
  if (argv_cut) ++truncated_;
  auto split = [](std::string_view area, std::uint64_t base, std::vector<std::uint64_t>& addrs) {
    std::size_t i = 0;
    while (i < area.size()) {
      std::size_t z = area.find('\0', i);
      addrs.push_back(base + i);
      if (z == std::string_view::npos) break;
      i = z + 1;
    }
  };
  bool execveat = e.nr == SYS_execveat;
  std::uint64_t path_addr = e.has_call ? e.args[execveat ? 1 : 0] : 0;
  std::uint64_t argv_addr = e.has_call ? e.args[execveat ? 2 : 1] : 0;
  std::uint64_t env_addr = e.has_call ? e.args[execveat ? 3 : 2] : 0;
  std::vector<std::uint64_t> argv_ptrs, env_ptrs;
  std::uint64_t argv_base = e.arg_start, env_base = e.env_start;
  auto overlaps = [](std::uint64_t a, std::size_t an, std::uint64_t b, std::size_t bn) { return a < b + bn && b < a + an; };
  split(argv_area, argv_base, argv_ptrs);
  split(env_area, env_base, env_ptrs);
  std::size_t argv_arr = (argv_ptrs.size() + 1) * 8, env_arr = (env_ptrs.size() + 1) * 8;
  if (overlaps(argv_addr, argv_arr, argv_base, argv_area.size()) || overlaps(argv_addr, argv_arr, env_base, env_area.size()) ||
      overlaps(env_addr, env_arr, argv_base, argv_area.size()) || overlaps(env_addr, env_arr, env_base, env_area.size()) ||
      overlaps(path_addr, filename.size() + 1, argv_base, argv_area.size()) ||
      overlaps(path_addr, filename.size() + 1, env_base, env_area.size())) {
    argv_base = kSynthBase;
    env_base = kSynthBase + argv_area.size() + 4096;
    argv_ptrs.clear();
    env_ptrs.clear();
    split(argv_area, argv_base, argv_ptrs);
    split(env_area, env_base, env_ptrs);
  }
  auto pointer_array = [](const std::vector<std::uint64_t>& ptrs) {
    std::string s((ptrs.size() + 1) * 8, '\0');
    if (!ptrs.empty()) std::memcpy(s.data(), ptrs.data(), ptrs.size() * 8);
    return s;
  };
  CapturedMemory image;
  if (path_addr) image.add_owned(path_addr, filename + '\0');
  if (argv_addr) image.add_owned(argv_addr, pointer_array(argv_ptrs));
  if (env_addr) image.add_owned(env_addr, pointer_array(env_ptrs));
  image.add_owned(argv_base, std::string(argv_area));
  image.add_owned(env_base, std::string(env_area));

  Event& ev = reset_event(scratch_, tid, x.tgid, EventType::Process, kProcExec, ts);
  bool traced_call = e.has_call && e.nr >= 0 && e.nr < static_cast<int>(selected_.size()) && selected_[e.nr];
  if (traced_call) {
    // The call's arguments, decoded now (the caller's memory is gone)
    // and kept for its record, which comes when the call returns.
    Event saved_ev = std::move(x.ev);
    x.ev = Event{};
    std::uint64_t args[6];
    std::memcpy(args, e.args, sizeof args);
    decode_entry(x, args, e.nr, image);
    account(image);
    std::size_t pi = execveat ? 1 : 0;
    if (x.ev.args.size() > pi + 1) {
      ev.args.push_back(x.ev.args[pi]);
      ev.args.push_back(x.ev.args[pi + 1]);
    }
    exec_args_[tid] = ExecCall{std::move(x.ev.args), old};
    x.ev = std::move(saved_ev);
  }
  if (ev.args.empty()) {
    // The execve was not traced: the program and its argv as the kernel
    // has them, as the ptrace recorder takes them from /proc.
    Arg path;
    path.kind = ArgKind::Path;
    std::string exe = read_link(fmt::format("/proc/{}/exe", tid));
    path.str = path.abs = exe.empty() ? filename : exe;
    Arg argv;
    argv.kind = ArgKind::Array;
    std::size_t i = 0;
    while (i < argv_area.size()) {
      std::size_t z = argv_area.find('\0', i);
      Arg s;
      s.kind = ArgKind::String;
      s.str = argv_area.substr(i, z == std::string_view::npos ? std::string_view::npos : z - i);
      argv.items.push_back(std::move(s));
      if (z == std::string_view::npos) break;
      i = z + 1;
    }
    ev.args.push_back(std::move(path));
    ev.args.push_back(std::move(argv));
  }
  emit(ev);
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

void EbpfRecorder::launch(const std::string& exe) {
  std::vector<char*> argv;
  for (const std::string& a : opt_.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The child waits on this pipe until the kernel program traces it, so
  // that its first traced call is its execve.
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) throw fmt::system_error(errno, "pipe");
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    ::close(go[0]);
    ::close(go[1]);
    throw fmt::system_error(err, "fork");
  }
  if (pid == 0) {
    ::close(go[1]);
    char c;
    while (::read(go[0], &c, 1) < 0 && errno == EINTR) {
    }
    // tracediff ignores SIGPIPE for itself; an ignored signal survives exec.
    signal(SIGPIPE, SIG_DFL);
    execve(exe.c_str(), argv.data(), environ);
    int err = errno;
    std::string msg = fmt::format("tracediff: record: {}: {}\n", exe, std::strerror(err));
    (void)!write(2, msg.data(), msg.size());
    _exit(err == ENOENT ? 127 : 126);
  }
  ::close(go[0]);
  root_ = pid;
  prelude_ = true;
  Task& t = tasks_[pid];
  t.tid = t.tgid = pid;
  t.fds = snapshot_fds(pid);
  t.fs = std::make_shared<FsState>();
  t.fs->cwd = proc_cwd(pid);
  t.creds = std::make_shared<Creds>();
  try {
    tracer_->trace_task(pid, pid);
  } catch (...) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    ::close(go[1]);
    throw;
  }
  char c = 'x';
  (void)!::write(go[1], &c, 1);
  ::close(go[1]);
}

void EbpfRecorder::attach(pid_t pid) {
  auto fds = snapshot_fds(pid);
  auto fs = std::make_shared<FsState>();
  fs->cwd = proc_cwd(pid);
  auto creds = std::make_shared<Creds>();
  // Threads may be created while we add them: repeat until a pass finds no
  // new one (once one thread is traced, the threads it creates are too).
  std::set<pid_t> seen;
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
      if (tasks_.count(tid)) continue;
      tracer_->trace_task(tid, pid);
      Task& t = tasks_[tid];
      t.tid = tid;
      t.tgid = pid;
      t.fds = fds;
      t.fs = fs;
      t.creds = creds;
      t.attached = true;
    }
  }
  if (seen.empty()) throw InputError(fmt::format("record: -p {}: no such process", pid));
}

void EbpfRecorder::prune_dead() {
  // A task whose exit record was lost (ring buffer full) would keep the
  // recording open forever: drop those /proc no longer knows.
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (!deferred_.count(it->first) && access(fmt::format("/proc/{}", it->first).c_str(), F_OK) != 0) {
      perm_cache_.forget(it->first);
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
}

RecordOutcome EbpfRecorder::run() {
  if (opt_.command.empty() == opt_.attach.empty())
    throw InputError("record: give either a command (after --) or -p PID, not both or neither");
  selected_ = select_syscalls(opt_.trace_set, opt_.all);
  std::string exe = opt_.command.empty() ? std::string() : resolve_command(opt_.command[0]);
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
  data_size_ = opt_.data_size;
  if (data_size_ > TD_DATA_MAX) {
    fmt::print(stderr, "tracediff: record: --backend ebpf keeps at most {} bytes of data per buffer (-s {} given)\n",
               TD_DATA_MAX, opt_.data_size);
    data_size_ = TD_DATA_MAX;
  }

  Header& h = header_;
  h.source = "ebpf";
  h.created = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
  h.command = opt_.command;
  h.attached = opt_.attach;
  h.time_base = "epoch";
  h.host = snapshot_host();
  if (!opt_.attach.empty()) h.host.env = proc_environ(opt_.attach[0]);
  h.options["data_size"] = fmt::format("{}", data_size_);
  h.options["follow"] = opt_.follow ? "true" : "false";
  h.options["filter"] = "bpf";
  std::string set;
  for (const std::string& s : opt_.trace_set) set += (set.empty() ? "" : ",") + s;
  h.options["trace"] = opt_.all ? "all" : set.empty() ? "default" : set;
  if (!opt_.all && set.empty()) {
    std::string out;
    for (const std::string& n : default_excluded_syscalls()) out += (out.empty() ? "" : ",") + n;
    h.options["not_traced"] = out;
  }
  for (const char* k : {"lost_events", "unreadable", "not_captured"}) h.options[k] = kUnknownLosses;
  redactor_.header(h);

  output_ = opt_.output;
  if (output_.empty()) {
    std::string base = !opt_.command.empty() ? std::filesystem::path(opt_.command[0]).filename().string()
                                             : fmt::format("pid{}", opt_.attach[0]);
    output_ = fmt::format("{}-{}.trace", base, h.host.hostname.value_or("host"));
  }
  tracefile::TraceWriter::Options wo;
  wo.force = opt_.force;
  tracefile::check_can_create(output_, wo);

  LoadOptions lo;
  lo.data_size = static_cast<std::uint32_t>(data_size_);
  lo.follow = opt_.follow;
  lo.selected = selected_;
  // TRACEDIFF_EBPF_RINGBUF_KB: a smaller ring buffer, for the tests that
  // check losses are counted (a power of two, at least one page).
  if (const char* kb = getenv("TRACEDIFF_EBPF_RINGBUF_KB")) lo.ringbuf_bytes = std::strtoul(kb, nullptr, 10) * 1024;
  tracer_ = std::make_unique<Tracer>(lo, [this](const char* p, std::size_t n) { on_record(p, n); });
  tracer_->attach();
  clock_offset_ = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);

  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int, old_term, old_hup;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);
  g_stop_signal = 0;
  auto restore_signals = [&] {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    sigaction(SIGHUP, &old_hup, nullptr);
  };
  try {
    if (!opt_.command.empty()) {
      launch(exe);
    } else {
      for (pid_t p : opt_.attach) attach(p);
      open_output();
      for (const auto& [tid, t] : tasks_) emit_process(tid, t.tgid, kProcAttached, ProcInfo{}, now_ns(CLOCK_REALTIME));
      out_->flush();
    }
    std::int64_t last_prune = now_ns(CLOCK_MONOTONIC_COARSE);
    bool detach = false;
    while (true) {
      tracer_->poll(10);  // ms: the reader's latency, as the kernel program rarely wakes it
      if (g_stop_signal) {
        int sig = g_stop_signal;
        g_stop_signal = 0;
        if (!root_) {
          detach = true;  // -p: let go, the processes run on
        } else if (!forwarded_) {
          // As with the ptrace recorder under its filter: the command gets
          // the signal and is recorded until it ends.
          forwarded_ = true;
          if (!root_reaped_) {
            kill(root_, SIGCONT);
            kill(root_, sig);
          } else {
            for (auto& [tid, t] : tasks_)
              if (t.tgid == tid) kill(tid, sig);
          }
        } else {
          for (auto& [tid, t] : tasks_) kill(tid, SIGKILL);
        }
      }
      if (root_ && !root_reaped_) {
        int st;
        pid_t r = waitpid(root_, &st, WNOHANG);
        if (r == root_) {
          root_reaped_ = true;
          exit_status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
      }
      maybe_flush();
      std::int64_t now = now_ns(CLOCK_MONOTONIC_COARSE);
      if (now - last_prune >= kPruneIntervalNs) {
        prune_dead();
        last_prune = now;
      }
      if (detach) break;
      if ((!root_ || root_reaped_) && live() == 0) break;
    }
    tracer_->drain();
    // Leaders whose group end never came (records lost): as they were.
    for (auto& [tid, d] : deferred_) emit_end(tid, tid, d.exit_code, d.ts, std::move(d.call));
    deferred_.clear();
    if (detach) {
      std::int64_t ts = now_ns(CLOCK_REALTIME);
      for (const auto& [tid, t] : tasks_) emit_process(tid, t.tgid, kProcDetached, ProcInfo{}, ts);
    }
    if (!out_) open_output();
  } catch (...) {
    if (root_ && !root_reaped_) {
      kill(root_, SIGKILL);
      waitpid(root_, nullptr, 0);
    }
    restore_signals();
    if (out_) {
      try {
        out_->close();
      } catch (...) {
      }
    }
    throw;
  }
  restore_signals();
  KernelLosses lost = tracer_->losses();
  tracer_.reset();  // detach before the file is rewritten
  out_->close();
  h.options["lost_events"] = fmt::format("{}", lost.total());
  h.options["unreadable"] = fmt::format("{}", unreadable_);
  h.options["not_captured"] = fmt::format("{}", not_captured_ + truncated_);
  rewrite_header(output_, h);
  if (lost.total() || unreadable_ || not_captured_ + truncated_)
    fmt::print(stderr,
               "tracediff: record: {} events lost (ring buffer full: {}, calls not kept: {}, children not followed: {}, "
               "skipped runs: {}), {} arguments unreadable, {} not captured whole\n",
               lost.total(), lost.ringbuf_drops, lost.inflight_full, lost.tasks_full, lost.missed_runs, unreadable_,
               not_captured_ + truncated_);
  RecordOutcome res;
  res.output = output_;
  res.exit_status = exit_status_;
  res.events = events_;
  return res;
}

}  // namespace
}  // namespace detail::ebpf

RecordOutcome record_ebpf(const RecordOptions& opt) {
  detail::ebpf::EbpfRecorder r(opt);
  return r.run();
}

std::string ebpf_unavailable_reason() { return detail::ebpf::unavailable_reason(); }

}  // namespace tracediff::record
