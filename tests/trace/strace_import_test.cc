// Unit tests of the strace importer's contract: detection, the fields the
// later stages rely on (types, paths, errno numbers, process table), and
// robustness against broken lines.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <thread>

#include "tests/trace/test_util.h"
#include "display/format.h"
#include "input/input.h"
#include "tracefile/tracefile.h"
#include "strace/strace.h"

namespace tracediff {
namespace {

using testing::TempDir;

const Event& only_call(const Trace& t) {
  for (const Event& e : t.events)
    if (e.type == EventType::Syscall) return e;
  throw std::runtime_error("no call");
}

TEST(LooksLikeStrace, AcceptsEveryPrefixStyle) {
  const char* logs[] = {
      "strace: Process 1234 attached\n[pid  1234] read(0, \"\", 1) = 0\n",
      "execve(\"/bin/true\", [\"true\"], 0x7ffd /* 1 var */) = 0\n",
      "1234  openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No such file or directory)\n",
      "[pid  1234] 12:00:00.123456 close(3) = 0\n",
      "1234<sh> close(3) = 0\n",
      "     0.000000 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 1 var */) = 0\n",
      "1700000000.123456789 getpid() = 4\n",
      "\x1b[32m[pid  1234]\x1b[0m close(3) = 0\n",
      "+++ exited with 0 +++\n",
      "read(3,  <unfinished ...>\n",
  };
  for (const char* l : logs) EXPECT_TRUE(strace::looks_like_strace(l)) << l;
}

TEST(LooksLikeStrace, AcceptsALogWithSomeForeignLines) {
  EXPECT_TRUE(strace::looks_like_strace("close(3) = 0\nsome output of the program\n"));
  EXPECT_FALSE(strace::looks_like_strace("close(3) = 0\nnot\nstrace\n"));
}

TEST(LooksLikeStrace, RejectsTextAndJson) {
  const char* texts[] = {
      "hello world\nthis is a README (see below) = fine\n",
      "{\"tracediff\":{\"format\":\"1.0\"}}\n{\"type\":\"syscall\"}\n",
      "[1, 2, 3]\n",
      "# comment\nfoo = bar\n",
      "",
  };
  for (const char* t : texts) EXPECT_FALSE(strace::looks_like_strace(t)) << t;
}

TEST(Sniff, DetectsStraceLogByContent) {
  TempDir d;
  EXPECT_EQ(input::sniff(d.write("a.txt", "strace: Process 9 attached\n[pid     9] close(3) = 0\n")), input::FileKind::StraceLog);
  EXPECT_EQ(input::sniff(d.write("b.txt", "just some text\n")), input::FileKind::Unknown);
}

TEST(Import, TypesPathsFdsAndErrno) {
  Trace t = strace::import_strace_text("7 openat(AT_FDCWD</home/u>, \"conf/x.ini\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)\n",
                               "t");
  const Event& e = only_call(t);
  ASSERT_EQ(e.args.size(), 3u);
  EXPECT_EQ(e.args[0].kind, ArgKind::Fd);
  EXPECT_EQ(e.args[0].raw, -100);
  EXPECT_EQ(e.args[0].ref, "/home/u");
  EXPECT_EQ(e.args[1].kind, ArgKind::Path);
  EXPECT_EQ(e.args[1].str, "conf/x.ini");
  EXPECT_EQ(e.args[1].abs, "/home/u/conf/x.ini");
  EXPECT_EQ(e.args[2].kind, ArgKind::Flags);
  EXPECT_EQ(e.result.value, -1);
  EXPECT_EQ(e.result.err, "ENOENT");
  EXPECT_EQ(e.result.errnum, 2);
  EXPECT_EQ(e.result.note, "No such file or directory");
  EXPECT_TRUE(e.result.failed());
  EXPECT_EQ(e.tid, 7);
  EXPECT_EQ(e.pid, 7);
  EXPECT_EQ(e.line, 1u);
}

TEST(Import, RelativePathWithoutKnownCwdHasNoAbs) {
  Trace t = strace::import_strace_text("open(\"rel\", O_RDONLY) = 3\n", "t");
  EXPECT_EQ(only_call(t).args[0].kind, ArgKind::Path);
  EXPECT_EQ(only_call(t).args[0].abs, "");
}

TEST(Import, CloseParenEqualsInsideStringDoesNotEndTheCall) {
  Trace t = strace::import_strace_text("1 write(1, \"a) = 5 \\\"b\", 9) = 9\n", "t");
  const Event& e = only_call(t);
  ASSERT_EQ(e.args.size(), 3u);
  EXPECT_EQ(e.args[1].str, "a) = 5 \"b");
  EXPECT_EQ(e.result.value, 9);
}

TEST(Import, BadLinesBecomeUnparsedWithOneWarning) {
  Trace t = strace::import_strace_text("1 close(3) = 0\ngarbage\n1 close(4) = 0\nmore garbage (\n1 close(5) = 0\n", "bad.log");
  int unparsed = 0;
  for (const Event& e : t.events)
    if (e.type == EventType::Unparsed) {
      ++unparsed;
      EXPECT_FALSE(e.raw.empty());
    }
  EXPECT_EQ(unparsed, 2);
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_EQ(t.warnings[0].message, "2 lines could not be parsed (first at line 2)");
  EXPECT_EQ(t.warnings[0].line, 2u);
  EXPECT_EQ(t.warnings[0].file, "bad.log");
}

TEST(Import, ProcessTableFromForksThreadsAndExits) {
  Trace t = strace::import_strace_text(
      "100 execve(\"/bin/sh\", [\"sh\"], 0x1 /* 1 var */) = 0\n"
      "100 clone(child_stack=NULL, flags=CLONE_VM|CLONE_THREAD|CLONE_SIGHAND, child_tidptr=0x1) = 101\n"
      "100 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x1) = 102\n"
      "101 getpid() = 100\n"
      "102 execve(\"/bin/false\", [\"false\"], 0x1 /* 1 var */) = 0\n"
      "102 +++ exited with 1 +++\n"
      "100 +++ killed by SIGTERM +++\n",
      "t");
  EXPECT_EQ(t.header.command, (std::vector<std::string>{"sh"}));
  EXPECT_EQ(t.header.source, "strace");
  EXPECT_FALSE(t.header.host.hostname.has_value());
  ProcessTable pt = build_process_table(t);
  const Process* p100 = pt.find(100);
  const Process* p102 = pt.find(102);
  ASSERT_TRUE(p100 && p102);
  EXPECT_EQ(pt.find(101), nullptr);  // a thread, not a process
  EXPECT_EQ(p100->threads, (std::vector<std::int32_t>{101}));
  EXPECT_EQ(p100->children, (std::vector<std::int32_t>{102}));
  EXPECT_EQ(p102->ppid, 100);
  ASSERT_EQ(p102->execs.size(), 1u);
  EXPECT_EQ(p102->execs[0].path, "/bin/false");
  EXPECT_EQ(p102->exit.describe(), "exited 1");
  EXPECT_EQ(p100->exit.describe(), "killed by SIGTERM");
  for (const Event& e : t.events) {
    if (e.tid == 101) {
      EXPECT_EQ(e.pid, 100);
    }
  }
}

// strace can print a new child's first calls before its parent's
// "<... clone resumed>" line (the child ran first). The child is still the
// parent's copy then: its relative paths resolve against the parent's cwd
// and its dirfds against the parent's fds, and what it changes itself
// (a chdir) is not undone when the clone's result arrives.
const Event& call_of(const Trace& t, std::int32_t tid, std::string_view name, int nth = 0) {
  for (const Event& e : t.events)
    if (e.type == EventType::Syscall && e.tid == tid && e.name == name && nth-- == 0) return e;
  throw std::runtime_error("no such call");
}

TEST(Import, ChildSeenBeforeItsCloneReturnsHasItsParentsCwdAndFds) {
  Trace t = strace::import_strace_text(
      "10 chdir(\"/srv/app\") = 0\n"
      "10 openat(AT_FDCWD, \"/etc\", O_RDONLY|O_DIRECTORY) = 3\n"
      "10 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>\n"
      "11 newfstatat(AT_FDCWD, \"../a/b\", {st_mode=S_IFREG|0644, st_size=0, ...}, 0) = 0\n"
      "11 openat(3, \"passwd\", O_RDONLY) = 4\n"
      "11 chdir(\"/tmp\") = 0\n"
      "10 <... clone resumed>, child_tidptr=0x7f1) = 11\n"
      "11 openat(AT_FDCWD, \"x\", O_RDONLY) = 5\n"
      "10 openat(AT_FDCWD, \"y\", O_RDONLY) = 4\n",
      "t");
  EXPECT_EQ(call_of(t, 11, "newfstatat").args[1].abs, "/srv/a/b");
  EXPECT_EQ(call_of(t, 11, "openat").args[1].abs, "/etc/passwd");
  EXPECT_EQ(call_of(t, 11, "openat", 1).args[1].abs, "/tmp/x");  // its own chdir holds
  EXPECT_EQ(call_of(t, 10, "openat", 1).args[1].abs, "/srv/app/y");
  ProcessTable pt = build_process_table(t);
  ASSERT_TRUE(pt.find(11));
  EXPECT_EQ(pt.find(11)->ppid, 10);
}

TEST(Import, ThreadSeenBeforeItsCloneReturnsJoinsItsProcess) {
  Trace t = strace::import_strace_text(
      "10 chdir(\"/srv\") = 0\n"
      "10 clone(child_stack=0x7f, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM <unfinished ...>\n"
      "12 openat(AT_FDCWD, \"data\", O_RDONLY) = 3\n"
      "10 <... clone resumed>, parent_tid=[12], tls=0x7f, child_tidptr=0x7f) = 12\n",
      "t");
  const Event& e = call_of(t, 12, "openat");
  EXPECT_EQ(e.args[1].abs, "/srv/data");
  EXPECT_EQ(e.pid, 10);
}

TEST(Import, NewTaskDuringTwoClonesFromDifferentCwdsStaysUnresolved) {
  // Two tasks are in clone at once from different directories: which one
  // the new task came from is not known until a clone returns.
  Trace t = strace::import_strace_text(
      "10 chdir(\"/a\") = 0\n"
      "20 chdir(\"/b\") = 0\n"
      "10 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>\n"
      "20 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>\n"
      "11 openat(AT_FDCWD, \"x\", O_RDONLY) = 3\n"
      "10 <... clone resumed>, child_tidptr=0x1) = 11\n"
      "20 <... clone resumed>, child_tidptr=0x1) = 21\n",
      "t");
  EXPECT_EQ(call_of(t, 11, "openat").args[1].abs, "");
}

TEST(Import, UnprefixedFirstProcessGetsItsPid) {
  Trace t = strace::import_strace_text(
      "execve(\"/bin/sh\", [\"sh\"], 0x1 /* 1 var */) = 0\n"
      "clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x1) = 51\n"
      "[pid    51] exit_group(0) = ?\n"
      "[pid    50] wait4(-1, NULL, 0, NULL) = 51\n",
      "t");
  for (const Event& e : t.events) EXPECT_NE(e.tid, 0) << display::format_event(e);
  EXPECT_EQ(t.events[0].tid, 50);
}

TEST(Import, FfSetMergesByTimeAndTakesPidFromSuffix) {
  TempDir d;
  d.write("log.20", "10:00:00.000001 clone(child_stack=NULL, flags=SIGCHLD) = 21\n10:00:00.000009 exit_group(0) = ?\n");
  d.write("log.21", "10:00:00.000005 getpid() = 21\n");
  Trace t = strace::import_strace_set({d.file("log.21"), d.file("log.20")});
  std::vector<std::string> order;
  for (const Event& e : t.events) order.push_back(std::to_string(e.tid) + ":" + e.name);
  EXPECT_EQ(order, (std::vector<std::string>{"20:clone", "20:spawn", "21:getpid", "20:exit_group"}));
  EXPECT_EQ(t.header.time_base, "time-of-day");
}

TEST(Import, LoadAnyTakesFfPrefix) {
  TempDir d;
  d.write("run.7", "close(1) = 0\n");
  d.write("run.8", "close(2) = 0\n");
  Trace t = input::load_any(d.file("run"));
  ASSERT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.events[0].tid, 7);
  EXPECT_EQ(t.events[1].tid, 8);
}

TEST(Import, NeverThrowsOnHostileInput) {
  std::string deep(10000, '[');
  const char* inputs[] = {"(", ")", "x(", "x() =", "x() = ", "x(\"", "<... x resumed>", "--- ---", "+++ +++",
                          "[pid", "[pid 1", "1<", "\"\\", "x(3<", "x({a=[{b=", "12:", "1.", " > "};
  for (const char* in : inputs) EXPECT_NO_THROW(strace::import_strace_text(in, "t")) << in;
  EXPECT_NO_THROW(strace::import_strace_text("x(" + deep + ") = 0\n", "t"));
}

std::vector<std::string> grammar_inputs() {
  std::vector<std::string> out;
  std::filesystem::path golden = std::filesystem::path(TRACEDIFF_SOURCE_DIR) / "tests/trace/golden";
  for (const auto& de : std::filesystem::recursive_directory_iterator(golden))
    if (de.path().filename().string().rfind("input.strace", 0) == 0) out.push_back(de.path().string());
  out.push_back(std::string(TRACEDIFF_SOURCE_DIR) + "/tests/trace/data/local-6.1.strace");
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Import, StreamingGivesTheSameTraceAsInMemory) {
  for (const std::string& path : grammar_inputs()) {
    Trace whole = strace::import_strace_file(path);
    std::vector<std::string> streamed;
    Header h;
    std::vector<Warning> w;
    std::size_t n = strace::import_strace_stream(
        path, [&](const Header& hh) { h = hh; }, [&](Event&& e) { streamed.push_back(tracefile::event_to_json(e)); }, w);
    ASSERT_EQ(n, whole.events.size()) << path;
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(streamed[i], tracefile::event_to_json(whole.events[i])) << path << " #" << i;
    EXPECT_EQ(tracefile::header_to_json(h), tracefile::header_to_json(whole.header)) << path;
    EXPECT_EQ(w, whole.warnings) << path;
  }
}

// Every shape of line in the grammar inputs (unfinished and resumed calls,
// lines cut by attach messages and by the program's output, blank lines, a
// call cut by the end of the log) put across a batch's end, at a different
// place in each input, between short filler calls; `lines` is set to the
// log's count of lines.
std::string across_batches_log(std::size_t& lines) {
  constexpr std::size_t kBatch = 4096;  // tracefile/batches.h
  std::string log;
  std::size_t k = 0;
  lines = 0;
  for (const std::string& path : grammar_inputs()) {
    std::string text = tracefile::read_file_decompressed(path);
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
    std::size_t n = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    // The batch ends after line `cut` of this input (1 <= cut <= n).
    std::size_t cut = 1 + (k++ * 7) % n;
    std::size_t target = (lines / kBatch + 1) * kBatch - cut;
    if (target < lines) target += kBatch;
    for (; lines < target; ++lines) log += "[pid     1] close(3) = 0\n";
    log += text;
    lines += n;
  }
  // An attach message cut a call right after its name's first letters: the
  // rest alone looks like a call of its own ("te(...)"), but it continues
  // the line before.
  log += "[pid     1] wristrace: Process 2 attached\n";
  log += "te(1, \"x\", 1) = 1\n";
  log += "[pid     1] accept(7, NULL, NULL";  // the last line: a call the end of the log cut
  return log;
}

// The stream parses call lines on worker threads, in batches of 4096 lines,
// and holds each batch's last line back until it knows whether the file
// ends there.
TEST(Import, StreamingAcrossBatchesGivesTheSameTraceAsInMemory) {
  constexpr std::size_t kBatch = 4096;  // tracefile/batches.h
  std::size_t lines = 0;
  std::string log = across_batches_log(lines);
  TempDir d;
  std::string path = d.write("all.strace", log);
  Trace whole = strace::import_strace_text(log, path);
  std::vector<std::string> streamed;
  Header h;
  std::vector<Warning> w;
  std::size_t n = strace::import_strace_stream(
      path, [&](const Header& hh) { h = hh; }, [&](Event&& e) { streamed.push_back(tracefile::event_to_json(e)); }, w);
  ASSERT_GT(lines, 4 * kBatch);
  ASSERT_EQ(n, whole.events.size());
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(streamed[i], tracefile::event_to_json(whole.events[i])) << "#" << i;
  EXPECT_EQ(tracefile::header_to_json(h), tracefile::header_to_json(whole.header));
  EXPECT_EQ(w, whole.warnings);
  EXPECT_EQ(whole.events.back().result.state, ResultState::Unfinished);
  EXPECT_TRUE(std::any_of(whole.events.begin(), whole.events.end(), [](const Event& e) {
    return e.name == "write" && e.tid == 1 && e.result.value == 1;
  }));
}

// A streamed import with places (strace::StreamPlaces), put back in order:
// each kept place filled with its event.
struct PlacedImport {
  std::vector<std::string> events;  // event_to_json, in order
  std::size_t kept = 0;
  std::size_t ahead = 0;  // most events handed out after a place before it was filled
  bool all_filled = true, header_first = true;
  Header header;
  std::vector<Warning> warnings;
  std::size_t count = 0;
};

PlacedImport import_with_places(const std::string& path) {
  PlacedImport r;
  bool have_header = false;
  std::map<std::size_t, std::size_t> at;  // place -> index in r.events
  strace::StreamPlaces places;
  places.keep = [&](std::size_t place) {
    r.header_first = r.header_first && have_header;
    r.all_filled = r.all_filled && at.emplace(place, r.events.size()).second;
    r.events.emplace_back();
    ++r.kept;
  };
  places.fill = [&](std::size_t place, Event&& e) {
    auto it = at.find(place);
    if (it == at.end()) {
      r.all_filled = false;
      return;
    }
    r.events[it->second] = tracefile::event_to_json(e);
    r.ahead = std::max(r.ahead, r.events.size() - it->second - 1);
    at.erase(it);
  };
  r.count = strace::import_strace_stream(
      path,
      [&](const Header& h) {
        r.header = h;
        have_header = true;
      },
      [&](Event&& e) {
        r.header_first = r.header_first && have_header;
        r.events.push_back(tracefile::event_to_json(e));
      },
      r.warnings, &places);
  r.all_filled = r.all_filled && at.empty();
  return r;
}

void expect_same_as_in_memory(const PlacedImport& p, const Trace& whole, const std::string& what) {
  EXPECT_TRUE(p.all_filled) << what;
  EXPECT_TRUE(p.header_first) << what;
  ASSERT_EQ(p.count, whole.events.size()) << what;
  ASSERT_EQ(p.events.size(), whole.events.size()) << what;
  for (std::size_t i = 0; i < p.events.size(); ++i)
    ASSERT_EQ(p.events[i], tracefile::event_to_json(whole.events[i])) << what << " #" << i;
  EXPECT_EQ(tracefile::header_to_json(p.header), tracefile::header_to_json(whole.header)) << what;
  EXPECT_EQ(p.warnings, whole.warnings) << what;
}

// Imports `path` in memory (into `whole`) and with places, and expects the
// two to agree; returns the import with places.
PlacedImport import_both_ways(const std::string& path, Trace& whole, const std::string& what) {
  whole = strace::import_strace_file(path);
  PlacedImport p = import_with_places(path);
  expect_same_as_in_memory(p, whole, what);
  return p;
}

// With places, the events in order are those of the in-memory import, for
// every grammar input alone and all of them across batches' ends.
TEST(Import, PlacesGiveTheSameTraceAsInMemory) {
  Trace whole;
  for (const std::string& path : grammar_inputs()) import_both_ways(path, whole, path);
  std::size_t lines = 0;
  TempDir d;
  PlacedImport p = import_both_ways(d.write("all.strace", across_batches_log(lines)), whole, "across batches");
  // The importer hands events out every 1024 lines, and a batch's end
  // (every 4096) is one such place: an unfinished call of the inputs
  // spans it and is handed out as a place.
  EXPECT_GE(p.kept, 1u);
}

// A shell waits for its child: with places the wait keeps its place and
// the child's calls go out before the wait ends; without, they wait. The
// wait's end is line 30720, where the importer hands events out (every
// 1024 lines): its -k stack, on the next line, still makes it.
TEST(Import, AnUnfinishedWaitKeepsItsPlaceAndHoldsNothingBack) {
  std::string log = "1 wait4(-1,  <unfinished ...>\n";
  for (int i = 0; i < 30717; ++i) log += "2 close(3) = 0\n";
  log += "2 +++ exited with 0 +++\n";
  log += "1 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 2\n";
  log += " > /usr/lib/x86_64-linux-gnu/libc.so.6(wait4+0x1a) [0xd6f1a]\n";
  log += "1 exit_group(0) = ?\n";
  TempDir d;
  Trace whole;
  PlacedImport p = import_both_ways(d.write("wait.log", log), whole, "wait");
  EXPECT_EQ(p.kept, 1u);
  EXPECT_GT(p.ahead, 20000u);  // most of the child's calls were out before the wait's end
  EXPECT_EQ(whole.events[0].name, "wait4");
  EXPECT_EQ(whole.events[0].result.value, 2);
  EXPECT_EQ(whole.events[0].line, 1u);
  EXPECT_EQ(whole.events[0].stack.size(), 1u);
}

// A clone's spawn must follow it: an unfinished clone holds back what
// follows (its child's first calls) as without places, and keeps none.
TEST(Import, AnUnfinishedCloneStillHoldsBackWhatFollows) {
  std::string log = "1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>\n";
  for (int i = 0; i < 20000; ++i) log += "2 close(3) = 0\n";
  log += "1 <... clone resumed>, child_tidptr=0x7f1) = 2\n";
  TempDir d;
  Trace whole;
  PlacedImport p = import_both_ways(d.write("clone.log", log), whole, "clone");
  EXPECT_EQ(p.kept, 0u);
  ASSERT_GE(whole.events.size(), 2u);
  EXPECT_EQ(whole.events[1].type, EventType::Process);
  EXPECT_EQ(whole.events[1].proc.child, 2);
}

// --no-redact: what the in-memory import has, value for value.
const redact::Redactor kKeepAll(redact::RedactOptions{.level = redact::Level::None});

// The writer keeps an unfinished call's place (its places travel to the
// writer thread in the batches of events, 2048 each): a real log, every
// grammar input across batches, and a shell waiting for children of many
// sizes, so that places fall at every point of the writer's batches.
TEST(Import, ToFileWritesWhatTheInMemoryImportHas) {
  TempDir d;
  std::size_t lines = 0;
  std::string waits;
  for (int k = 0; k < 12; ++k) {
    waits += "1 wait4(-1,  <unfinished ...>\n";
    for (int i = 0; i < 700 + 517 * k; ++i) waits += "2 close(3) = 0\n";
    waits += "1 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 2\n";
  }
  std::vector<std::string> logs = {std::string(TRACEDIFF_SOURCE_DIR) + "/tests/trace/data/local-6.1.strace",
                                   d.write("all.strace", across_batches_log(lines)), d.write("waits.strace", waits)};
  for (const std::string& log : logs) {
    std::vector<Warning> w;
    std::string out = log + ".trace";
    if (log.rfind(TRACEDIFF_SOURCE_DIR, 0) == 0) out = d.file("local.trace");
    std::size_t n = input::import_strace_to_file(log, out, {}, w, kKeepAll);
    Trace whole = strace::import_strace_file(log);
    Trace back = tracefile::read_trace(out);
    ASSERT_EQ(n, whole.events.size()) << log;
    ASSERT_EQ(back.events.size(), whole.events.size()) << log;
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(tracefile::event_to_json(back.events[i]), tracefile::event_to_json(whole.events[i])) << log << " #" << i;
    EXPECT_EQ(back.header.command, whole.header.command);
    EXPECT_EQ(back.header.source, "strace");
  }
}

// The first exec comes after the header went out (a log that starts past
// its process's own exec, as `strace -p` gives): the header is rewritten
// with the command once the log has shown it, as the in-memory import has
// it. Only such a header keeps room; a stream that cannot be rewritten
// says so.
TEST(Import, ToFileWritesInACommandThatCameLate) {
  TempDir d;
  std::string text;
  for (int i = 0; i < 6000; ++i) text += "7 close(3) = 0\n";
  text += "8 execve(\"/bin/true\", [\"/bin/true\", \"x\"], 0x7ffd0 /* 3 vars */) = 0\n8 exit_group(0) = ?\n";
  std::string log = d.write("late.strace", text);
  Trace whole = strace::import_strace_file(log);
  ASSERT_TRUE(whole.header.command == (std::vector<std::string>{"/bin/true", "x"}));
  for (const std::string& out : {d.file("late.trace"), d.file("late.trace.zst")}) {
    std::vector<Warning> w;
    input::import_strace_to_file(log, out, {}, w, kKeepAll);
    Trace back = tracefile::read_trace(out);
    EXPECT_EQ(back.header.command, (std::vector<std::string>{"/bin/true", "x"})) << out;
    EXPECT_EQ(back.events.size(), whole.events.size()) << out;
    EXPECT_TRUE(w.empty()) << out << ": " << (w.empty() ? "" : w[0].message);
  }
  // A log with its exec first keeps no room after the header.
  std::string early = d.write("early.strace", "8 execve(\"/bin/true\", [\"/bin/true\"], 0x7ffd0 /* 3 vars */) = 0\n");
  std::vector<Warning> w;
  input::import_strace_to_file(early, d.file("early.trace"), {}, w, kKeepAll);
  std::string first = testing::slurp(d.file("early.trace"));
  first = first.substr(0, first.find('\n'));
  EXPECT_EQ(first.back(), '}') << "no spaces after the header";
  // A command longer than the room is left out, with a warning.
  std::string longer;
  for (int i = 0; i < 6000; ++i) longer += "7 close(3) = 0\n";
  longer += "8 execve(\"/bin/true\", [\"/bin/true\", \"" + std::string(1500, 'a') + "\"], 0x7ffd0 /* 3 vars */) = 0\n";
  w.clear();
  input::import_strace_to_file(d.write("long.strace", longer), d.file("long.trace"), {}, w, kKeepAll);
  EXPECT_TRUE(tracefile::read_trace(d.file("long.trace")).header.command.empty());
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].line, 6001u) << "the execve's line";
  EXPECT_NE(w[0].message.find("the command (/bin/true) came after the header was written, and does not fit in the "
                              "room kept for it"),
            std::string::npos)
      << w[0].message;
  // A FIFO cannot be rewritten: the command is left out, with a warning.
  std::string fifo = d.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = testing::slurp(fifo); });
  tracefile::TraceWriter::Options force;
  force.force = true;
  w.clear();
  input::import_strace_to_file(log, fifo, force, w, kKeepAll);
  reader.join();
  EXPECT_NE(got.find("\"command\":[]"), std::string::npos);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].line, 6001u) << "the execve's line";
  EXPECT_NE(w[0].message.find("the command (/bin/true) came after the header was written, to a stream that cannot be "
                              "rewritten"),
            std::string::npos)
      << w[0].message;
}

