// -ff sets: strace -ff -o LOG writes one file per task, LOG.<pid>, each
// without pid prefixes. Each file is imported on its own with its pid, then
// the events are merged into one trace by time.
#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "strace/importer.h"
#include "tracefile/tracefile.h"

namespace tracediff::strace {
namespace {

// One LOG.<pid> file: its pid comes from the suffix (0 when there is none).
struct Part {
  std::string path;
  std::int32_t pid = 0;
  Trace trace;
};

std::vector<Part> parts_by_pid(const std::vector<std::string>& paths) {
  std::vector<Part> parts;
  for (const std::string& p : paths) {
    Part part;
    part.path = p;
    std::string name = std::filesystem::path(p).filename().string();
    std::size_t dot = name.rfind('.');
    if (dot != std::string::npos) detail::parse_i32(name.substr(dot + 1), part.pid);
    parts.push_back(std::move(part));
  }
  // In pid order, so that ties in time keep a stable, meaningful order.
  std::stable_sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.pid < b.pid; });
  return parts;
}

// Each file knows only its own task, so the thread groups and the command
// are filled in once all files are merged.
void finish_set(Trace& t) {
  std::unordered_map<std::int32_t, std::int32_t> tgid;
  for (const Event& e : t.events) {
    if (e.type == EventType::Process && e.name == kProcSpawn) {
      auto it = tgid.find(e.tid);
      std::int32_t parent = it == tgid.end() ? e.tid : it->second;
      tgid[e.proc.child] = e.proc.thread ? parent : e.proc.child;
    }
  }
  for (Event& e : t.events) {
    auto it = tgid.find(e.tid);
    e.pid = it == tgid.end() ? e.tid : it->second;
  }
  for (const Event& e : t.events) {
    if (e.type == EventType::Process && e.name == kProcExec && e.args.size() >= 2) {
      for (const Arg& a : e.args[1].items) t.header.command.push_back(a.str);
      break;
    }
  }
}

}  // namespace

Trace import_strace_set(const std::vector<std::string>& paths, const std::function<void()>& each) {
  if (paths.empty()) throw InputError("no strace log given");
  std::vector<Part> parts = parts_by_pid(paths);
  Trace t;
  bool all_stamped = true;
  for (Part& part : parts) {
    ImportOptions opt;
    opt.default_pid = part.pid;
    opt.each = each;
    part.trace = import_strace_text(tracefile::read_file_decompressed(part.path), part.path, opt);
    if (t.header.time_base.empty()) t.header.time_base = part.trace.header.time_base;
    if (part.trace.header.time_base != "epoch" && part.trace.header.time_base != "time-of-day")
      all_stamped = false;
    for (Warning& w : part.trace.warnings) t.warnings.push_back(std::move(w));
  }
  t.header.source = "strace";
  std::size_t total = 0;
  for (const Part& p : parts) total += p.trace.events.size();
  t.events.reserve(total);
  for (Part& p : parts)
    for (Event& e : p.trace.events) t.events.push_back(std::move(e));
  if (all_stamped && parts.size() > 1) {
    // Absolute times from one clock: merge by time, file order breaking
    // ties. (-r deltas, or no stamps: file by file, as there is no order.)
    std::stable_sort(t.events.begin(), t.events.end(),
                     [](const Event& a, const Event& b) { return a.ts_ns < b.ts_ns; });
  }
  finish_set(t);
  return t;
}

}  // namespace tracediff::strace
