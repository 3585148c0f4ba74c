// End-to-end: this machine's strace on real multi-process programs, under
// each flag combination users pass, imported with zero unparsed lines and
// the processes, execs and exit statuses that really happened.
//
// Needs strace and ptrace: without them the binary exits 77 (CTest
// SKIP_RETURN_CODE) and says why.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "tests/trace/test_util.h"
#include "display/format.h"
#include "input/input.h"
#include "tracefile/tracefile.h"
#include "strace/strace.h"

namespace tracediff {
namespace {

namespace fs = std::filesystem;

struct Flags {
  const char* name;
  const char* args;   // strace options besides the output ones
  enum Out { Stderr, File, PerPid } out;
};

const Flags kFlags[] = {
    {"f", "-f", Flags::Stderr},          {"f_o", "-f", Flags::File},
    {"ff", "-ff", Flags::PerPid},        {"tt", "-f -tt", Flags::File},
    {"ttt", "-f -ttt", Flags::File},     {"r", "-f -r", Flags::File},
    {"T", "-f -T", Flags::File},         {"y", "-f -y", Flags::File},
    {"yy", "-f -yy", Flags::File},       {"s200", "-f -s 200", Flags::File},
    {"Xverbose", "-f -X verbose", Flags::File}, {"v", "-f -v", Flags::File},
    {"ff_tt_T_yy", "-ff -tt -T -yy", Flags::PerPid},
    // -i: the instruction pointer before every line, "[????????????????]"
    // before exit lines, which carry the exit statuses checked below.
    {"i", "-f -i", Flags::File},         {"i_tt_T_k", "-f -i -tt -T -k", Flags::File},
    {"ff_i", "-ff -i", Flags::PerPid},
};

struct Program {
  const char* name;
  std::string command;
};

std::vector<Program> programs() {
  return {{"pipeline", "sh -c 'echo hello | cat | wc -c >/dev/null'"}, {"multi", TRACEDIFF_MULTI_PROGRAM}};
}

// Runs strace and imports what it wrote.
Trace run_and_import(const Flags& f, const Program& p, const testing::TempDir& dir) {
  std::string log = dir.file("log");
  std::string cmd = std::string("strace ") + f.args;
  if (f.out == Flags::Stderr) cmd += " " + p.command + " >/dev/null 2>" + log;
  else cmd += " -o " + log + " " + p.command + " >/dev/null";
  int rc = std::system(cmd.c_str());
  if (rc == -1) throw std::runtime_error("cannot run: " + cmd);
  if (f.out == Flags::PerPid) return input::load_any(log);  // the LOG.<pid> set
  EXPECT_EQ(strace::looks_like_strace(tracefile::read_file_decompressed(log).substr(0, 4096)), true) << cmd;
  EXPECT_EQ(input::sniff(log), input::FileKind::StraceLog) << cmd;
  return input::load_any(log);
}

std::set<std::string> exec_basenames(const ProcessTable& pt) {
  std::set<std::string> out;
  for (const Process& p : pt.processes)
    for (const ExecRecord& e : p.execs) out.insert(fs::path(e.path).filename().string());
  return out;
}

using Case = std::tuple<Flags, Program>;
class StraceMatrix : public ::testing::TestWithParam<Case> {};

TEST_P(StraceMatrix, ImportsCompletely) {
  const auto& [flags, prog] = GetParam();
  testing::TempDir dir;
  Trace t = run_and_import(flags, prog, dir);
  SCOPED_TRACE(std::string(flags.args) + " " + prog.command);

  for (const Event& e : t.events)
    EXPECT_NE(e.type, EventType::Unparsed) << "line " << e.line << ": " << e.raw;
  EXPECT_TRUE(t.warnings.empty()) << (t.warnings.empty() ? "" : t.warnings[0].message);
  EXPECT_EQ(t.header.source, "strace");
  ASSERT_FALSE(t.header.command.empty());

  ProcessTable pt = build_process_table(t);
  std::set<std::string> execs = exec_basenames(pt);
  const Process* root = pt.processes.empty() ? nullptr : &pt.processes[0];
  ASSERT_NE(root, nullptr);
  for (const Event& e : t.events) EXPECT_NE(e.tid, 0) << display::format_event(e);

  if (std::string(prog.name) == "pipeline") {
    EXPECT_TRUE(execs.count("sh")) << "execs seen: " << execs.size();
    EXPECT_TRUE(execs.count("cat"));
    EXPECT_TRUE(execs.count("wc"));
    EXPECT_EQ(root->exit.describe(), "exited 0");
    EXPECT_GE(root->children.size(), 2u);
  } else {
    EXPECT_TRUE(execs.count("multi_program"));
    EXPECT_EQ(root->exit.describe(), "exited 0");
    EXPECT_EQ(root->threads.size(), 2u);
    std::multiset<std::string> child_exits;
    for (std::int32_t c : root->children) child_exits.insert(pt.find(c)->exit.describe());
    EXPECT_EQ(child_exits, (std::multiset<std::string>{"exited 3", "killed by SIGTERM"}));
    bool usr1 = false;
    for (const Event& e : t.events)
      if (e.type == EventType::Signal && e.name == "SIGUSR1" && e.tid == root->pid) usr1 = true;
    EXPECT_TRUE(usr1);
    // The threads' open() of /etc/passwd is typed as a path.
    int paths = 0;
    for (const Event& e : t.events)
      for (const Arg& a : e.args)
        if (a.kind == ArgKind::Path && a.str == "/etc/passwd" && a.abs == "/etc/passwd") ++paths;
    EXPECT_GE(paths, 2);
  }

  std::string f = flags.args;
  if (f.find("-tt") != std::string::npos || f.find("-r") != std::string::npos) {
    const char* want = f.find("-ttt") != std::string::npos ? "epoch"
                       : f.find("-r") != std::string::npos ? "relative"
                                                           : "time-of-day";
    EXPECT_EQ(t.header.time_base, want);
    for (const Event& e : t.events) EXPECT_GE(e.ts_ns, 0) << display::format_event(e);
  }
  if (f.find("-T") != std::string::npos) {
    std::size_t timed = 0, returned = 0;
    for (const Event& e : t.events)
      if (e.type == EventType::Syscall && e.result.state == ResultState::Returned) {
        ++returned;
        if (e.dur_ns >= 0) ++timed;
      }
    EXPECT_EQ(timed, returned);
  }
  if (f.find("-k") != std::string::npos) {
    // Every call that returned is followed by its stack, and the stack
    // lines went to that call (not to one before it).
    for (const Event& e : t.events) {
      if (e.type == EventType::Syscall && e.result.state == ResultState::Returned) {
        EXPECT_FALSE(e.stack.empty()) << display::format_event(e);
      }
    }
  }
  if (f.find("-y") != std::string::npos) {
    std::size_t refs = 0;
    for (const Event& e : t.events)
      for (const Arg& a : e.args)
        if (a.kind == ArgKind::Fd && !a.ref.empty()) ++refs;
    EXPECT_GT(refs, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Flags, StraceMatrix,
                         ::testing::Combine(::testing::ValuesIn(kFlags), ::testing::ValuesIn(programs())),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) + "_" + std::get<1>(info.param).name;
                         });

// capget/capset as setpriv makes them, with the sets as this process has
// them: "1<<CAP_CHOWN|..." for root (as in CI), 0 for a user without any.
TEST(StraceCapabilities, CapgetAndCapsetKeepTheirSets) {
  testing::TempDir dir;
  std::string log = dir.file("log");
  std::string cmd = "strace -f -i -tt -T -k -o " + log + " setpriv --inh-caps=-all true";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Trace t = input::load_any(log);
  for (const Event& e : t.events) EXPECT_NE(e.type, EventType::Unparsed) << "line " << e.line << ": " << e.raw;
  EXPECT_TRUE(t.warnings.empty()) << (t.warnings.empty() ? "" : t.warnings[0].message);

  std::string cap_eff;
  std::ifstream status("/proc/self/status");
  for (std::string l; std::getline(status, l);)
    if (l.rfind("CapEff:", 0) == 0) cap_eff = l.substr(l.find_first_not_of(" \t", 7));
  bool has_caps = !cap_eff.empty() && cap_eff.find_first_not_of('0') != std::string::npos;

  std::size_t gets = 0, sets = 0;
  for (const Event& e : t.events) {
    if (e.type != EventType::Syscall || (e.name != "capget" && e.name != "capset")) continue;
    SCOPED_TRACE(display::format_event(e));
    EXPECT_EQ(e.result.state, ResultState::Returned);
    EXPECT_EQ(e.result.value, 0);
    ASSERT_EQ(e.args.size(), 2u);
    if (e.args[1].kind != ArgKind::Struct) continue;  // capget(..., NULL): the version probe
    (e.name == "capget" ? gets : sets)++;
    std::map<std::string, const Arg*> set;
    for (const Arg& a : e.args[1].items) set[a.name] = &a;
    ASSERT_EQ(set.size(), 3u);
    ASSERT_TRUE(set.count("effective") && set.count("permitted") && set.count("inheritable"));
    if (has_caps) {
      EXPECT_EQ(set["effective"]->kind, ArgKind::Flags);
      EXPECT_EQ(std::string(set["effective"]->str).rfind("1<<CAP_", 0), 0u) << set["effective"]->str;
    } else {
      EXPECT_EQ(set["effective"]->kind, ArgKind::Int);
      EXPECT_EQ(set["effective"]->raw, 0);
    }
    EXPECT_EQ(set["inheritable"]->raw, 0);
    EXPECT_FALSE(e.stack.empty());
  }
  EXPECT_GE(gets, 1u);
  EXPECT_GE(sets, 1u);
  ProcessTable pt = build_process_table(t);
  ASSERT_FALSE(pt.processes.empty());
  EXPECT_EQ(pt.processes[0].exit.describe(), "exited 0");
}

// Without -o, strace and the program share stderr: the program's output cuts
// strace's lines. The calls must survive and only the output be set apart.
TEST(StraceSharedStderr, ProgramOutputIsSetApartAndCallsSurvive) {
  testing::TempDir dir;
  std::string log = dir.file("log");
  std::string cmd = "strace -f sh -c 'echo one >&2; echo two >&2; true' >/dev/null 2>" + log;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Trace t = input::load_any(log);
  std::vector<std::string> unparsed, writes;
  for (const Event& e : t.events) {
    if (e.type == EventType::Unparsed) unparsed.push_back(e.raw);
    // (dash writes through fd 1 after dup2(2, 1).)
    if (e.type == EventType::Syscall && e.name == "write" && e.args.size() == 3)
      writes.push_back(e.args[1].str + "=" + std::to_string(e.result.value));
  }
  EXPECT_EQ(unparsed, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(writes, (std::vector<std::string>{"one\n=4", "two\n=4"}));
}

}  // namespace
}  // namespace tracediff

int main(int argc, char** argv) {
  if (std::system("strace -o /dev/null true >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "SKIP: strace is missing or ptrace is not permitted here\n");
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
