// `diff`: what differs between a good and a bad trace, culprit first.
// This file decides what the libraries may not: the terminal's width,
// colour, the pager, where the report goes, and the exit status
// (diff(1): 0 no significant divergence, 1 divergences, 2 trouble).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "cli/commands.h"
#include "cli/output.h"
#include "alloc/alloc.h"
#include "diff/diff.h"
#include "normalize/normalize.h"
#include "report/report.h"
#include "input/input.h"
#include "tracefile/tracefile.h"

namespace tracediff::cli {

namespace {

struct DiffArgs {
  std::vector<std::string> traces;  ///< GOOD... BAD
  std::vector<std::string> good;   ///< every positional but the last: good runs
  std::string bad;                 ///< the last positional
  std::vector<std::string> more_bad;  ///< --bad

  std::string format = "text";
  std::string output;
  bool force = false;
  unsigned context = 3;
  unsigned width = 0;
  std::string color = "auto";
  bool no_pager = false;
  bool first = false;
  bool all = false;
  std::vector<std::string> keep;
  std::vector<std::string> rules;
};

/// Report width when nothing says otherwise (not a terminal, no COLUMNS):
/// wide enough for two columns of typical calls.
constexpr unsigned kDefaultWidth = 120;
/// Terminal height when the terminal does not say.
constexpr unsigned kDefaultRows = 24;

unsigned env_number(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return 0;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  return *end == '\0' && n > 0 && n < 100000 ? static_cast<unsigned>(n) : 0;
}

struct winsize terminal_size() {
  struct winsize ws {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0) ws = {};
  return ws;
}

/// --width, else $COLUMNS (as ls does), else the terminal's, else 120.
unsigned report_width(const DiffArgs& a, bool to_terminal) {
  if (a.width) return a.width;
  if (unsigned c = env_number("COLUMNS")) return c;
  if (to_terminal)
    if (unsigned c = terminal_size().ws_col) return c;
  return kDefaultWidth;
}

/// --color=always wins over NO_COLOR (https://no-color.org: a flag the
/// user typed overrides the environment); auto needs a terminal.
bool use_color(const DiffArgs& a, bool to_terminal) {
  if (a.color == "always") return true;
  if (a.color == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return to_terminal;
}

std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

/// The pager to use, as git chooses it: $PAGER, else "less -R"; an empty
/// PAGER or "cat" means none.
std::string pager_command() {
  const char* p = std::getenv("PAGER");
  if (!p) return "less -R";
  std::string s = p;
  if (s.find_first_not_of(" \t") == std::string::npos || s == "cat") return "";
  return s;
}

/// Shows `text` through the pager. Returns false when the pager could not
/// run at all (the caller then prints directly); a pager the user quits
/// early is not an error.
bool page(const std::string& cmd, const std::string& text) {
  // less without -R would show escapes as text; git sets the same default.
  setenv("LESS", "FRX", 0);
  std::fflush(stdout);
  FILE* p = popen(cmd.c_str(), "w");
  if (!p) return false;
  std::size_t written = std::fwrite(text.data(), 1, text.size(), p);
  int status = pclose(p);
  // sh exits 127 when the command does not exist (and read nothing).
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && written < text.size()) return false;
  return true;
}

/// Writes `text` to `path`, refusing to replace an existing file unless
/// `force`. The report never half-overwrites what the user had.
void write_file(const std::string& path, const std::string& text, bool force) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) {
    if (errno == EEXIST || errno == EISDIR) tracefile::refuse_existing_output(path);
    throw std::system_error(errno, std::generic_category(), path);
  }
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      throw std::system_error(e, std::generic_category(), path);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw std::system_error(errno, std::generic_category(), path);
}

