// `import` and `show`: the commands that need only the trace model.
#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <set>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/redaction.h"
#include "display/format.h"
#include "model/coverage.h"
#include "input/input.h"
#include "tracefile/tracefile.h"
#include "strace/strace.h"

namespace tracediff::cli {

progress::Line progress_line() {
  progress::LineOptions o;
  o.fd = STDERR_FILENO;
  o.terminal = ::isatty(STDERR_FILENO) == 1;
  if (const char* v = std::getenv(kProgressDelayEnv); v && *v) {
    // Whole or decimal seconds; anything else is said once and the
    // default kept (a progress line is not worth refusing to run).
    char* end = nullptr;
    errno = 0;
    double s = std::strtod(v, &end);
    if (*end == '\0' && errno == 0 && s >= 0 && s <= 86400)
      o.delay = std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000));
    else
      fmt::print(stderr, "tracediff: warning: {}={}: not a number of seconds; the progress line waits {} s\n",
                 kProgressDelayEnv, v, o.delay.count() / 1000);
  }
  return progress::Line(o);
}

bool onto_terminal(const std::string& path) { return path == "-" && ::isatty(STDOUT_FILENO) == 1; }

void write_trace(const std::string& path, const Trace& t, tracefile::TraceWriter::Options opt, progress::Meter& meter) {
  std::string what = "writing " + path;
  std::uint64_t n = 0;
  std::function<void()> each;
  if (!onto_terminal(path)) each = [&] { meter.update(what, ++n, t.events.size(), "events"); };
  tracefile::write_trace(path, t, opt, each);
  meter.finish();
}

void print_warnings(const std::vector<Warning>& ws) {
  for (const Warning& w : ws) {
    if (w.line) fmt::print(stderr, "tracediff: warning: {}:{}: {}\n", w.file, w.line, w.message);
    else fmt::print(stderr, "tracediff: warning: {}: {}\n", w.file, w.message);
  }
}

