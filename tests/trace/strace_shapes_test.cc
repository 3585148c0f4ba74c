// Shapes of real strace output that once lost their call (issue 19), one
// line each, and what the model keeps of them: capability sets (strace 6),
// the -i instruction-pointer prefix before exit and signal lines, and strace
// 4.x's struct arrays without commas, sigreturn's mask and sysinfo's loads.
// Also the safety net under them: a value the grammar does not know stays in
// its argument as text, and a line that is no strace output at all is still
// an unparsed line named in a warning.
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>

#include "strace/strace.h"

namespace tracediff {
namespace {

Trace import(const std::string& text) { return strace::import_strace_text(text, "shapes.log"); }

// The one event of a one-line log that is not synthesized (spawn/exec);
// `t` must outlive it.
const Event& only(const Trace& t) {
  EXPECT_TRUE(t.warnings.empty()) << (t.warnings.empty() ? "" : t.warnings[0].message);
  for (const Event& e : t.events)
    if (e.type != EventType::Process || (e.name != kProcSpawn && e.name != kProcExec)) return e;
  throw std::runtime_error("no event");
}

const Arg& field(const Arg& st, std::string_view name) {
  for (const Arg& i : st.items)
    if (i.name == name) return i;
  throw std::runtime_error("no field " + std::string(name));
}

TEST(Shapes, CapabilitySetsAreFlagSets) {
  Trace t = import(
      "23142 capget({version=_LINUX_CAPABILITY_VERSION_3, pid=23142}, {effective=1<<CAP_CHOWN|"
      "1<<CAP_DAC_OVERRIDE|1<<CAP_KILL, permitted=1<<CAP_CHOWN|1<<CAP_DAC_OVERRIDE|1<<CAP_KILL, "
      "inheritable=0}) = 0\n");
  const Event& e = only(t);
  EXPECT_EQ(e.type, EventType::Syscall);
  EXPECT_EQ(e.name, "capget");
  ASSERT_EQ(e.args.size(), 2u);
  EXPECT_EQ(field(e.args[0], "version").str, "_LINUX_CAPABILITY_VERSION_3");
  EXPECT_EQ(field(e.args[0], "pid").raw, 23142);
  const Arg& sets = e.args[1];
  ASSERT_EQ(sets.kind, ArgKind::Struct);
  ASSERT_EQ(sets.items.size(), 3u);
  EXPECT_EQ(field(sets, "effective").kind, ArgKind::Flags);
  EXPECT_EQ(field(sets, "effective").str, "1<<CAP_CHOWN|1<<CAP_DAC_OVERRIDE|1<<CAP_KILL");
  EXPECT_EQ(field(sets, "permitted").kind, ArgKind::Flags);
  EXPECT_EQ(field(sets, "inheritable").kind, ArgKind::Int);
  EXPECT_EQ(field(sets, "inheritable").raw, 0);
  EXPECT_EQ(e.result.state, ResultState::Returned);
  EXPECT_EQ(e.result.value, 0);
}

TEST(Shapes, ShiftsThatAreNotCapabilityNamesStayWhatTheyAre) {
  // A bit with no name is still a bit; a shift between numbers is no flag
  // set, but the call keeps it as written.
  Trace t = import("7 capset({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, "
                               "{effective=1<<CAP_CHOWN|1<<40, permitted=1<<2<<3, inheritable=0}) = 0\n");
  const Event& e = only(t);
  ASSERT_EQ(e.args.size(), 2u);
  EXPECT_EQ(field(e.args[1], "effective").kind, ArgKind::Flags);
  EXPECT_EQ(field(e.args[1], "permitted").kind, ArgKind::Other);
  EXPECT_EQ(field(e.args[1], "permitted").str, "1<<2<<3");
  EXPECT_EQ(e.result.value, 0);
}

TEST(Shapes, InstructionPointerPrefixBeforeEveryKindOfLine) {
  struct Case {
    const char* line;
    EventType type;
    const char* name;
    int code_or_signal;
  };
  const Case cases[] = {
      {"13608 [????????????????] +++ exited with 0 +++", EventType::Process, kProcExit, 0},
      {"13608 12:00:00.000001 [????????????????] +++ exited with 3 +++", EventType::Process, kProcExit, 3},
      {"13608 [????????????????] +++ killed by SIGTERM +++", EventType::Process, kProcKilled, SIGTERM},
      {"[pid 13608] [00007f3b694ad267] --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=1, si_uid=0} ---",
       EventType::Signal, "SIGUSR1", SIGUSR1},
      {"13608 [  62] [????????????????] +++ killed by SIGUSR1 +++", EventType::Process, kProcKilled, SIGUSR1},
      {"13608 [????????] +++ exited with 1 +++", EventType::Process, kProcExit, 1},  // a 32-bit tracee
      {"13608 [00007fe9c4b02af7] close(3) = 0", EventType::Syscall, "close", 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    Trace t = import(std::string(c.line) + "\n");
    const Event& e = only(t);
    EXPECT_EQ(e.type, c.type);
    EXPECT_EQ(e.name, c.name);
    EXPECT_EQ(e.tid, 13608);
    if (c.type == EventType::Process && std::string_view(c.name) == kProcExit) {
      EXPECT_EQ(e.proc.code, c.code_or_signal);
    } else if (c.type != EventType::Syscall) {
      EXPECT_EQ(e.proc.signal, c.code_or_signal);
    } else {
      EXPECT_EQ(e.result.value, 0);
    }
  }
}

TEST(Shapes, Strace4StructArrayWithoutCommasIsAnArrayOfEntries) {
  Trace t = import(
      "2301  getdents64(3, {{d_ino=130563, d_off=1, d_type=DT_DIR, d_reclen=24, d_name=\".\"} "
      "{d_ino=2, d_off=2, d_type=DT_DIR, d_reclen=24, d_name=\"..\"} {d_ino=130565, d_off=3, "
      "d_type=DT_REG, d_reclen=32, d_name=\".bashrc\"}}, 32768) = 80\n");
  const Event& e = only(t);
  ASSERT_EQ(e.args.size(), 3u);
  EXPECT_EQ(e.args[0].kind, ArgKind::Fd);
  const Arg& entries = e.args[1];
  ASSERT_EQ(entries.kind, ArgKind::Array);
  ASSERT_EQ(entries.items.size(), 3u);
  EXPECT_EQ(field(entries.items[0], "d_name").str, ".");
  EXPECT_EQ(field(entries.items[1], "d_name").str, "..");
  EXPECT_EQ(field(entries.items[2], "d_name").str, ".bashrc");
  EXPECT_EQ(field(entries.items[2], "d_type").str, "DT_REG");
  EXPECT_EQ(e.args[2].raw, 32768);
  EXPECT_EQ(e.result.value, 80);
}

TEST(Shapes, Strace4SigreturnMaskIsAnArgument) {
  Trace t = import("2301  sigreturn() (mask [HUP INT TERM]) = -1 EINTR\n");
  const Event& e = only(t);
  EXPECT_EQ(e.name, "sigreturn");
  ASSERT_EQ(e.args.size(), 1u);
  const Arg& mask = e.args[0];
  EXPECT_EQ(mask.name, "mask");
  ASSERT_EQ(mask.kind, ArgKind::Array);
  ASSERT_EQ(mask.items.size(), 3u);
  EXPECT_EQ(mask.items[0].str, "HUP");
  EXPECT_EQ(mask.items[2].str, "TERM");
  EXPECT_EQ(e.result.value, -1);
  EXPECT_EQ(e.result.err, "EINTR");
  EXPECT_EQ(e.result.errnum, EINTR);
}

TEST(Shapes, Strace4SysinfoLoadsWithoutCommaAfterThem) {
  Trace t = import(
      "2301  sysinfo({uptime=43675, loads=[2112, 2400, 7392] totalram=1049055232, freeram=66285568, "
      "sharedram=0, bufferram=104706048, totalswap=2146758656, freeswap=2146758656, procs=187}) = 0\n");
  const Event& e = only(t);
  ASSERT_EQ(e.args.size(), 1u);
  const Arg& si = e.args[0];
  ASSERT_EQ(si.kind, ArgKind::Struct);
  EXPECT_EQ(si.items.size(), 9u);
  EXPECT_EQ(field(si, "uptime").raw, 43675);
  ASSERT_EQ(field(si, "loads").kind, ArgKind::Array);
  ASSERT_EQ(field(si, "loads").items.size(), 3u);
  EXPECT_EQ(field(si, "loads").items[2].raw, 7392);
  EXPECT_EQ(field(si, "totalram").raw, 1049055232);
  EXPECT_EQ(field(si, "procs").raw, 187);
  EXPECT_EQ(e.result.value, 0);
}

TEST(Shapes, StraceZWritesTheEndOfAnUnfinishedCallBare) {
  // strace 6.1 -f -z on a threaded program: the end of an unfinished call
  // on the next line, without pid or "<... resumed>".
  Trace t = import(
      "2767  rt_sigprocmask(SIG_SETMASK, [],  <unfinished ...>\n"
      "NULL, 8)                                = 0\n"
      "2769  gettid( <unfinished ...>\n"
      ")                                       = 2769\n"
      "2767  clone3({flags=CLONE_VM|CLONE_THREAD, exit_signal=0}, 88 <unfinished ...>\n"
      ", child_tidptr=0x7f6930e15a10)          = 2771\n"
      "2767  close(3) = 0\n");
  ASSERT_TRUE(t.warnings.empty()) << t.warnings[0].message;
  std::vector<std::string> calls;
  for (const Event& e : t.events) {
    EXPECT_NE(e.tid, 0) << e.name;
    if (e.type == EventType::Syscall)
      calls.push_back(std::to_string(e.tid) + " " + std::string(e.name) + "/" + std::to_string(e.args.size()) + "=" +
                      std::to_string(e.result.value));
  }
  EXPECT_EQ(calls, (std::vector<std::string>{"2767 rt_sigprocmask/4=0", "2769 gettid/0=2769", "2767 clone3/3=2771",
                                             "2767 close/1=0"}));
  EXPECT_EQ(t.events[0].args[2].str, "NULL");
}

TEST(Shapes, ABareLineThatEndsNoCallIsStillUnparsed) {
  Trace t = import(
      "5  read(3,  <unfinished ...>\n"
      "hello world\n"
      "5  <... read resumed>\"x\", 1) = 1\n"
      "5  close(3) = 0\n"
      "NULL, 8) = 0\n");
  std::vector<std::uint32_t> unparsed;
  for (const Event& e : t.events)
    if (e.type == EventType::Unparsed) unparsed.push_back(e.line);
  EXPECT_EQ(unparsed, (std::vector<std::uint32_t>{2, 5}));
  EXPECT_EQ(t.events[0].name, "read");
  EXPECT_EQ(t.events[0].result.value, 1);
  ASSERT_EQ(t.events[0].args.size(), 3u);
  EXPECT_EQ(t.events[0].args[1].str, "x");
}

TEST(Shapes, AValueTheGrammarDoesNotKnowIsKeptAsText) {
  // "1<2" opens what would be a -y annotation and never closes it.
  Trace t = import("5 frob(3, 1<2, flags=1<4, \"ok\") = 7\n");
  const Event& e = only(t);
  EXPECT_EQ(e.type, EventType::Syscall);
  EXPECT_EQ(e.name, "frob");
  ASSERT_EQ(e.args.size(), 4u);
  EXPECT_EQ(e.args[0].raw, 3);
  EXPECT_EQ(e.args[1].kind, ArgKind::Other);
  EXPECT_EQ(e.args[1].str, "1<2");
  EXPECT_EQ(e.args[2].kind, ArgKind::Other);
  EXPECT_EQ(e.args[2].name, "flags");
  EXPECT_EQ(e.args[2].str, "1<4");
  EXPECT_EQ(e.args[3].kind, ArgKind::String);
  EXPECT_EQ(e.args[3].str, "ok");
  EXPECT_EQ(e.result.value, 7);
}

TEST(Shapes, AnUnfinishedCallWithAnUnknownValueKeepsItWhenResumed) {
  Trace t = import("5 frob(3, 1<2 <unfinished ...>\n6 getpid() = 6\n5 <... frob resumed>, 9) = 0\n");
  ASSERT_TRUE(t.warnings.empty()) << t.warnings[0].message;
  const Event& e = t.events[0];
  EXPECT_EQ(e.name, "frob");
  ASSERT_EQ(e.args.size(), 3u);
  EXPECT_EQ(e.args[1].str, "1<2");
  EXPECT_EQ(e.args[2].raw, 9);
  EXPECT_EQ(e.result.value, 0);
}

TEST(Shapes, ANoteSomeoneAddedToALogIsStillNamedInAWarning) {
  Trace t = import(
      "2301  open(\"/etc/skel\", O_RDONLY) = 3\n"
      "# after this the service hangs (see ticket 42)\n"
      "2301  close(3) = 0\n"
      "2301  [????????] +++ exited with 0 +++\n");
  std::vector<std::uint32_t> unparsed;
  for (const Event& e : t.events)
    if (e.type == EventType::Unparsed) unparsed.push_back(e.line);
  EXPECT_EQ(unparsed, (std::vector<std::uint32_t>{2}));
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_EQ(t.warnings[0].file, "shapes.log");
  EXPECT_EQ(t.warnings[0].line, 2u);
  EXPECT_EQ(t.warnings[0].message, "1 line could not be parsed (first at line 2)");
  EXPECT_EQ(t.events.back().name, kProcExit);
}

TEST(Shapes, ABrokenListIsStillNoCall) {
  // The safety net keeps values, not lines: a string that never ends or a
  // list that never closes is no call (the corpus has such splices).
  for (const char* line : {"1 munmap(0x7fHello\", 5)              = 5\n", "1 close(7, [1}) = 0\n"}) {
    Trace t = import(line);
    ASSERT_EQ(t.events.size(), 1u) << line;
    EXPECT_EQ(t.events[0].type, EventType::Unparsed) << line;
  }
}

}  // namespace
}  // namespace tracediff
