#include "model/trace.h"

#include "model/args.h"
#include "model/syscalls.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace tracediff {
namespace {

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<const char*, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (s == names[i]) return static_cast<E>(i);
  return std::nullopt;
}

// Order matches the enums in trace.h.
constexpr std::array<const char*, 10> kArgKindNames = {
    "int", "flags", "path", "string", "fd", "sockaddr", "struct", "array", "unreadable", "other"};
constexpr std::array<const char*, 5> kResultStateNames = {
    "returned", "unknown", "unfinished", "detached", "unavailable"};
constexpr std::array<const char*, 4> kEventTypeNames = {"syscall", "signal", "process", "unparsed"};

}  // namespace

namespace {

constexpr std::size_t kInternChunks = std::size_t{1} << 12;  // 4096 chunks of 4096 names

// The numbered names: chunk c holds names c*4096 .. c*4096+4095. Chunks
// are allocated once and never move, so a reader holding a number (which
// it got from intern(), under the lock, or from a thread that did) reads
// its entry without the lock.
const std::string** intern_chunks[kInternChunks];

}  // namespace

const std::string* const* const* InternedString::table() { return intern_chunks; }

std::uint32_t InternedString::intern(std::string_view s) {
  if (s.empty()) return 0;
  // Node-based: element addresses stay valid as the pool grows. Never freed:
  // the pool holds names, a few hundred strings in practice.
  // Looked up by view (no std::string built for a name already pooled:
  // every event's call name comes through here).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view v) const noexcept { return std::hash<std::string_view>()(v); }
  };
  static std::mutex mu;
  static auto* pool = new std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>>();
  static std::uint32_t next = 1;
  // Names looked up lately, per thread, by a cheap hash of the name: call
  // names, errnos and struct fields are a few dozen at a time, and this
  // spares the lock and the pool's hashing for almost every one.
  thread_local std::array<std::uint32_t, 64> recent{};
  std::uint32_t& last = recent[(s.size() * 131 + static_cast<unsigned char>(s[0]) * 31 +
                                static_cast<unsigned char>(s.back())) & 63];
  if (last && *intern_chunks[last >> kChunkBits][last & ((1u << kChunkBits) - 1)] == s) return last;
  std::lock_guard<std::mutex> lock(mu);
  auto it = pool->find(s);
  if (it == pool->end()) {
    if (next >= kInternChunks << kChunkBits)
      throw std::length_error("more than 16M distinct names (struct fields, calls, errnos): not a trace");
    const std::string**& chunk = intern_chunks[next >> kChunkBits];
    if (!chunk) chunk = new const std::string*[std::size_t{1} << kChunkBits]();
    it = pool->emplace(std::string(s), next).first;
    chunk[next & ((1u << kChunkBits) - 1)] = &it->first;
    ++next;
  }
  last = it->second;
  return last;
}

const char* to_string(ArgKind k) { return kArgKindNames[static_cast<std::size_t>(k)]; }
std::optional<ArgKind> arg_kind_from_string(std::string_view s) {
  return lookup<ArgKind>(kArgKindNames, s);
}
const char* to_string(ResultState s) { return kResultStateNames[static_cast<std::size_t>(s)]; }
std::optional<ResultState> result_state_from_string(std::string_view s) {
  return lookup<ResultState>(kResultStateNames, s);
}
const char* to_string(EventType t) { return kEventTypeNames[static_cast<std::size_t>(t)]; }
std::optional<EventType> event_type_from_string(std::string_view s) {
  return lookup<EventType>(kEventTypeNames, s);
}

