// Rule "tasks": stable task numbers and names from the process tree.
//
// Raw pids differ on every run; a process's place in the tree does not. The
// processes are numbered in pre-order (a root, then each child subtree in
// creation order), each followed by its threads, so the same program run
// twice gets the same numbers even when unrelated processes interleave
// differently. Names ("root/2:cat", "root#1") go into the header options as
// task.<number>, where task_name_of() finds them.
#include <fmt/format.h>

#include <string_view>
#include <unordered_map>

#include "model/paths.h"
#include "normalize/rules.h"

namespace tracediff::normalize::detail {
namespace {

class Namer {
 public:
  Namer(const Header& h, const ProcessTable& table) : h_(h), table_(table) {}

  void run() {
    int roots = 0;
    for (const Process& p : table_.processes) {
      if (p.ppid != 0 && table_.find(p.ppid)) continue;
      ++roots;
      std::string name = roots == 1 ? "root" : fmt::format("root.{}", roots);
      std::string cmd = h_.command.empty() ? "" : basename_of(h_.command[0]);
      visit(p, name, cmd);
    }
  }

  std::unordered_map<std::int32_t, std::int32_t> ids;
  std::vector<std::pair<std::int32_t, std::string>> names;

 private:
  void visit(const Process& p, const std::string& name, const std::string& inherited_cmd) {
    if (ids.count(p.pid)) return;  // a cycle in a corrupt trace
    add(p.pid, name);
    int k = 0;
    for (std::int32_t th : p.threads) add(th, fmt::format("{}#{}", name, ++k));
    std::string cmd = p.execs.empty() ? inherited_cmd : basename_of(p.execs.front().path);
    int n = 0;
    for (std::int32_t c : p.children) {
      const Process* child = table_.find(c);
      if (!child) continue;
      std::string ccmd = child->execs.empty() ? cmd : basename_of(child->execs.front().path);
      visit(*child, fmt::format("{}/{}:{}", name, ++n, ccmd.empty() ? "?" : ccmd), cmd);
    }
  }

  void add(std::int32_t tid, const std::string& name) {
    if (ids.count(tid)) return;
    std::int32_t id = static_cast<std::int32_t>(ids.size()) + 1;
    ids[tid] = id;
    names.emplace_back(id, name);
  }

  const Header& h_;
  const ProcessTable& table_;
};

bool takes_pid(std::string_view n) { return syscall_is(n, kClassTakesPid); }
bool returns_pid(std::string_view n) { return syscall_is(n, kClassReturnsPid); }

}  // namespace

bool pid_call(std::string_view name) { return takes_pid(name) || returns_pid(name); }

void rule_tasks(Trace& t, NormalizeContext&) { apply_tasks(t, build_process_table(t)); }

}  // namespace tracediff::normalize::detail

namespace tracediff::normalize {

std::unordered_map<std::int32_t, std::string> task_names(const Header& h, const ProcessTable& table) {
  detail::Namer namer(h, table);
  namer.run();
  std::unordered_map<std::int32_t, std::string> by_id;
  for (auto& [id, name] : namer.names) by_id.emplace(id, name);
  std::unordered_map<std::int32_t, std::string> out;
  for (auto& [tid, id] : namer.ids) out.emplace(tid, by_id[id]);
  return out;
}

}  // namespace tracediff::normalize

namespace tracediff::normalize::detail {

void apply_tasks(Trace& t, const ProcessTable& table) {
  Namer namer(t.header, table);
  namer.run();
  auto map = [&](std::int32_t v) -> std::int32_t {
    auto it = namer.ids.find(v);
    return it == namer.ids.end() ? v : it->second;
  };
  for (Event& e : t.events) {
    e.tid = map(e.tid);
    e.pid = map(e.pid);
    if (e.type == EventType::Process || e.type == EventType::Signal) e.proc.child = map(e.proc.child);
    if (e.type == EventType::Signal) {
      for (Arg& a : e.args)
        if (a.name == "si_pid" && a.kind == ArgKind::Int) {
          std::int32_t v = map(static_cast<std::int32_t>(a.has_raw ? a.raw : std::atoll(a.str.c_str())));
          a.raw = v;
          a.str = std::to_string(v);
        }
      continue;
    }
    if (e.type != EventType::Syscall) continue;
    if (takes_pid(e.name) && !e.args.empty() && e.args[0].kind == ArgKind::Int) {
      Arg& a = e.args[0];
      std::int64_t v = a.has_raw ? a.raw : std::atoll(a.str.c_str());
      if (v > 0 && namer.ids.count(static_cast<std::int32_t>(v))) {
        a.raw = map(static_cast<std::int32_t>(v));
        a.str = std::to_string(a.raw);
      }
    }
    if (returns_pid(e.name) && e.result.state == ResultState::Returned && e.result.value > 0) {
      auto it = namer.ids.find(static_cast<std::int32_t>(e.result.value));
      // A pid from outside the trace (the tracer's own, a parent) still
      // differs per run; it is shown as PID rather than guessed at.
      e.result.value = it == namer.ids.end() ? 0 : it->second;
      e.result.str = it == namer.ids.end() ? "PID" : "";
    }
  }
  for (auto& [id, name] : namer.names) t.header.options[fmt::format("task.{}", id)] = name;
  t.header.attached.clear();
}

}  // namespace tracediff::normalize::detail
