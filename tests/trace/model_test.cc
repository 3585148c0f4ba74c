#include <gtest/gtest.h>

#include <fmt/format.h>

#include <thread>

#include "tests/trace/test_util.h"
#include "display/format.h"
#include "tracefile/tracefile.h"
#include "model/coverage.h"
#include "model/trace.h"

namespace tracediff {
namespace {

Event proc(std::int32_t tid, std::int32_t pid, const char* name) {
  Event e;
  e.type = EventType::Process;
  e.tid = tid;
  e.pid = pid;
  e.name = name;
  return e;
}

Event call(std::int32_t tid, const char* name) {
  Event e;
  e.tid = tid;
  e.name = name;
  e.result.state = ResultState::Returned;
  return e;
}

TEST(ProcessTable, SpawnsThreadsExecsAndExits) {
  Trace t;
  t.events.push_back(call(10, "openat"));
  Event s = proc(10, 10, kProcSpawn);
  s.proc.child = 11;
  t.events.push_back(s);
  Event th = proc(10, 10, kProcSpawn);
  th.proc.child = 12;
  th.proc.thread = true;
  t.events.push_back(th);
  Event ex = proc(11, 11, kProcExec);
  Arg argv{.kind = ArgKind::Array};
  argv.items = {Arg{.kind = ArgKind::String, .str = "ls"}, Arg{.kind = ArgKind::String, .str = "-l"}};
  ex.args = {Arg{.kind = ArgKind::Path, .str = "/bin/ls"}, argv};
  t.events.push_back(ex);
  t.events.push_back(call(12, "read"));
  Event k = proc(11, 11, kProcKilled);
  k.proc.signal = 9;
  t.events.push_back(k);
  Event x = proc(10, 10, kProcExit);
  x.proc.code = 3;
  t.events.push_back(x);

  ProcessTable pt = build_process_table(t);
  ASSERT_EQ(pt.processes.size(), 2u);
  const Process* root = pt.find(10);
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->threads, std::vector<std::int32_t>{12});
  EXPECT_EQ(root->children, std::vector<std::int32_t>{11});
  EXPECT_EQ(root->exit.describe(), "exited 3");
  const Process* child = pt.find(11);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->ppid, 10);
  ASSERT_EQ(child->execs.size(), 1u);
  EXPECT_EQ(child->execs[0].path, "/bin/ls");
  EXPECT_EQ(child->execs[0].argv, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(child->exit.describe(), "killed by SIGKILL");
  EXPECT_EQ(pt.tgid.at(12), 10);
}

TEST(Names, SignalsAndErrnos) {
  EXPECT_EQ(signal_name(9), "SIGKILL");
  EXPECT_EQ(signal_number("SIGCHLD"), 17);
  EXPECT_EQ(signal_number("SIGRTMIN"), signal_number("SIGRT_0"));
  EXPECT_EQ(errno_name(2), "ENOENT");
  EXPECT_EQ(errno_number("EACCES"), 13);
  EXPECT_EQ(errno_number("ERESTARTSYS"), 512);
  EXPECT_EQ(errno_name(512), "ERESTARTSYS");
  EXPECT_EQ(errno_number("ENOTANERRNO"), 0);
}

TEST(Format, EventsLookLikeStrace) {
  Event e = call(7, "openat");
  e.args = {Arg{.kind = ArgKind::Fd, .has_raw = true, .raw = -100, .str = "AT_FDCWD"},
            Arg{.kind = ArgKind::Path, .str = "/etc/foo/config.json"},
            Arg{.kind = ArgKind::Flags, .str = "O_RDONLY"}};
  e.result.value = -1;
  e.result.err = "ENOENT";
  e.result.note = "No such file or directory";
  display::FormatOptions fo;
  fo.show_pid = false;
  EXPECT_EQ(display::format_event(e, fo),
            "openat(AT_FDCWD, \"/etc/foo/config.json\", O_RDONLY) = -1 ENOENT (No such file or directory)");
  Event w = call(7, "write");
  w.args = {Arg{.kind = ArgKind::Fd, .has_raw = true, .raw = 2},
            Arg{.kind = ArgKind::String, .str = "Error opening configuration file: No such file\n"},
            Arg{.kind = ArgKind::Int, .has_raw = true, .raw = 60}};
  w.result.value = 60;
  EXPECT_EQ(display::format_event(w, fo), "write(2, \"Error opening configuration file\"..., 60) = 60");
  EXPECT_EQ(display::quote_bytes(std::string("\x7f" "ELF\x02\x01" "1", 7), 0, false), "\"\\177ELF\\2\\0011\"");
  Event k = proc(1, 1, kProcKilled);
  k.proc.signal = 11;
  k.proc.core = true;
  EXPECT_EQ(display::format_event(k, fo), "+++ killed by SIGSEGV (core dumped) +++");
}

}  // namespace
}  // namespace tracediff