std::string describe_losses(const Header& h) {
  struct Counter {
    const char* key;
    const char* what;
  };
  static const Counter counters[] = {
      {"lost_events", "events lost (the recorder could not keep up)"},
      {"unreadable", "arguments unreadable (memory the kernel could not read)"},
      {"not_captured", "arguments not captured whole (beyond the capture bounds)"},
  };
  std::string out;
  bool unknown = false;
  for (const Counter& c : counters) {
    auto it = h.options.find(c.key);
    if (it == h.options.end()) continue;
    const std::string& v = it->second;
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) {
      unknown = true;
      continue;
    }
    if (v == "0") continue;
    out += (out.empty() ? "" : ", ") + v + " " + c.what;
  }
  if (unknown) out += std::string(out.empty() ? "" : "; ") + "the recording did not end cleanly, so what it lost is unknown";
  return out;
}

std::string ExitStatus::describe() const {
  switch (kind) {
    case Exited:
      return fmt::format("exited {}", code);
    case Killed:
      return fmt::format("killed by {}{}", signal_name(signal), core ? " (core dumped)" : "");
    case Unknown:
      break;
  }
  return "unknown";
}

const Process* ProcessTable::find(std::int32_t pid) const {
  auto it = by_pid.find(pid);
  return it == by_pid.end() ? nullptr : &processes[it->second];
}

namespace {

// Builds the table in one pass; see the contract in trace.h.
class TableBuilder {
 public:
  explicit TableBuilder(ProcessTable& t) : t_(t) {}

  Process& process_of(std::int32_t tid, std::int32_t pid_hint, std::size_t idx) {
    auto it = t_.tgid.find(tid);
    std::int32_t pid = it != t_.tgid.end() ? it->second : (pid_hint ? pid_hint : tid);
    if (it == t_.tgid.end()) {
      t_.tgid[tid] = pid;
      if (pid != tid) {
        // A thread we never saw created: attach it to its process.
        Process& p = ensure(pid, idx);
        p.threads.push_back(tid);
        return p;
      }
    }
    return ensure(pid, idx);
  }

  Process& ensure(std::int32_t pid, std::size_t idx) {
    auto it = t_.by_pid.find(pid);
    if (it != t_.by_pid.end()) return t_.processes[it->second];
    t_.by_pid[pid] = t_.processes.size();
    t_.tgid.emplace(pid, pid);
    Process p;
    p.pid = pid;
    p.first_event = idx;
    t_.processes.push_back(std::move(p));
    return t_.processes.back();
  }

  void spawn(std::int32_t parent_tid, std::int32_t parent_pid, std::int32_t child, bool thread,
             std::size_t idx) {
    if (child <= 0 || t_.tgid.count(child)) return;
    Process& parent = process_of(parent_tid, parent_pid, idx);
    std::int32_t ppid = parent.pid;
    if (thread) {
      t_.tgid[child] = ppid;
      parent.threads.push_back(child);
    } else {
      parent.children.push_back(child);
      Process& c = ensure(child, idx);
      c.ppid = ppid;
    }
  }

 private:
  ProcessTable& t_;
};

std::vector<std::string> strings_of(const Arg& a) {
  std::vector<std::string> out;
  for (const Arg& i : a.items) out.push_back(i.str);
  return out;
}


}  // namespace

