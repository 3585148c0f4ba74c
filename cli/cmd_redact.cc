// `redact`: an existing trace or strace log, redacted after the fact.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/redaction.h"
#include "input/input.h"

namespace tracediff::cli {
namespace {

struct RedactCommandArgs {
  std::string trace;
  std::string output;
  bool force = false;
  RedactArgs redaction;
};

void run_redact(const RedactCommandArgs& a, CommandResult& res) {
  redact::Redactor redactor(finish(a.redaction));
  std::vector<Warning> warnings;
  tracefile::TraceWriter::Options wo;
  wo.force = a.force;
  progress::Line line = progress_line();
  std::size_t n =
      input::redact_to_file(a.trace, a.output, wo, warnings, redactor, onto_terminal(a.output) ? nullptr : &line);
  print_warnings(warnings);
  if (a.output != "-") fmt::print(stderr, "tracediff: wrote {} events to {}\n", n, a.output);
  res.status = 0;
}

void add_redact(CLI::App& app, CommandResult& res) {
  auto a = std::make_shared<RedactCommandArgs>();
  CLI::App* c = app.add_subcommand("redact", "Write a copy of a trace (or strace log) with its credentials redacted");
  c->footer(
      "For a trace recorded with --no-redact, or made before redaction existed, or a strace log:\n"
      "the same rules as record and import apply (docs/redaction.md), and the header says so.\n" +
      std::string(kRedactFooter) +
      "A value already redacted stays as it is; a trace redacted again with another key says\n"
      "\"mixed\" in its header, and its digests compare with no other trace's.\n"
      "Examples:\n"
      "  tracediff redact local.trace -o shareable.trace\n"
      "  tracediff redact app.log -o app.trace.zst --redact --redact-pattern '^ACME_'");
  c->add_option("TRACE", a->trace, "trace file or strace log")->required();
  c->add_option("-o,--output", a->output, "trace file to write (.zst: compressed; -: stdout)")->required();
  c->add_flag("--force", a->force, "overwrite an existing output file");
  add_redact_options(c, a->redaction, false);
  c->callback([a, &res] { run_redact(*a, res); });
}

TRACEDIFF_COMMAND(25, add_redact);

}  // namespace
}  // namespace tracediff::cli