TEST(Import, ToFileNeverOverwritesWithoutForce) {
  TempDir d;
  std::string out = d.write("t.trace", "precious");
  std::vector<Warning> w;
  std::string log = d.write("a.log", "close(3) = 0\n");
  EXPECT_THROW(input::import_strace_to_file(log, out, {}, w, kKeepAll), InputError);
  EXPECT_EQ(testing::slurp(out), "precious");
  tracefile::TraceWriter::Options force;
  force.force = true;
  EXPECT_EQ(input::import_strace_to_file(log, out, force, w, kKeepAll), 1u);
  EXPECT_EQ(tracefile::read_trace(out).events.size(), 1u);
}

TEST(Import, ACallThatNeverEndsDoesNotHoldTheLogInMemory) {
  // Thread 2 waits for the whole log; after 2^17 events the importer hands
  // the wait out unfinished and its resumed line becomes a call of its own.
  std::string log = "2 epoll_wait(4,  <unfinished ...>\n";
  for (int i = 0; i < 200000; ++i) log += "1 getpid() = 1\n";
  log += "2 <... epoll_wait resumed>[], 8, -1) = 0\n";
  std::size_t handed = 0;
  TempDir d;
  std::string path = d.write("long.log", log);
  std::vector<Warning> w;
  std::vector<std::string> waits;
  strace::import_strace_stream(
      path, [](const Header&) {},
      [&](Event&& e) {
        ++handed;
        if (e.name == "epoll_wait") waits.push_back(display::format_result(e.result));
      },
      w);
  EXPECT_EQ(handed, 200002u);
  EXPECT_EQ(waits, (std::vector<std::string>{"<unfinished ...>", "0"}));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].message.find("1 call stayed unfinished"), std::string::npos) << w[0].message;
  // With places the consumer holds what follows the wait, and the wait is
  // given up on after as many events: the same trace, the same warning.
  Trace whole;
  PlacedImport p = import_both_ways(path, whole, "long wait");
  EXPECT_EQ(p.kept, 1u);
}

