// `record`: run a command (or attach to processes) under the ptrace recorder.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/redaction.h"
#include "record/record.h"
#include "record/syscalls.h"
#include "model/errors.h"
#include "tracefile/tracefile.h"
#ifdef TRACEDIFF_HAVE_EBPF
#include "record/ebpf/recorder.h"
#endif

namespace tracediff::cli {
namespace {

// The eBPF backend, or why it cannot be used here ("" when it can).
std::string ebpf_unavailable() {
#ifdef TRACEDIFF_HAVE_EBPF
  return record::ebpf_unavailable_reason();
#else
  return "this tracediff was built without it (libbpf-dev, bpftool and clang were missing)";
#endif
}

record::RecordOutcome record_with(const record::RecordOptions& o) {
  record::Backend b = o.backend;
  if (b == record::Backend::Auto) {
    std::string why = ebpf_unavailable();
    b = why.empty() ? record::Backend::Ebpf : record::Backend::Ptrace;
    fmt::print(stderr, "tracediff: record: backend {}{}\n", b == record::Backend::Ebpf ? "ebpf" : "ptrace",
               why.empty() ? "" : " (eBPF: " + why + ")");
  }
  if (b == record::Backend::Ptrace) return record::run(o);
#ifdef TRACEDIFF_HAVE_EBPF
  return record::record_ebpf(o);
#else
  throw InputError("record: --backend ebpf: " + ebpf_unavailable() + "; --backend ptrace works without it");
#endif
}

void run_record(const record::RecordOptions& o, CommandResult& res) {
  record::RecordOutcome r = record_with(o);
  fmt::print(stderr, "tracediff: recorded {} events to {}\n", r.events, r.output);
  for (const std::string& n : r.notes) fmt::print(stderr, "tracediff: note: {}\n", n);
  res.status = r.exit_status;
}

/// The file of run `k` (from 1) of `output`: the number goes before the
/// extension (good.trace -> good.2.trace, good.trace.zst -> good.2.trace.zst,
/// good -> good.2), so every run keeps the kind of file that was asked for.
std::string run_file(const std::string& output, unsigned k) {
  std::size_t slash = output.rfind('/');
  std::size_t base = slash == std::string::npos ? 0 : slash + 1;
  std::size_t dot = output.find(".trace", base);
  if (dot == std::string::npos || dot == base) dot = output.size();
  return output.substr(0, dot) + "." + std::to_string(k) + output.substr(dot);
}

/// --runs N: the same command N times, into N files, each checked before
/// the first run starts (nothing existing is overwritten without --force).
/// The status is the first failing run's, else 0.
void run_records(const record::RecordOptions& o, unsigned runs, CommandResult& res) {
  if (!o.attach.empty()) throw InputError("record: --runs records a command, not -p (a process runs once)");
  if (o.output.empty() || o.output == "-") throw InputError("record: --runs needs -o FILE (the runs go to FILE.1, FILE.2, ...)");
  std::vector<std::string> files;
  for (unsigned k = 1; k <= runs; ++k) files.push_back(run_file(o.output, k));
  for (const std::string& f : files) tracefile::check_can_create(f, {.force = o.force});
  int status = 0;
  for (const std::string& f : files) {
    record::RecordOptions one = o;
    one.output = f;
    CommandResult r;
    run_record(one, r);
    if (status == 0) status = r.status;
  }
  res.status = status;
}

void add_record(CLI::App& app, CommandResult& res) {
  auto o = std::make_shared<record::RecordOptions>();
  auto no_follow = std::make_shared<bool>(false);
  CLI::App* c = app.add_subcommand("record", "Record the system calls of a command or of running processes");
  c->footer(
      "Follows every fork, thread and exec. Exits with the command's status (128+N when killed\n"
      "by signal N). The trace holds the command's environment and data: it is created mode 0600.\n"
      + std::string(kRedactFooter) +
      "--redact also replaces every data buffer; --no-redact keeps everything. It is created only once\n"
      "tracing started: a -p that cannot be attached leaves no file (and an existing one, with\n"
      "--force, as it was); the -p already attached are detached, left running. The error says\n"
      "why when it can: another tracer holds the process, it is another user's, or Yama forbids.\n"
      "Filtering: for a launched command only the selected calls stop it (seccomp-bpf); by default\n"
      "everything but memory management, futex, clock/time, signal-mask and scheduling calls.\n"
      "-p cannot use seccomp (a filter cannot be added to a running process): every call stops and\n"
      "is filtered in the recorder, so -p costs more. --no-follow also disables the filter.\n"
      "A program that installs a seccomp filter of its own is from then on stopped at every call\n"
      "(its filter's denials would hide calls from ours); what the recording could not see, or saw\n"
      "that way, is counted in the header and printed as notes by record, show, diff and explain.\n"
      "Ctrl-C / SIGTERM: with -p, detach and leave the processes running. With a command, pass\n"
      "the signal to it; with --all then detach (as strace does), else record until it ends (a\n"
      "seccomp filter cannot be removed), a second signal killing it. The trace stays valid.\n"
      "--backend ebpf: a kernel program copies the calls out and the command runs on unstopped\n"
      "(a few percent of its time instead of several times it; needs root or CAP_BPF+CAP_PERFMON\n"
      "and a kernel with BTF). What it cannot keep up with is dropped, counted in the header and\n"
      "shown by show and diff. --backend auto: eBPF where possible, else ptrace (docs/record.md).\n"
      "Examples:\n"
      "  tracediff record -o good.trace -- ./app --port 8080\n"
      "  tracediff record -p 1234 -o server.trace\n"
      "  tracediff record -e trace=%file,%network -- make\n"
      "  tracediff record --runs 3 -o good.trace -- ./app   # good.1.trace good.2.trace good.3.trace\n"
      "--runs N records the command N times, one after the other, into N files named after -o with\n"
      "the run's number before the extension; all are checked before the first run (none is\n"
      "overwritten without --force). Exit status: the first failing run's. Give them all to\n"
      "tracediff diff GOOD... BAD: what varies between them is learned as noise.");
  c->add_option("-o,--output", o->output, "trace file (.zst: compressed; default: CMD-HOST.trace)");
  c->add_option("-p,--pid", o->attach, "attach to this process and all its threads (repeatable; a thread id means its process)")->allow_extra_args(false);
  c->add_option("--content-size", o->content_size,
                "bytes of each regular file's content kept over its reads (0: only -s)")
      ->check(kByteCount)
      ->type_name("BYTES")
      ->capture_default_str();
  c->add_option("-s,--string-size", o->data_size, "bytes of read/write/send/recv data kept")
      ->check(kByteCount)
      ->type_name("BYTES")
      ->capture_default_str();
  c->add_option("-e", o->trace_set,
                "trace=SET: names and classes (%file %process %network %fd %creds %memory %signal)")
      ->allow_extra_args(false);
  c->add_flag("--all", o->all, "trace every call (no filter)");
  c->add_option("--backend", o->backend, "ptrace (default), ebpf, or auto (ebpf when available, else ptrace)")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, record::Backend>{{"ptrace", record::Backend::Ptrace}, {"ebpf", record::Backend::Ebpf}, {"auto", record::Backend::Auto}},
          CLI::ignore_case))
      ->type_name("BACKEND");
  c->add_flag("--no-follow", *no_follow, "do not follow forks and threads");
  auto redaction = std::make_shared<RedactArgs>();
  add_redact_options(c, *redaction);
  c->add_flag("--force", o->force, "overwrite an existing output file");
  auto runs = std::make_shared<unsigned>(1);
  c->add_option("--runs", *runs, "record the command N times into N files (FILE.1.trace, ...; needs -o)")
      ->check(CLI::Range(1u, 1000u))
      ->type_name("N");
  auto list_excluded = std::make_shared<bool>(false);
  c->add_flag("--list-default-excluded", *list_excluded,
              "print the calls the default set leaves out (for strace -e trace=!LIST) and exit");
  c->add_option("COMMAND", o->command, "command to run (after --)");
  c->callback([o, no_follow, list_excluded, runs, redaction, &res] {
    if (*list_excluded) {
      std::string out;
      for (const std::string& n : record::detail::default_excluded_syscalls())
        if (syscall_number(n) >= 0) out += (out.empty() ? "" : ",") + n;
      fmt::print("{}\n", out);
      return;
    }
    o->follow = !*no_follow;
    o->redaction = finish(*redaction);
    if (*runs > 1) run_records(*o, *runs, res);
    else run_record(*o, res);
  });
}

TRACEDIFF_COMMAND(10, add_record);

}  // namespace
}  // namespace tracediff::cli