void run_diff(const DiffArgs& a, CommandResult& res) {
  if (a.first && a.format != "text") throw InputError("--first goes with --format text");
  bool to_file = !a.output.empty() && a.output != "-";
  bool stdout_tty = isatty(STDOUT_FILENO) == 1;
  bool to_terminal = !to_file && stdout_tty;
  if (a.format == "html" && to_terminal)
    throw InputError("--format html writes a page: give -o FILE (or redirect standard output)");
  // Refuse before the work, not after it.
  struct stat st;
  if (to_file && ::stat(a.output.c_str(), &st) == 0 && (!a.force || S_ISDIR(st.st_mode)))
    tracefile::refuse_existing_output(a.output);

  diff::DiffOptions dopt;
  dopt.normalize.disabled.insert(a.keep.begin(), a.keep.end());
  for (const std::string& f : a.rules) {
    std::vector<normalize::RewriteRule> rs = normalize::read_rules_file(f);
    dopt.normalize.rewrites.insert(dopt.normalize.rewrites.end(), rs.begin(), rs.end());
  }
  dopt.force = a.force;
  // No raw trace whole in memory (diff_sources normalizes each event as it
  // is read, both sides at once); the normalized traces keep the warnings.
  // Each run is opened when it is read: the first good run is read once
  // for each other run compared with it. On a terminal, a progress line
  // counts the events read and the pairs aligned.
  progress::Line line = progress_line();
  dopt.progress = &line;
  diff::RunSources runs;
  auto opener = [](const std::string& f) {
    return [f]() -> std::unique_ptr<EventSource> { return input::open_any(f); };
  };
  // A file that cannot be read is said before any reading starts: the
  // sides are read at once, and an error on one waited for the other (a
  // pipe from a recording still running) to end.
  for (const std::string& f : a.good) input::check_source(f);
  input::check_source(a.bad);
  for (const std::string& f : a.more_bad) input::check_source(f);
  for (const std::string& f : a.good) runs.good.push_back(opener(f));
  runs.bad.push_back(opener(a.bad));
  for (const std::string& f : a.more_bad) runs.bad.push_back(opener(f));
  // Its peak is what a diff costs: freed memory goes back at once.
  alloc::release_memory_eagerly();
  diff::DiffResult r = diff::diff_runs(runs, dopt);
  print_warnings(r.good.warnings);
  print_warnings(r.bad.warnings);
  // The status is settled before any output, so a reader that goes away
  // (`| head`) still leaves the right exit status.
  res.status = r.has_significant() ? 1 : 0;

  report::ReportOptions ro;
  ro.context = a.context;
  ro.all = a.all;
  ro.first_only = a.first;
  ro.width = report_width(a, to_terminal);
  ro.color = !to_file && use_color(a, to_terminal);
  if (to_file && a.color == "always") ro.color = true;

  if (a.format == "json" && !to_file) {
    // Streamed: a report of many divergences is never held whole.
    diff::write_diff_json(r, [](std::string_view piece) { out(piece); });
    out_flush();
    return;
  }
  std::string text;
  if (a.format == "json") {
    text = diff::diff_to_json(r);
    if (text.empty() || text.back() != '\n') text.push_back('\n');
  } else if (a.format == "html") {
    text = report::render_html(r, ro);
  } else {
    text = report::render_text(r, ro);
  }

  if (to_file) {
    write_file(a.output, text, a.force);
    fmt::print(stderr, "tracediff: wrote the {} report to {}\n", a.format, a.output);
    return;
  }
  if (a.format == "text" && to_terminal && !a.no_pager) {
    struct winsize ws = terminal_size();
    unsigned rows = ws.ws_row ? ws.ws_row : env_number("LINES") ? env_number("LINES") : kDefaultRows;
    std::string cmd = pager_command();
    if (!cmd.empty() && count_lines(text) >= rows && page(cmd, text)) return;
  }
  out(text);
  out_flush();
}

void add_diff(CLI::App& app, CommandResult& res) {
  auto a = std::make_shared<DiffArgs>();
  CLI::App* c = app.add_subcommand("diff", "Compare good and bad traces; the most likely cause comes first");
  c->footer(
      "GOOD and BAD are traces (tracediff record) or strace logs (strace -f -o LOG ...).\n"
      "Several GOOD runs (all but the last trace; tracediff record --runs N makes them): what\n"
      "differs between them at a place is noise there (\"varies between good runs\"). --bad adds\n"
      "bad runs: what every bad run shows ranks above what only some show. Runs of another\n"
      "command are refused unless --force. What one side went on to do after a divergence (the\n"
      "calls that follow from a file found or missing, the error path, the exit) is folded under\n"
      "it as its consequences; --all lists them.\n"
      "Exit status: 0 no significant divergence, 1 divergences found, 2 trouble.\n"
      "Examples:\n"
      "  tracediff diff good.trace bad.trace\n"
      "  tracediff diff good.trace bad.trace --first          # only the most likely cause\n"
      "  tracediff diff good.trace bad.trace --format html -o report.html\n"
      "  tracediff diff good.1.trace good.2.trace good.3.trace bad.trace --bad bad2.trace\n"
      "  tracediff diff good.log bad.log --all -C 10 | less -R");
  // One list, split after parsing: CLI11 gives a list positional every
  // argument, leaving none for a positional after it.
  c->add_option("TRACES", a->traces,
                "GOOD... BAD: traces (or strace logs) from where it works (one or more runs), then from where "
                "it fails")
      ->required()
      ->expected(2, -1);
  c->add_option("--bad", a->more_bad, "one more bad run (repeatable)")
      ->check(CLI::ExistingFile)
      ->allow_extra_args(false);
  c->add_option("--format", a->format, "text, json or html")
      ->check(CLI::IsMember({"text", "json", "html"}))
      ->capture_default_str();
  c->add_option("-o,--output", a->output, "write the report to FILE instead of standard output");
  c->add_flag("--force", a->force, "overwrite an existing output file; compare runs of different commands");
  c->add_option("-C,--context", a->context, "rows of unchanged context around a divergence")->capture_default_str();
  c->add_option("--width", a->width, "columns of the text report (default: $COLUMNS, the terminal, 120)")
      ->check(CLI::Range(40u, 10000u));
  c->add_option("--color", a->color, "auto (colour on a terminal unless NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  c->add_flag("--no-pager", a->no_pager, "never page the text report ($PAGER, else less -R)");
  c->add_flag("--first", a->first, "print only the most likely cause");
  c->add_flag("--all", a->all, "show benign, insignificant and folded divergences too");
  // One value per flag, so that `--keep fds GOOD BAD` leaves the traces alone.
  c->add_option("--keep", a->keep, "keep what normalization RULE would remove (repeatable)")
      ->allow_extra_args(false);
  c->add_option("--rules", a->rules, "extra rewrite rules from FILE (repeatable)")
      ->check(CLI::ExistingFile)
      ->allow_extra_args(false);
  c->callback([a, &res] {
    a->good.assign(a->traces.begin(), a->traces.end() - 1);
    a->bad = a->traces.back();
    run_diff(*a, res);
  });
}

TRACEDIFF_COMMAND(50, add_diff);

}  // namespace

}  // namespace tracediff::cli