namespace tracediff {
namespace {

TEST(CompactStrings, AreOnePointerAndBehaveLikeStrings) {
  static_assert(sizeof(CompactString) == sizeof(void*));
  static_assert(sizeof(InternedString) == 4);
  CompactString s;
  EXPECT_TRUE(s.empty());
  EXPECT_STREQ(s.c_str(), "");
  s = std::string("/etc/foo/config.json");
  EXPECT_EQ(s, "/etc/foo/config.json");
  EXPECT_EQ(s.size(), 20u);
  EXPECT_TRUE(s.starts_with("/etc"));
  EXPECT_EQ(s.rfind('/'), 8u);
  CompactString copy = s;
  s = copy.view().substr(0, 4);  // assign from a view of another string
  EXPECT_EQ(s, "/etc");
  EXPECT_EQ(copy + "/x", "/etc/foo/config.json/x");
  CompactString& same = s;  // through a reference: compilers warn about `s = s`
  s = same;                 // self-assignment keeps the value
  EXPECT_EQ(s, "/etc");
  std::string bytes("a\0b", 3);
  CompactString b(bytes);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.view(), std::string_view(bytes));
  EXPECT_EQ(fmt::format("<{}>", copy), "</etc/foo/config.json>");
  s.clear();
  EXPECT_TRUE(s.empty());