ProcessTable build_process_table(const Trace& t) {
  ProcessTable table;
  TableBuilder b(table);
  bool have_exec_events = false;
  std::unordered_set<std::int32_t> spawned;  // children that have a spawn event
  for (const Event& e : t.events) {
    if (e.type != EventType::Process) continue;
    if (e.name == kProcExec) have_exec_events = true;
    if (e.name == kProcSpawn) spawned.insert(e.proc.child);
  }

  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    if (e.tid == 0 && e.pid == 0) continue;
    std::int32_t tid = e.tid ? e.tid : e.pid;
    if (e.type == EventType::Process && e.name == kProcSpawn) {
      b.spawn(tid, e.pid, e.proc.child, e.proc.thread, i);
      continue;
    }
    if (e.type == EventType::Syscall && syscall_is(e.name, kClassClone) && succeeded(e) && e.result.value > 0 &&
        !spawned.count(static_cast<std::int32_t>(e.result.value))) {
      // Traces without spawn events (hand-written, older writers): the
      // clone's result names the child.
      bool thread = false;
      for (const Arg& a : e.args) thread = thread || arg_mentions(a, "CLONE_THREAD");
      b.spawn(tid, e.pid, static_cast<std::int32_t>(e.result.value), thread, i);
    }
    Process& p = b.process_of(tid, e.pid, i);
    if (e.type == EventType::Process) {
      if (e.name == kProcExec && e.args.size() >= 1) {
        ExecRecord r{e.args[0].str, e.args.size() >= 2 ? strings_of(e.args[1]) : std::vector<std::string>{}, i};
        p.execs.push_back(std::move(r));
      } else if (e.name == kProcExit && tid == p.pid) {
        p.exit = ExitStatus{ExitStatus::Exited, e.proc.code, 0, false};
      } else if (e.name == kProcKilled && tid == p.pid) {
        p.exit = ExitStatus{ExitStatus::Killed, 0, e.proc.signal, e.proc.core};
      } else if (e.name == kProcSuperseded) {
        // The exec'ing thread took over the leader's pid; nothing to record.
      }
    } else if (e.type == EventType::Syscall && !have_exec_events && syscall_is(e.name, kClassExec) &&
               e.result.state == ResultState::Returned && !e.result.failed()) {
      // Traces without exec events (older writers): derive execs from the calls.
      auto path_idx = static_cast<std::size_t>(std::max(0, syscall_info(e.name).path_index()));
      if (e.args.size() > path_idx) {
        ExecRecord r{e.args[path_idx].str,
                     e.args.size() > path_idx + 1 ? strings_of(e.args[path_idx + 1]) : std::vector<std::string>{}, i};
        p.execs.push_back(std::move(r));
      }
    }
  }
  return table;
}

std::string signal_name(int sig) {
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
    return sig == SIGRTMIN ? "SIGRTMIN" : fmt::format("SIGRT_{}", sig - SIGRTMIN);
  }
  if (const char* abbrev = sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  return fmt::format("{}", sig);
}

int signal_number(std::string_view name) {
  static const std::unordered_map<std::string, int> table = [] {
    std::unordered_map<std::string, int> m;
    for (int s = 1; s < 32; ++s)
      if (const char* a = sigabbrev_np(s)) m[std::string("SIG") + a] = s;
    m["SIGIOT"] = SIGABRT;
    m["SIGPOLL"] = SIGIO;
    m["SIGCLD"] = SIGCHLD;
    return m;
  }();
  auto it = table.find(std::string(name));
  if (it != table.end()) return it->second;
  if (name == "SIGRTMIN") return SIGRTMIN;
  if (name.rfind("SIGRT_", 0) == 0) return SIGRTMIN + std::atoi(std::string(name.substr(6)).c_str());
  return 0;
}

std::string errno_name(int err) {
  if (const char* n = strerrorname_np(err)) return n;
  static constexpr const char* kKernelInternal[] = {"ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND",
                                                    "ENOIOCTLCMD", "ERESTART_RESTARTBLOCK"};
  if (err >= 512 && err <= 516) return kKernelInternal[err - 512];
  return fmt::format("errno {}", err);
}

int errno_number(std::string_view name) {
  static const std::unordered_map<std::string, int> table = [] {
    std::unordered_map<std::string, int> m;
    // Linux errno values stop below 134; the kernel-internal ones
    // (ERESTARTSYS 512 ...) are not in glibc and are added by hand.
    for (int e = 1; e < 200; ++e)
      if (const char* n = strerrorname_np(e)) m.emplace(n, e);
    m["ERESTARTSYS"] = 512;
    m["ERESTARTNOINTR"] = 513;
    m["ERESTARTNOHAND"] = 514;
    m["ENOIOCTLCMD"] = 515;
    m["ERESTART_RESTARTBLOCK"] = 516;
    return m;
  }();
  auto it = table.find(std::string(name));
  return it == table.end() ? 0 : it->second;
}

}  // namespace tracediff
