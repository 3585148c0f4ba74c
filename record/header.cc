// What both recorders (ptrace and eBPF) write the same way: the header's
// common part and the output file's name.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <filesystem>

#include "record/internal.h"
#include "record/syscalls.h"
#include "tracefile/tracefile.h"

namespace tracediff::record::detail {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

Header recording_header(const RecordOptions& opt, std::string_view source, std::size_t data_size) {
  Header h;
  h.source = std::string(source);
  h.created = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
  h.command = opt.command;
  h.attached = opt.attach;
  h.time_base = "epoch";
  h.host = snapshot_host();
  if (!opt.attach.empty()) h.host.env = proc_environ(opt.attach[0]);
  h.options["data_size"] = fmt::format("{}", data_size);
  h.options["content_size"] = fmt::format("{}", opt.content_size);
  h.options["follow"] = opt.follow ? "true" : "false";
  std::string set = joined(opt.trace_set);
  h.options["trace"] = opt.all ? "all" : set.empty() ? "default" : set;
  // Say what the default set leaves out, so a reader knows an absent
  // futex means "not recorded", not "not made".
  if (!opt.all && set.empty()) h.options["not_traced"] = joined(default_excluded_syscalls());
  return h;
}

std::string choose_output(const RecordOptions& opt, const Header& h) {
  std::string output = opt.output;
  if (output.empty()) {
    std::string base = !opt.command.empty() ? std::filesystem::path(opt.command[0]).filename().string()
                                            : fmt::format("pid{}", opt.attach[0]);
    output = fmt::format("{}-{}.trace", base, h.host.hostname.value_or("host"));
  }
  // Refuse an output that cannot be written before touching any process;
  // the file itself is created only once tracing has started, so that a
  // failed attach or launch neither leaves a header-only file nor, with
  // --force, truncates the one that was there.
  tracefile::TraceWriter::Options wo;
  wo.force = opt.force;
  tracefile::check_can_create(output, wo);
  return output;
}

}  // namespace tracediff::record::detail