  InternedString a("st_mode"), c(std::string("st_mode"));
  EXPECT_EQ(a.data(), c.data()) << "equal names share one pooled copy";
  EXPECT_EQ(a, "st_mode");
  EXPECT_NE(a, InternedString("st_size"));
  EXPECT_TRUE(InternedString().empty());
}

TEST(CompactStrings, ShortStringsLiveInPlace) {
  // Every length around the in-place limit, with NULs and the tag bit's
  // neighbours: value, size and c_str() must all survive copy and move.
  for (std::size_t n = 0; n <= CompactString::kInline + 2; ++n) {
    std::string v;
    for (std::size_t i = 0; i < n; ++i) v += static_cast<char>(i % 3 == 1 ? '\0' : 'a' + static_cast<char>(i));
    CompactString s(v);
    EXPECT_EQ(s.view(), std::string_view(v)) << n;
    EXPECT_EQ(s.size(), n);
    EXPECT_EQ(std::string_view(s.c_str(), n), std::string_view(v));
    EXPECT_EQ(s.c_str()[n], '\0') << "c_str() is NUL-terminated at length " << n;
    CompactString copy = s;
    CompactString moved = std::move(s);
    EXPECT_EQ(copy.view(), std::string_view(v));
    EXPECT_EQ(moved.view(), std::string_view(v));
    EXPECT_TRUE(s.empty()) << "a moved-from string is empty";  // NOLINT(bugprone-use-after-move)
  }
  CompactString one("x");
  one += '1';
  one.push_back('2');
  EXPECT_EQ(one, "x12");
}

TEST(CompactStrings, CopiesShareOneBlockAndNeverSeeChanges) {
  CompactString a(std::string(40, 'p'));
  CompactString b = a;
  EXPECT_TRUE(b.shares_with(a));
  EXPECT_EQ(b.data(), a.data());
  a = "/etc/other/path/that/is/long";  // assignment makes a new block
  EXPECT_FALSE(b.shares_with(a));
  EXPECT_EQ(b, std::string(40, 'p'));
  a = b;
  EXPECT_TRUE(a.shares_with(b));
  b.clear();  // the block lives on in a
  EXPECT_EQ(a, std::string(40, 'p'));
  CompactString s("short");
  EXPECT_FALSE(s.shares_with(CompactString(s))) << "in-place strings are copied, not shared";
}

TEST(CompactStrings, AnAbsolutePathSharesItsAbsoluteForm) {
  Trace t;
  Event e;
  e.name = "openat";
  Arg p;
  p.kind = ArgKind::Path;
  p.str = "/etc/foo/config.json";
  p.abs = "/etc/foo/config.json";  // equal but not yet shared
  e.args.push_back(p);
  t.events.push_back(e);
  testing::TempDir dir;
  tracefile::write_trace(dir.file("t.trace"), t, {});
  Trace back = tracefile::read_trace(dir.file("t.trace"));
  ASSERT_EQ(back.events.size(), 1u);
  const Arg& r = back.events[0].args[0];
  EXPECT_EQ(r.abs, "/etc/foo/config.json");
  EXPECT_TRUE(r.abs.shares_with(r.str)) << "the reader shares equal str and abs";
}

TEST(CompactStrings, ArgStaysSmall) {
  // The model's memory budget (docs/performance.md) depends on this.
  EXPECT_EQ(sizeof(ArgList), sizeof(void*));
  EXPECT_LE(sizeof(Arg), 48u);
  EXPECT_LE(sizeof(Event), 128u);
}

// Interned names are numbers into a table read without a lock: two
// threads interning thousands of new names at once (an import's parser and
// writer threads both intern) get one number per name, and every number
// reads back as its name.
TEST(InternedStrings, TwoThreadsAgreeOnEveryName) {
  constexpr int kNames = 10000;
  std::vector<InternedString> got[2];
  auto run = [&](int which) {
    for (int i = 0; i < kNames; ++i) {
      int k = which ? kNames - 1 - i : i;  // the threads meet in the middle
      got[which].push_back(InternedString(fmt::format("thread_test_name_{}", k)));
    }
  };
  std::thread t0(run, 0), t1(run, 1);
  t0.join();
  t1.join();
  for (int k = 0; k < kNames; ++k) {
    const InternedString& a = got[0][static_cast<std::size_t>(k)];
    const InternedString& b = got[1][static_cast<std::size_t>(kNames - 1 - k)];
    ASSERT_EQ(a.number(), b.number()) << k;
    ASSERT_EQ(a.view(), fmt::format("thread_test_name_{}", k));
  }
  EXPECT_NE(got[0][0].number(), got[0][1].number());
  EXPECT_EQ(InternedString().number(), 0u);
}

// CompactVector behaves as the std::vector it replaces, including when an
// element of the vector itself is appended while it grows.
TEST(CompactVector, BehavesAsAVector) {
  CompactVector<std::string> v;
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.begin(), v.end());
  v.push_back("a");
  v.emplace_back(3, 'b');
  for (int i = 0; i < 20; ++i) v.push_back(v[0]);  // aliasing while it regrows
  ASSERT_EQ(v.size(), 22u);
  EXPECT_EQ(v[1], "bbb");
  EXPECT_EQ(v.back(), "a");
  v.erase(v.begin() + 2, v.end());
  EXPECT_EQ(v.size(), 2u);
  v.insert(v.begin(), "z");
  EXPECT_EQ((std::vector<std::string>(v.begin(), v.end())), (std::vector<std::string>{"z", "a", "bbb"}));
  std::vector<std::string> more = {"x", "y"};
  v.insert(v.begin() + 1, more.begin(), more.end());
  EXPECT_EQ((std::vector<std::string>(v.begin(), v.end())), (std::vector<std::string>{"z", "x", "y", "a", "bbb"}));
  EXPECT_EQ(erase_if(v, [](const std::string& s) { return s.size() == 1 && s != "a"; }), 3u);
  EXPECT_EQ((std::vector<std::string>(v.begin(), v.end())), (std::vector<std::string>{"a", "bbb"}));
  CompactVector<std::string> copy = v;
  EXPECT_EQ(copy, v);
  copy.pop_back();
  EXPECT_FALSE(copy == v);
  CompactVector<std::string> moved = std::move(v);
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(moved.size(), 2u);
  // From a std::vector: the elements move into a block of their number.
  std::vector<std::string> src(5, "s");
  CompactVector<std::string> from(std::move(src));
  EXPECT_EQ(from.size(), 5u);
  EXPECT_EQ(from.capacity(), 5u);
  from.resize(1);
  from.shrink_to_fit();
  EXPECT_EQ(from.capacity(), 1u);
  from.clear();
  EXPECT_TRUE(from.empty());
  EXPECT_THROW(from.at(0), std::out_of_range);
}

