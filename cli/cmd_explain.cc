// `explain`: the article's formula on one trace (explain/explain.h).
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "explain/explain.h"
#include "input/input.h"
#include "tracefile/tracefile.h"

namespace tracediff::cli {
namespace {

struct ExplainArgs {
  std::vector<std::string> traces;
  std::string message;
  std::string format = "text";
  std::size_t string_size = 64;
};

void run_explain(const ExplainArgs& a, CommandResult& res) {
  // Several files: the LOG.<pid> set `strace -ff -o LOG` writes.
  progress::Line line = progress_line();
  Trace t = a.traces.size() == 1 ? input::load_any(a.traces[0], &line) : input::load_set(a.traces, &line);
  print_warnings(t.warnings);
  explain::ExplainOptions opt;
  if (!a.message.empty()) opt.message = a.message;
  opt.max_string = a.string_size;
  explain::Explanation x = explain::run(t, opt);
  out(a.format == "json" ? explain::explanation_to_json(x, a.traces[0]) : explain::render_explanation_text(x, a.traces[0]));
  out_flush();
  res.status = x.found ? 0 : 1;
}

void add_explain(CLI::App& app, CommandResult& res) {
  auto a = std::make_shared<ExplainArgs>();
  CLI::App* c = app.add_subcommand("explain", "Trace one failure back from its error message to the call that failed");
  c->footer(
      "Finds the error message (the last write to stderr or a terminal before a non-zero exit, or the\n"
      "write carrying --message TEXT), works upward to the failing call that explains it, skipping\n"
      "lookups that later succeed, and follows a message read from a socket or pipe to the process that\n"
      "wrote it when that process is in the trace. Exit status: 0 cause found, 1 none, 2 trouble.\n"
      "Examples:\n"
      "  tracediff explain bad.trace\n"
      "  strace -f -o app.log ./app; tracediff explain app.log --format json\n"
      "  strace -ff -o app ./app; tracediff explain app.*\n"
      "  tracediff explain server.trace --message 'Could not create temporary file'");
  c->add_option("TRACE", a->traces, "trace file or strace log (several: a strace -ff set)")->required();
  c->add_option("--message", a->message, "the error message to explain (default: the last one on stderr)");
  c->add_option("--format", a->format, "text or json (docs/explain-format.md)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  c->add_option("-s,--string-size", a->string_size, "show at most N bytes of data in calls (0: all)")
      ->check(kByteCount)
      ->type_name("BYTES")
      ->capture_default_str();
  c->callback([a, &res] { run_explain(*a, res); });
}

TRACEDIFF_COMMAND(60, add_explain);

}  // namespace
}  // namespace tracediff::cli
