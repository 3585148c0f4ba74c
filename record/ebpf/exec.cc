// An exec record: the kernel program read the new program's argv and
// environment areas from its stack (the caller's memory, where the call's
// pointers pointed, is gone). The shared decoders read pointer arrays at
// the call's argv/envp arguments: this file rebuilds that memory, pointing
// into the areas, so that an execve decodes as under ptrace.
#include <sys/syscall.h>

#include <algorithm>

#include <fmt/format.h>

#include "record/ebpf/session.h"

namespace tracediff::record::detail::ebpf {
namespace {

// Where argv/envp strings are placed when their real addresses would
// overlap the pointer arrays rebuilt for the decoder: a kernel address,
// never a user one, so it cannot collide with anything captured.
constexpr std::uint64_t kSynthBase = 0xffff'f000'0000'0000ULL;

// The blocks of an exec record: the file name (at the path argument), the
// argv area and the environment area of the new stack.
struct ExecAreas {
  std::string filename;
  std::string_view argv, env;
  bool argv_cut = false;
};

ExecAreas areas_of(const td_exec& e, const CapturedMemory& raw) {
  ExecAreas a;
  for (const auto& b : raw.blocks()) {
    if (b.addr == e.arg_start && e.arg_start) {
      a.argv = b.data;
      a.argv_cut = b.flags & TD_B_TRUNC;
    } else if (b.addr == e.env_start && e.env_start && e.has_call) {
      a.env = b.data;
    } else if (a.filename.empty() && !(b.flags & TD_B_FAULT)) {
      a.filename.assign(b.data.data(), strnlen(b.data.data(), b.data.size()));
    }
  }
  return a;
}

// The address of each NUL-terminated string of `area`, placed at `base`.
std::vector<std::uint64_t> string_addresses(std::string_view area, std::uint64_t base) {
  std::vector<std::uint64_t> addrs;
  std::size_t i = 0;
  while (i < area.size()) {
    std::size_t z = area.find('\0', i);
    addrs.push_back(base + i);
    if (z == std::string_view::npos) break;
    i = z + 1;
  }
  return addrs;
}

// A NULL-terminated array of pointers, as the program passed it.
std::string pointer_array(const std::vector<std::uint64_t>& ptrs) {
  std::string s((ptrs.size() + 1) * 8, '\0');
  if (!ptrs.empty()) std::memcpy(s.data(), ptrs.data(), ptrs.size() * 8);
  return s;
}

bool overlaps(std::uint64_t a, std::size_t an, std::uint64_t b, std::size_t bn) { return a < b + bn && b < a + an; }

// The memory the execve's decoder reads: the file name at the path
// argument, pointer arrays at argv and envp, the strings they point to.
CapturedMemory exec_image(const td_exec& e, const ExecAreas& a) {
  bool execveat = e.nr == SYS_execveat;
  std::uint64_t path_addr = e.has_call ? e.args[execveat ? 1 : 0] : 0;
  std::uint64_t argv_addr = e.has_call ? e.args[execveat ? 2 : 1] : 0;
  std::uint64_t env_addr = e.has_call ? e.args[execveat ? 3 : 2] : 0;
  std::uint64_t argv_base = e.arg_start, env_base = e.env_start;
  std::vector<std::uint64_t> argv_ptrs = string_addresses(a.argv, argv_base);
  std::vector<std::uint64_t> env_ptrs = string_addresses(a.env, env_base);
  std::size_t argv_arr = (argv_ptrs.size() + 1) * 8, env_arr = (env_ptrs.size() + 1) * 8;
  std::size_t name_len = a.filename.size() + 1;
  bool clash = false;
  for (auto [addr, len] : {std::pair{argv_addr, argv_arr}, {env_addr, env_arr}, {path_addr, name_len}})
    clash |= overlaps(addr, len, argv_base, a.argv.size()) || overlaps(addr, len, env_base, a.env.size());
  if (clash) {
    argv_base = kSynthBase;
    env_base = kSynthBase + a.argv.size() + 4096;
    argv_ptrs = string_addresses(a.argv, argv_base);
    env_ptrs = string_addresses(a.env, env_base);
  }
  CapturedMemory image;
  if (path_addr) image.add_owned(path_addr, a.filename + '\0');
  if (argv_addr) image.add_owned(argv_addr, pointer_array(argv_ptrs));
  if (env_addr) image.add_owned(env_addr, pointer_array(env_ptrs));
  image.add_owned(argv_base, std::string(a.argv));
  image.add_owned(env_base, std::string(a.env));
  return image;
}

// The exec event's arguments when the execve was not traced: the program
// and its argv as the kernel has them, as the ptrace recorder takes them
// from /proc.
void untraced_exec_args(Event& ev, pid_t tid, const ExecAreas& a) {
  Arg path;
  path.kind = ArgKind::Path;
  std::string exe = read_link(fmt::format("/proc/{}/exe", tid));
  path.str = path.abs = exe.empty() ? a.filename : exe;
  Arg argv;
  argv.kind = ArgKind::Array;
  std::size_t i = 0;
  while (i < a.argv.size()) {
    std::size_t z = a.argv.find('\0', i);
    Arg s;
    s.kind = ArgKind::String;
    s.str = a.argv.substr(i, z == std::string_view::npos ? std::string_view::npos : z - i);
    argv.items.push_back(std::move(s));
    if (z == std::string_view::npos) break;
    i = z + 1;
  }
  ev.args.push_back(std::move(path));
  ev.args.push_back(std::move(argv));
}

}  // namespace

// A thread exec'd and took the leader's tid: the leader's call never
// returns ("= ?"), it is superseded, and the thread's state moves over.
void EbpfRecorder::take_over_leader(pid_t tid, pid_t tgid, pid_t old, std::int64_t ts) {
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
  emit_process(tid, tgid, kProcSuperseded, info, ts);
  Task moved = std::move(tasks_[old]);
  tasks_.erase(old);
  moved.tid = tid;
  tasks_[tid] = std::move(moved);
}

void EbpfRecorder::on_exec(const char* p, std::size_t n) {
  td_exec e;
  if (!fixed_part(p, n, e)) return;
  pid_t tid = static_cast<pid_t>(e.h.tid), old = static_cast<pid_t>(e.old_tid);
  std::int64_t ts = wall(e.h.ts);
  if (old != tid && tasks_.count(old)) take_over_leader(tid, static_cast<pid_t>(e.h.tgid), old, ts);
  Task& x = task(tid, static_cast<pid_t>(e.h.tgid));
  // After exec the fd table is private again, without close-on-exec fds.
  if (x.fds.use_count() > 1) x.fds = std::make_shared<FdTable>(*x.fds);
  x.fds->on_exec();
  if (x.fs.use_count() > 1) x.fs = std::make_shared<FsState>(*x.fs);
  if (x.tid == root_) prelude_ = false;

  CapturedMemory raw;
  raw.parse(p + sizeof e, std::min<std::size_t>(n, e.h.size) - sizeof e, e.nblocks);
  ExecAreas areas = areas_of(e, raw);
  if (areas.argv_cut) ++truncated_;

  Event& ev = reset_event(scratch_, tid, x.tgid, EventType::Process, kProcExec, ts);
  bool traced_call = e.has_call && e.nr >= 0 && e.nr < static_cast<int>(selected_.size()) && selected_[e.nr];
  if (traced_call) {
    // The call's arguments, decoded now and kept for its record, which
    // comes when the call returns.
    CapturedMemory image = exec_image(e, areas);
    Event saved_ev = std::move(x.ev);
    x.ev = Event{};
    std::uint64_t args[6];
    std::memcpy(args, e.args, sizeof args);
    decode_entry(x, args, e.nr, image);
    account(image);
    std::size_t pi = e.nr == SYS_execveat ? 1 : 0;
    if (x.ev.args.size() > pi + 1) {
      ev.args.push_back(x.ev.args[pi]);
      ev.args.push_back(x.ev.args[pi + 1]);
    }
    exec_args_[tid] = ExecCall{std::move(x.ev.args), old};
    x.ev = std::move(saved_ev);
  }
  if (ev.args.empty()) untraced_exec_args(ev, tid, areas);
  emit(ev);
}

}  // namespace tracediff::record::detail::ebpf
