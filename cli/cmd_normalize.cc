// `normalize`: a trace with run-to-run noise removed (normalize/).
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "normalize/normalize.h"
#include "input/input.h"
#include "tracefile/tracefile.h"

namespace tracediff::cli {
namespace {

struct NormalizeArgs {
  std::string trace;
  std::string output = "-";
  std::vector<std::string> rules_files;
  std::vector<std::string> keep;
  bool list = false;
  bool force = false;
};

void run_normalize(const NormalizeArgs& a, CommandResult& res) {
  if (a.list) {
    for (const auto& [name, desc] : normalize::list_rules()) fmt::print("{:<10} {}\n", name, desc);
    res.status = 0;
    return;
  }
  if (a.trace.empty()) throw InputError("normalize: a TRACE is required (or --list-rules)");
  normalize::NormalizeOptions opt;
  for (const std::string& k : a.keep) opt.disabled.insert(k);
  for (const std::string& f : a.rules_files) {
    std::vector<normalize::RewriteRule> r = normalize::read_rules_file(f);
    opt.rewrites.insert(opt.rewrites.end(), r.begin(), r.end());
  }
  progress::Line line = progress_line();
  Trace t = input::load_any(a.trace, &line);
  print_warnings(t.warnings);
  normalize::normalize_in_place(t, opt);
  tracefile::TraceWriter::Options wo;
  wo.force = a.force;
  write_trace(a.output, t, wo, line);
  res.status = 0;
}

void add_normalize(CLI::App& app, CommandResult& res) {
  auto a = std::make_shared<NormalizeArgs>();
  CLI::App* c = app.add_subcommand("normalize", "Remove run-to-run noise from a trace (what diff compares)");
  c->footer(
      "Rules run in order and each can be kept off with --keep RULE (see --list-rules).\n"
      "A rules file adds rewrites, one per line: `path REGEX REPLACEMENT` or `string REGEX REPLACEMENT`\n"
      "(docs/normalize-rules.md).\n"
      "Example: tracediff normalize app.trace --rules site.rules -o app.norm.trace");
  c->add_option("TRACE", a->trace, "trace file or strace log");
  c->add_option("-o,--output", a->output, "trace file to write (.zst: compressed; -: stdout)")->capture_default_str();
  c->add_option("--rules", a->rules_files, "rules file with path/string rewrites (repeatable)")
      ->check(CLI::ExistingFile);
  c->add_option("--keep", a->keep, "leave RULE's noise in (repeatable)");
  c->add_flag("--list-rules", a->list, "print the built-in rules and exit");
  c->add_flag("--force", a->force, "overwrite an existing output file");
  c->callback([a, &res] {
    for (const std::string& k : a->keep) {
      bool known = false;
      for (const auto& [name, desc] : normalize::list_rules()) known = known || name == k;
      if (!known) throw CLI::ValidationError("--keep", fmt::format("unknown rule '{}' (see --list-rules)", k));
    }
    run_normalize(*a, res);
  });
}

TRACEDIFF_COMMAND(40, add_normalize);

}  // namespace

}  // namespace tracediff::cli