// What a recording could not see, as show, diff and explain say it: one
// sentence per header key, nothing for a trace without any.
TEST(RecordingNotes, OneSentencePerCoverageKey) {
  Header h;
  h.options["filter"] = "seccomp-bpf";
  EXPECT_TRUE(recording_notes(h).empty());

  h.options[coverage::kSeccompInstalled] = "1";
  h.options[coverage::kSeccompInstalledPids] = "4242";
  h.options[coverage::kIoUringProcesses] = "11";
  h.options[coverage::kIoUringPids] = "1,2,3,4,5,6,7,8";
  h.options[coverage::kIoUringEnters] = "1";
  h.options[coverage::kUnreadable] = "2";
  h.options[coverage::kEntryMissed] = "1";
  h.options[coverage::kNotFollowed] = "3";
  h.options[coverage::kSeccompAtAttach] = "2";
  h.options[coverage::kSeccompAtAttachPids] = "10,20";
  h.options[coverage::kSeccompRecorder] = "1";
  std::vector<std::string> n = recording_notes(h);
  ASSERT_EQ(n.size(), 6u) << "unreadable is describe_losses()'s to say";
  EXPECT_EQ(n[0].rfind("tracediff ran under a seccomp filter", 0), 0u) << n[0];
  EXPECT_EQ(n[1].rfind("process 4242 installed its own seccomp filter: from then on it and its children", 0), 0u)
      << n[1];
  EXPECT_EQ(n[2].rfind("processes 10 and 20 already ran under a seccomp filter when attached", 0), 0u) << n[2];
  EXPECT_EQ(n[3].rfind("processes 1, 2, 3, 4, 5, 6, 7, 8 and 3 more used io_uring (1 io_uring_enter call): ", 0), 0u)
      << n[3];
  EXPECT_EQ(n[4], "1 call was already in progress when tracing began: its result is not in the trace");
  EXPECT_EQ(n[5], "3 tasks created by the command were not recorded (--no-follow)");
  EXPECT_EQ(describe_losses(h), "2 arguments unreadable (memory the kernel could not read)");

  // A count this reader cannot read (a later writer's) says nothing rather
  // than something wrong; a count without its pids still says how many.
  Header odd;
  odd.options[coverage::kEntryMissed] = "many";
  odd.options[coverage::kSeccompInstalled] = "2";
  n = recording_notes(odd);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].rfind("2 processes installed their own seccomp filter: from then on they and their children", 0), 0u)
      << n[0];
}

}  // namespace
}  // namespace tracediff
