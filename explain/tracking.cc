// Replaying a trace for explain: the model's replay, with what each event
// saw recorded, and the process tree from the model's table.
#include "explain/tracking.h"

#include <algorithm>

#include "model/syscalls.h"

namespace tracediff::explain::detail {
namespace {

class Recorder {
 public:
  explicit Recorder(const Trace& t) : t_(t), table_(build_process_table(t)), replay_(t.header, &table_) {}

  Replayed run() {
    for (const Process& p : table_.processes) {
      r_.first_event[p.pid] = p.first_event;
      if (p.ppid && p.ppid != p.pid && table_.find(p.ppid)) {
        r_.parent[p.pid] = p.ppid;
        r_.children[p.ppid].push_back(p.pid);
      }
    }
    r_.tgid.resize(t_.events.size());
    r_.fd.resize(t_.events.size());
    for (std::size_t i = 0; i < t_.events.size(); ++i) step(i);
    return std::move(r_);
  }

 private:
  // The program a process runs: its parent's until it execs; the first
  // root of a launched command runs the header's command.
  std::string& name_of(std::int32_t pid) {
    if (auto it = r_.name.find(pid); it != r_.name.end()) return it->second;
    std::string n;
    if (auto p = r_.parent.find(pid); p != r_.parent.end()) {
      n = name_of(p->second);
    } else {
      bool attached = std::find(t_.header.attached.begin(), t_.header.attached.end(), pid) != t_.header.attached.end();
      if (!attached && roots_ == 0 && !t_.header.command.empty()) n = basename_of(t_.header.command[0]);
      ++roots_;
    }
    return r_.name.emplace(pid, std::move(n)).first->second;
  }

  void set_exit(std::int32_t pid, std::size_t i, ExitStatus s) {
    r_.exits[pid] = s;
    r_.exit_event[pid] = i;
  }

  void step(std::size_t i) {
    const Event& e = t_.events[i];
    // pid 0: a log written without pid prefixes (one process); it is
    // still one process with its own state.
    std::int32_t pid = replay_.process_of(e);
    r_.tgid[i] = pid;
    std::string& name = name_of(pid);
    if (e.type == EventType::Process) {
      if (e.name == kProcExec && !e.args.empty()) name = basename_of(e.args[0].str);
      else if (e.name == kProcExit) set_exit(pid, i, ExitStatus{ExitStatus::Exited, e.proc.code, 0, false});
      else if (e.name == kProcKilled) set_exit(pid, i, ExitStatus{ExitStatus::Killed, 0, e.proc.signal, e.proc.core});
      replay_.apply(e, i);
      return;
    }
    if (e.type != EventType::Syscall) return;
    ProcessState& st = replay_.state(e, i);
    if (int k = Replay::fd_arg_index(e); k >= 0)
      if (auto n = arg_fd(e, static_cast<std::size_t>(k)))
        r_.fd[i] = replay_.fd(st, *n, e.args[static_cast<std::size_t>(k)].ref.view());
    const SyscallInfo& info = syscall_info(e.name);
    int p = info.path_index();
    bool path_call = p >= 0 && static_cast<std::size_t>(p) < e.args.size();
    if (path_call || e.result.failed()) {
      EventContext c;
      c.fd = r_.fd[i];
      c.cwd = st.cwd;
      c.creds = st.creds;
      if (path_call) c.path = replay_.path(st, e, static_cast<std::size_t>(p));
      if (info.is(kClassExec) && succeeded(e)) name = basename_of(c.path);
      r_.ctx.emplace(i, std::move(c));
    }
    if (e.name == "exit_group" || (e.name == "exit" && !e.args.empty())) {
      if (!r_.exits.count(pid) && !e.args.empty())
        if (auto code = arg_int(e.args[0])) set_exit(pid, i, ExitStatus{ExitStatus::Exited, static_cast<int>(*code), 0, false});
    }
    replay_.apply(e, i);
  }

  const Trace& t_;
  ProcessTable table_;
  Replay replay_;
  Replayed r_;
  int roots_ = 0;
};

}  // namespace

Replayed replay_trace(const Trace& t) { return Recorder(t).run(); }

}  // namespace tracediff::explain::detail