namespace {

struct ImportArgs {
  std::vector<std::string> logs;
  std::string output;
  bool force = false;
  RedactArgs redaction;
};

struct ShowArgs {
  std::string trace;
  std::vector<std::int32_t> pids;
  std::vector<std::string> syscalls;
  bool failed = false;
  bool time = false;
  std::size_t string_size = 32;
  bool header = false;
};

void run_import(const ImportArgs& a, CommandResult& res) {
  redact::Redactor redactor(finish(a.redaction));
  if (a.logs.size() == 1 && a.logs[0] != "-" && input::sniff(a.logs[0]) == input::FileKind::StraceLog) {
    // Streamed: a log of millions of lines never sits in memory whole.
    std::vector<Warning> warnings;
    tracefile::TraceWriter::Options wo;
    wo.force = a.force;
    progress::Line line = progress_line();
    std::size_t n = input::import_strace_to_file(a.logs[0], a.output, wo, warnings, redactor,
                                                   onto_terminal(a.output) ? nullptr : &line);
    print_warnings(warnings);
    if (a.output != "-") fmt::print(stderr, "tracediff: wrote {} events to {}\n", n, a.output);
    res.status = 0;
    return;
  }
  progress::Line line = progress_line();
  Trace t = a.logs.size() == 1 ? input::load_any(a.logs[0], &line) : input::load_set(a.logs, &line);
  print_warnings(t.warnings);
  redactor.header(t.header);
  for (Event& e : t.events) redactor.event(e);
  tracefile::TraceWriter::Options wo;
  wo.force = a.force;
  write_trace(a.output, t, wo, line);
  if (a.output != "-")
    fmt::print(stderr, "tracediff: wrote {} events to {}\n", t.events.size(), a.output);
  res.status = 0;
}

void run_show(const ShowArgs& a, CommandResult& res) {
  // Gone before the first event is printed (load_any finishes it).
  progress::Line line = progress_line();
  Trace t = input::load_any(a.trace, &line);
  print_warnings(t.warnings);
  if (std::string l = describe_losses(t.header); !l.empty())
    fmt::print(stderr, "tracediff: warning: {}: {}\n", a.trace, l);
  // What the recording could not see, before what it saw: a call missing
  // below may be one it could not see.
  for (const std::string& n : recording_notes(t.header)) fmt::print(stderr, "tracediff: note: {}: {}\n", a.trace, n);
  // Not a note: notes say what a recording could not see.
  if (std::string n = redact::redaction_note(t.header); !n.empty())
    fmt::print(stderr, "tracediff: {}{}: {}\n", redact::redaction_of(t.header).level == redact::Level::None ? "warning: " : "",
               a.trace, n);
  std::set<std::int32_t> pids(a.pids.begin(), a.pids.end());
  std::set<std::string> names(a.syscalls.begin(), a.syscalls.end());
  display::FormatOptions fo;
  fo.max_string = a.string_size;
  fo.show_time = a.time;
  if (a.header) out(tracefile::header_to_json(t.header) + "\n");
  std::string buf;
  for (const Event& e : t.events) {
    if (!pids.empty() && !pids.count(e.tid) && !pids.count(e.pid)) continue;
    if (!names.empty() && !names.count(e.name)) continue;
    if (a.failed && !(e.type == EventType::Syscall && e.result.failed())) continue;
    buf += display::format_event(e, fo);
    buf.push_back('\n');
    // -k frames, as strace prints them under the call.
    for (const std::string& f : e.stack) {
      buf += " > ";
      buf += f;
      buf.push_back('\n');
    }
    if (buf.size() > 65536) {
      out(buf);
      buf.clear();
    }
  }
  out(buf);
  out_flush();
  res.status = 0;
}

void add_import(CLI::App& app, CommandResult& res) {
  auto a = std::make_shared<ImportArgs>();
  CLI::App* c = app.add_subcommand("import", "Convert a strace log into a tracediff trace");
  c->footer(
      "LOG is what `strace -f -o LOG CMD` wrote (any strace from 4.x on, any of -t/-tt/-ttt/-r/-T/\n"
      "-y/-yy/-X/-k/-v). Give several LOG.<pid> files of `strace -ff` to import them as one trace.\n"
      "A line that cannot be parsed is kept as an 'unparsed' event and reported; the import goes on.\n"
      + std::string(kRedactFooter) +
      "A log itself holds everything in clear: share the trace, not the log.\n"
      "Example: strace -f -v -s 4096 -o app.log ./app; tracediff import app.log -o app.trace");
  c->add_option("LOG", a->logs, "strace log file(s)")->required()->check(CLI::ExistingFile);
  c->add_option("-o,--output", a->output, "trace file to write (.zst: compressed; -: stdout)")->required();
  c->add_flag("--force", a->force, "overwrite an existing output file");
  add_redact_options(c, a->redaction);
  c->callback([a, &res] { run_import(*a, res); });
}

void add_show(CLI::App& app, CommandResult& res) {
  auto a = std::make_shared<ShowArgs>();
  CLI::App* c = app.add_subcommand("show", "Print a trace (or strace log) one event per line, strace-style");
  c->footer(
      "Examples:\n"
      "  tracediff show app.trace --failed            # every failing call\n"
      "  tracediff show app.trace --syscall openat --pid 1234");
  c->add_option("TRACE", a->trace, "trace file or strace log")->required();
  c->add_option("--pid", a->pids, "only events of these pids/tids (repeatable)");
  c->add_option("--syscall", a->syscalls, "only these calls or events (repeatable)");
  c->add_flag("--failed", a->failed, "only calls that failed (returned an errno)");
  c->add_flag("-t,--time", a->time, "show timestamps");
  c->add_option("-s,--string-size", a->string_size, "show at most N bytes of data (0: all)")
      ->check(kByteCount)
      ->type_name("BYTES")
      ->capture_default_str();
  c->add_flag("--header", a->header, "print the header (as JSON) first");
  c->callback([a, &res] { run_show(*a, res); });
}

TRACEDIFF_COMMAND(20, add_import);
TRACEDIFF_COMMAND(30, add_show);

}  // namespace

}  // namespace tracediff::cli