TEST(Import, AnExitedTaskReleasesItsUnfinishedCall) {
  Trace t = strace::import_strace_text(
      "2 futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>\n2 +++ killed by SIGKILL +++\n1 getpid() = 1\n", "t");
  ASSERT_EQ(t.events.size(), 3u);
  EXPECT_EQ(t.events[0].result.state, ResultState::Unfinished);
  EXPECT_TRUE(t.warnings.empty());
}

// Random damage to real inputs (fixed seed): the importer may call lines
// unparsed but must never throw or read out of bounds (the sanitizer build
// runs this too).
TEST(Import, SurvivesMutatedLogs) {
  std::uint32_t seed = 12345;
  auto rnd = [&] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
  };
  const char kBytes[] = "()[]{}<>\"\\,= .|/*-+0123456789x\n\t\x1b";
  for (const std::string& path : grammar_inputs()) {
    std::string text = testing::slurp(path);
    if (text.size() > 20000) text.resize(20000);
    for (int round = 0; round < 40; ++round) {
      std::string m = text;
      for (int k = 0; k < 8 && !m.empty(); ++k) {
        std::size_t at = rnd() % m.size();
        switch (rnd() % 3) {
          case 0: m[at] = kBytes[rnd() % (sizeof kBytes - 1)]; break;
          case 1: m.erase(at, rnd() % 16); break;
          default: m.insert(at, 1, kBytes[rnd() % (sizeof kBytes - 1)]);
        }
      }
      Trace t;
      ASSERT_NO_THROW(t = strace::import_strace_text(m, "m")) << path << " round " << round;
      for (const Event& e : t.events) (void)display::format_event(e);
    }
  }
}

}  // namespace
}  // namespace tracediff
