// The differ on small hand-built traces: one test per divergence kind, the
// lookup rules, ranking, and the JSON contract.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "diff/diff.h"
#include "progress/progress.h"
#include "tests/diff/builders.h"
#include "tests/trace/test_util.h"
#include "input/input.h"
#include "tracefile/tracefile.h"

namespace tracediff {
namespace {

using namespace testing;

// A program that loads libc, reads its config, and exits.
TraceBuilder program(std::int32_t pid, bool config_exists, bool write_error) {
  TraceBuilder b(pid);
  b.exec("/usr/bin/app", {"app"})
      .open("/etc/ld.so.cache", ok(3))
      .call("close", {fd(3)}, ok())
      .open("/lib/x86_64-linux-gnu/libc.so.6", ok(3))
      .call("close", {fd(3)}, ok());
  if (config_exists)
    b.open("/etc/app.conf", ok(3)).call("read", {fd(3), data("k=v"), num("4096")}, ok(3)).call("close", {fd(3)}, ok());
  else
    b.open("/etc/app.conf", fail("ENOENT"));
  if (write_error) b.write_err("app: cannot read config\n");
  return b;
}

const diff::Divergence* first_significant(const diff::DiffResult& r) {
  for (const diff::Divergence& d : r.divergences)
    if (d.significant) return &d;
  return nullptr;
}

std::size_t count_significant(const diff::DiffResult& r) {
  std::size_t n = 0;
  for (const diff::Divergence& d : r.divergences) n += d.significant;
  return n;
}

TEST(Diff, SameProgramTwiceWithOtherPidsHasNoSignificantDivergence) {
  Trace a = program(1000, true, false).exit(0).build();
  Trace b = program(2000, true, false).exit(0).build();
  diff::DiffResult r = diff::diff_traces(a, b);
  EXPECT_FALSE(r.has_significant());
  EXPECT_EQ(count_significant(r), 0u);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].name, "root");
  for (const diff::AlignedRow& row : r.pairs[0].rows) EXPECT_EQ(row.op, diff::AlignedRow::Same);
}

TEST(Diff, ResultDivergenceIsTheCulpritWhenTheConfigIsMissing) {
  Trace a = program(1000, true, false).exit(0).build();
  Trace b = program(2000, false, true).exit(1).build();
  diff::DiffResult r = diff::diff_traces(a, b);
  ASSERT_TRUE(r.has_significant());
  const diff::Divergence& d = r.divergences.at(0);
  EXPECT_EQ(d.rank, 1);
  EXPECT_EQ(d.kind, diff::DivKind::Result);
  EXPECT_EQ(d.syscall, "openat");
  ASSERT_TRUE(d.good && d.bad);
  EXPECT_EQ(d.good->path, "/etc/app.conf");
  EXPECT_FALSE(d.good->err);
  EXPECT_EQ(d.bad->err, "ENOENT");
  EXPECT_EQ(d.bad->result, "-1");
  EXPECT_EQ(d.process, "root");
  // The row it points at is linked back to it.
  const diff::TaskPair& tp = r.pairs.at(d.pair);
  EXPECT_EQ(tp.rows.at(d.row).divergence, 0);
  EXPECT_EQ(r.bad.events.at(tp.rows[d.row].bad).name, "openat");
  // And the exit difference is there too, ranked below.
  bool exit_found = false;
  for (const diff::Divergence& x : r.divergences) exit_found = exit_found || (x.kind == diff::DivKind::Exit && x.rank > 1);
  EXPECT_TRUE(exit_found);
}

TEST(Diff, ResultDivergenceForDifferentErrnos) {
  TraceBuilder a(1), b(1);
  a.open("/var/lib/app/db", fail("ENOENT")).exit(1);
  b.open("/var/lib/app/db", fail("EACCES")).exit(1);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  const diff::Divergence* d = first_significant(r);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, diff::DivKind::Result);
  EXPECT_EQ(d->good->err, "ENOENT");
  EXPECT_EQ(d->bad->err, "EACCES");
}

// The culprit is one failed openat, each side's path as recorded, and no
// open on one side alone.
void expect_one_failed_open(const diff::DiffResult& r, const char* err, const std::string& good_path,
                            const std::string& bad_path) {
  const diff::Divergence* d = first_significant(r);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, diff::DivKind::Result);
  EXPECT_EQ(d->syscall, "openat");
  ASSERT_TRUE(d->good && d->bad);
  EXPECT_EQ(d->bad->err, err);
  EXPECT_EQ(d->good->path, good_path);
  EXPECT_EQ(d->bad->path, bad_path);
  for (const diff::Divergence& x : r.divergences)
    EXPECT_FALSE(x.syscall == "openat" && (x.kind == diff::DivKind::OnlyGood || x.kind == diff::DivKind::OnlyBad));
}

// Two longest common subsequences of one call each: the scratch file's
// open (failed on the bad side) and a getrandom that each side makes once,
// before the open on one side and after it on the other. The open, which
// names something and occurs once on each side, is the one to pair: one
// failed call, not a call on each side alone. mkstemp's six characters
// are any of [A-Za-z0-9]: one name in about 180 is all lowercase
// ("qimese"), which a word-shape rule takes for a word; the file is the
// one the run created exclusively, so its name's tail is generated
// whatever it looks like (diff_e2e_recorded_tmpdir-not-writable failed in
// CI on such a name).
TEST(Diff, ATieInTheAlignmentPairsTheCallThatNamesSomething) {
  for (auto [good_name, bad_name] :
       {std::pair{"scratch-a1B2c3", "scratch-Z9y8X7"}, {"scratch-qimese", "scratch-LRUgFp"},
        {"scratch-abcdef", "scratch-Q2wE3r"}, {"tmpqimese", "tmpLRUgFp"}, {"scratch-q1mese", "scratch-LRUgFp"}}) {
    SCOPED_TRACE(good_name);
    TraceBuilder a(1), b(1);
    Arg excl = flags("O_RDWR|O_CREAT|O_EXCL");
    std::string gp = std::string("/tmp/work/") + good_name, bp = std::string("/tmp/work/") + bad_name;
    a.call("prlimit64", {num("0")}, ok())
        .call("openat", {cwd(), path(gp), excl, num("0600")}, ok(3))
        .call("write", {fd(3, gp), data("work\n")}, ok(5))
        .call("getrandom", {num("8")}, ok(8))
        .call("unlink", {path(gp)}, ok())
        .exit(0);
    b.call("prlimit64", {num("0")}, ok())
        .call("getrandom", {num("8")}, ok(8))
        .call("openat", {cwd(), path(bp), excl, num("0600")}, fail("EACCES"))
        .write_err("cannot create temporary file: Permission denied\n")
        .exit(1);
    expect_one_failed_open(diff::diff_traces(a.build(), b.build()), "EACCES", gp, bp);
  }
}

// mkdtemp's directory (mkdir with mode 0700 in /tmp) names every path
// under it. With an all-lowercase suffix ("qimese") the word-shape rule
// keeps the name, so without knowing the run made the directory each
// side's files under it compare as different files: the failed open is
// then two one-sided opens rather than one failed call.
TEST(Diff, AFileInADirectoryMkdtempMadePairsWhateverTheNameLooksLike) {
  Arg mode = num("0700");
  mode.has_raw = true;
  mode.raw = 0700;
  for (auto [good_dir, bad_dir] : {std::pair{"/tmp/app-qimese", "/tmp/app-LRUgFp"}, {"/tmp/app-Q2wE3r", "/tmp/app-abcdef"},
                                   {"/tmp/app-qimese", "/tmp/app-zoqaxu"}}) {
    SCOPED_TRACE(good_dir);
    std::string gs = std::string(good_dir) + "/sock", bs = std::string(bad_dir) + "/sock";
    Arg wr = flags("O_WRONLY|O_CREAT|O_TRUNC");
    TraceBuilder a(1), b(1);
    a.call("mkdir", {path(good_dir), mode}, ok())
        .call("openat", {cwd(), path(gs), wr, num("0666")}, ok(3))
        .call("write", {fd(3, gs), data("ready\n")}, ok(6))
        .call("unlink", {path(gs)}, ok())
        .call("rmdir", {path(good_dir)}, ok())
        .exit(0);
    b.call("mkdir", {path(bad_dir), mode}, ok())
        .call("openat", {cwd(), path(bs), wr, num("0666")}, fail("ENOSPC"))
        .write_err("cannot create socket file: No space left on device\n")
        .call("rmdir", {path(bad_dir)}, ok())
        .exit(1);
    diff::DiffResult r = diff::diff_traces(a.build(), b.build());
    expect_one_failed_open(r, "ENOSPC", gs, bs);
    for (const diff::Divergence& x : r.divergences) EXPECT_FALSE(x.syscall == "mkdir" || x.syscall == "rmdir") << x.syscall;
  }
}

// A job's shell waits for mktemp, then writes its state file. On one side
// mktemp exited before the wait, on the other during it: there the SIGCHLD
// (its delivery and rt_sigreturn) comes after the wait, on the good side
// only later, around the next child's wait. Pairing those two with the
// later ones is as long a common subsequence as pairing the one open of
// the state file both sides made; the open names something and the
// signal does not (diff_e2e_mkdtemp-no-inodes failed under load on this).
TEST(Diff, AnOpenThatNamesTheFilePairsBeforeASignalThatCameElsewhere) {
  auto sigchld = [](TraceBuilder& t) {
    Event e;
    e.type = EventType::Signal;
    e.tid = e.pid = 1;
    e.name = "SIGCHLD";
    e.proc.signal = 17;
    t.trace().events.push_back(e);
    t.call("rt_sigreturn", {}, ok(0));
  };
  Arg wr = flags("O_WRONLY|O_CREAT|O_TRUNC");
  TraceBuilder a(1), b(1);
  a.call("read", {fd(3, "pipe:[1]"), data("/tmp/job-Q2wE3r"), num("128")}, ok(16));
  sigchld(a);
  a.call("close", {fd(3, "pipe:[1]")}, ok())
      .call("wait4", {num("-1"), num("0")}, ok(2))
      .call("wait4", {num("-1"), flags("WNOHANG")}, fail("ECHILD"))
      .call("openat", {cwd(), path("/tmp/job-Q2wE3r/state"), wr, num("0666")}, ok(3))
      .call("write", {fd(3, "/tmp/job-Q2wE3r/state"), data("ready\n")}, ok(6))
      .call("wait4", {num("-1"), num("0")}, ok(4));
  sigchld(a);
  a.call("wait4", {num("-1"), flags("WNOHANG")}, fail("ECHILD")).exit(0);
  b.call("read", {fd(3, "pipe:[1]"), data("/tmp/job-LRUgFp"), num("128")}, ok(16))
      .call("close", {fd(3, "pipe:[1]")}, ok())
      .call("wait4", {num("-1"), num("0")}, ok(2));
  sigchld(b);
  b.call("wait4", {num("-1"), flags("WNOHANG")}, fail("ECHILD"))
      .call("openat", {cwd(), path("/tmp/job-LRUgFp/state"), wr, num("0666")}, fail("ENOSPC"))
      .write_err("cannot create /tmp/job-LRUgFp/state: No space left on device\n")
      .exit(2);
  expect_one_failed_open(diff::diff_traces(a.build(), b.build()), "ENOSPC", "/tmp/job-Q2wE3r/state",
                         "/tmp/job-LRUgFp/state");
}

TEST(Diff, PathDivergenceWhenTheSameCallGoesElsewhere) {
  TraceBuilder a(1), b(1);
  a.call("getuid", {}, ok(0)).call("connect", {fd(3, "socket"), [] { Arg s; s.kind = ArgKind::SockAddr; s.str = "AF_INET:10.0.0.1:5432"; return s; }()}, ok()).exit(0);
  b.call("getuid", {}, ok(0)).call("connect", {fd(3, "socket"), [] { Arg s; s.kind = ArgKind::SockAddr; s.str = "AF_INET:10.0.0.2:5432"; return s; }()}, ok()).exit(0);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  const diff::Divergence* d = first_significant(r);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, diff::DivKind::Path);
  EXPECT_EQ(r.pairs[0].rows[d->row].op, diff::AlignedRow::Changed);
}

TEST(Diff, OnlyGoodAndOnlyBadRuns) {
  TraceBuilder a(1), b(1);
  a.open("/etc/a", ok(3)).open("/etc/only-good", ok(4)).open("/etc/z", ok(5)).exit(0);
  b.open("/etc/a", ok(3)).call("mkdir", {path("/var/only-bad"), num("0755")}, ok()).open("/etc/z", ok(5)).exit(0);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  bool good = false, bad = false;
  for (const diff::Divergence& d : r.divergences) {
    if (d.kind == diff::DivKind::OnlyGood) {
      good = true;
      EXPECT_TRUE(d.good && !d.bad);
      EXPECT_EQ(d.good->path, "/etc/only-good");
    }
    if (d.kind == diff::DivKind::OnlyBad) {
      bad = true;
      EXPECT_TRUE(d.bad && !d.good);
      EXPECT_EQ(d.bad->path, "/var/only-bad");
    }
  }
  EXPECT_TRUE(good && bad);
}

TEST(Diff, NoisyOnlyRunsAreNotSignificant) {
  TraceBuilder a(1), b(1);
  a.open("/etc/a", ok(3)).call("futex", {num("0x1234"), flags("FUTEX_WAIT")}, fail("EAGAIN")).exit(0);
  b.open("/etc/a", ok(3)).call("mmap", {num("NULL"), num("4096")}, ok()).exit(0);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  EXPECT_FALSE(r.has_significant());
  EXPECT_FALSE(r.divergences.empty());
}

TEST(Diff, ExitDivergenceForASignal) {
  TraceBuilder a(1), b(1);
  a.open("/etc/a", ok(3)).exit(0);
  b.open("/etc/a", ok(3));
  Event k;
  k.type = EventType::Process;
  k.tid = k.pid = 1;
  k.name = kProcKilled;
  k.proc.signal = 11;
  b.trace().events.push_back(k);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  const diff::Divergence* d = first_significant(r);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, diff::DivKind::Exit);
  EXPECT_EQ(d->bad->result, "killed by SIGSEGV");
  EXPECT_EQ(r.bad_info.exit.kind, ExitStatus::Killed);
}

TEST(Diff, DataDivergenceForStatOwnerAndMode) {
  auto st = [](const char* mode) {
    return strct({field("st_mode", mode), field("st_uid", "0"), field("st_size", "10")});
  };
  TraceBuilder a(1), b(1);
  a.call("newfstatat", {cwd(), path("/srv/data"), st("S_IFDIR|0755"), flags("0")}, ok()).exit(0);
  b.call("newfstatat", {cwd(), path("/srv/data"), st("S_IFDIR|0700"), flags("0")}, ok()).exit(0);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  const diff::Divergence* d = first_significant(r);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, diff::DivKind::Data);
  EXPECT_NE(d->explanation.find("0700"), std::string::npos);
}

TEST(Diff, SizeOnlyStatDifferenceIsNoDivergence) {
  auto st = [](const char* size) { return strct({field("st_mode", "S_IFREG|0644"), field("st_size", size)}); };
  TraceBuilder a(1), b(1);
  a.call("newfstatat", {cwd(), path("/var/log/x"), st("10"), flags("0")}, ok()).exit(0);
  b.call("newfstatat", {cwd(), path("/var/log/x"), st("99999"), flags("0")}, ok()).exit(0);
  EXPECT_TRUE(diff::diff_traces(a.build(), b.build()).divergences.empty());
}

TEST(Diff, EnvDivergencesFromHeaders) {
  Trace a = TraceBuilder(1).exit(0).build(), b = TraceBuilder(1).exit(0).build();
  a.header.host.env = std::vector<std::string>{"PATH=/usr/local/bin:/usr/bin", "SHLVL=1", "LANG=C"};
  b.header.host.env = std::vector<std::string>{"PATH=/usr/bin", "SHLVL=2"};
  a.header.host.umask = 022;
  b.header.host.umask = 077;
  a.header.host.kernel = "6.1.0";  // unknown on the other side: not a difference
  diff::DiffResult r = diff::diff_traces(a, b);
  std::map<std::string, const diff::EnvChange*> by_key;
  for (const diff::EnvChange& c : r.env) by_key[c.key] = &c;
  ASSERT_TRUE(by_key.count("PATH"));
  EXPECT_TRUE(by_key["PATH"]->significant);
  ASSERT_TRUE(by_key.count("LANG"));
  EXPECT_FALSE(by_key["LANG"]->bad.has_value());
  ASSERT_TRUE(by_key.count("SHLVL"));
  EXPECT_FALSE(by_key["SHLVL"]->significant);
  ASSERT_TRUE(by_key.count("umask"));
  EXPECT_EQ(*by_key["umask"]->bad, "0077");
  EXPECT_FALSE(by_key.count("kernel"));
  std::size_t env_divs = 0;
  for (const diff::Divergence& d : r.divergences) env_divs += d.kind == diff::DivKind::Env;
  EXPECT_EQ(env_divs, r.env.size());
}

TEST(Diff, BenignLookupsAreHiddenWhenTheyEndTheSameWay) {
  // The bad host searches one more library directory first, then finds the
  // same library: a lookup, not a difference.
  TraceBuilder a(1), b(1);
  a.open("/lib/x86_64-linux-gnu/libfoo.so.1", ok(3)).call("close", {fd(3)}, ok()).exit(0);
  b.open("/opt/extra/lib/libfoo.so.1", fail("ENOENT"))
      .open("/lib/x86_64-linux-gnu/libfoo.so.1", ok(3))
      .call("close", {fd(3)}, ok())
      .exit(0);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  EXPECT_FALSE(r.has_significant());
  ASSERT_FALSE(r.divergences.empty());
  EXPECT_TRUE(r.divergences[0].benign);
}

TEST(Diff, LookupWithADifferentOutcomeIsOneDivergenceNamingEveryCandidate) {
  // PATH search: the good side finds the wrapper first, the bad side the
  // real program further down PATH.
  TraceBuilder a(1), b(1);
  a.call("execve", {path("/opt/wrap/bin/app"), array({data("app")}), num("0x1")}, ok()).exit(0);
  b.call("execve", {path("/opt/wrap/bin/app"), array({data("app")}), num("0x1")}, fail("ENOENT"))
      .call("execve", {path("/usr/local/bin/app"), array({data("app")}), num("0x1")}, fail("ENOENT"))
      .call("execve", {path("/usr/bin/app"), array({data("app")}), num("0x1")}, ok())
      .write_err("app: not configured\n")
      .exit(1);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  const diff::Divergence& d = r.divergences.at(0);
  EXPECT_EQ(d.kind, diff::DivKind::Path);
  EXPECT_EQ(d.syscall, "execve");
  EXPECT_EQ(d.good->path, "/opt/wrap/bin/app");
  EXPECT_EQ(d.bad->path, "/usr/bin/app");
  EXPECT_EQ(d.candidates, (std::vector<std::string>{"/opt/wrap/bin/app", "/usr/local/bin/app", "/usr/bin/app"}));
  int lookups = 0;
  for (const diff::Divergence& x : r.divergences) lookups += x.syscall == "execve";
  EXPECT_EQ(lookups, 1);
}

TEST(Diff, ExecEventsInsideAPathSearchDoNotSplitTheLookup) {
  // The recorder writes the exec event right before the execve that ends a
  // PATH search; the search is still one lookup.
  auto exec_event = [](const std::string& p) {
    Event e;
    e.type = EventType::Process;
    e.tid = e.pid = 1;
    e.name = kProcExec;
    e.args = {path(p), array({data("app")})};
    return e;
  };
  TraceBuilder a(1), b(1);
  a.trace().events.push_back(exec_event("/opt/wrap/bin/app"));
  a.call("execve", {path("/opt/wrap/bin/app"), array({data("app")}), num("0x1")}, ok()).exit(0);
  b.call("execve", {path("/opt/wrap/bin/app"), array({data("app")}), num("0x1")}, fail("ENOENT"));
  b.trace().events.push_back(exec_event("/usr/bin/app"));
  b.call("execve", {path("/usr/bin/app"), array({data("app")}), num("0x1")}, ok()).write_err("no\n").exit(1);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  const diff::Divergence& d = r.divergences.at(0);
  EXPECT_EQ(d.kind, diff::DivKind::Path);
  EXPECT_EQ(d.bad->path, "/usr/bin/app");
  EXPECT_EQ(d.candidates.size(), 2u);
}

TEST(Diff, ChildProcessesMatchByWhatTheyExecAndOneSidedOnesAreReported) {
  TraceBuilder a(10), b(20);
  a.spawn(11).spawn(12);
  a.pid(11).exec("/bin/cat", {"cat"}).exit(0);
  a.pid(12).exec("/bin/ls", {"ls"}).exit(0);
  a.pid(10).exit(0);
  b.spawn(21);
  b.pid(21).exec("/bin/ls", {"ls"}).exit(0);
  b.pid(20).exit(0);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  const diff::TaskPair* ls = nullptr;
  const diff::TaskPair* cat = nullptr;
  for (const diff::TaskPair& tp : r.pairs) {
    if (tp.good_command == "ls") ls = &tp;
    if (tp.good_command == "cat") cat = &tp;
  }
  ASSERT_TRUE(ls && cat);
  EXPECT_NE(ls->bad_tid, 0);
  EXPECT_EQ(ls->bad_command, "ls");
  EXPECT_EQ(cat->bad_tid, 0);
  bool reported = false;
  for (const diff::Divergence& d : r.divergences)
    reported = reported || (d.kind == diff::DivKind::OnlyGood && d.process == cat->name && d.significant);
  EXPECT_TRUE(reported);
}

TEST(Diff, ThreadsAreMatchedWithinTheirProcess) {
  TraceBuilder a(10), b(20);
  a.spawn(11, true).thread_call(11, "openat", {cwd(), path("/etc/t"), flags("O_RDONLY")}, ok(3)).exit(0);
  b.spawn(25, true).thread_call(25, "openat", {cwd(), path("/etc/t"), flags("O_RDONLY")}, fail("EACCES")).exit(0);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  const diff::Divergence* d = first_significant(r);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, diff::DivKind::Result);
  EXPECT_EQ(d->process, "root#1");
}

TEST(Diff, RankingPrefersTheBadSideFailureNearTheErrorMessage) {
  // Two differences: an early harmless extra stat on the good side and a
  // late failure on the bad side right before the error message.
  TraceBuilder a(1), b(1);
  a.open("/etc/a", ok(3)).call("newfstatat", {cwd(), path("/etc/early"), strct({}), flags("0")}, ok());
  b.open("/etc/a", ok(3));
  for (int i = 0; i < 30; ++i) {
    a.call("getuid", {}, ok(0));
    b.call("getuid", {}, ok(0));
  }
  a.open("/var/lib/app/state", ok(4)).exit(0);
  b.open("/var/lib/app/state", fail("EACCES")).write_err("permission denied\n").exit(1);
  diff::DiffResult r = diff::diff_traces(a.build(), b.build());
  ASSERT_FALSE(r.divergences.empty());
  EXPECT_EQ(r.divergences[0].kind, diff::DivKind::Result);
  EXPECT_EQ(r.divergences[0].bad->path, "/var/lib/app/state");
  for (std::size_t i = 1; i < r.divergences.size(); ++i)
    EXPECT_GE(r.divergences[i - 1].significant ? r.divergences[i - 1].score + 1000 : r.divergences[i - 1].score,
              r.divergences[i].significant ? r.divergences[i].score + 1000 : r.divergences[i].score);
}

TEST(Diff, ApproximateAlignmentAboveTheLimitSaysSo) {
  TraceBuilder a(1), b(1);
  for (int i = 0; i < 50; ++i) {
    a.open("/etc/f" + std::to_string(i), ok(3));
    b.open("/etc/f" + std::to_string(i), ok(3));
  }
  a.open("/etc/extra", ok(3));
  for (int i = 0; i < 50; ++i) {
    a.open("/etc/g" + std::to_string(i), ok(3));
    b.open("/etc/g" + std::to_string(i), i == 20 ? fail("ENOENT") : ok(3));
  }
  a.call("getuid", {}, ok(0));
  b.call("getgid", {}, ok(0));
  diff::DiffOptions opt;
  opt.exact_limit = 1;  // anything but the trimmed ends is "too large"
  diff::DiffResult r = diff::diff_traces(a.build(), b.build(), opt);
  EXPECT_TRUE(r.pairs[0].approximate);
  ASSERT_EQ(r.notes.size(), 1u);
  bool found = false;
  for (const diff::Divergence& d : r.divergences)
    found = found || (d.kind == diff::DivKind::Result && d.bad && d.bad->path == "/etc/g20");
  EXPECT_TRUE(found);
}

// Two files diffed as the command does.
diff::DiffResult diff_files(const std::string& good, const std::string& bad) {
  std::unique_ptr<EventSource> g = input::open_any(good), b = input::open_any(bad);
  return diff::diff_sources(*g, *b);
}

// The two sides are read at once, the bad one on a thread of its own
// (diff_sources): a source that fails after `fail_at` events (never when
// 0), optionally slow, that notes on which thread it ran.
class FailingSource : public EventSource {
 public:
  FailingSource(Trace t, std::string name, std::size_t fail_at, std::chrono::microseconds pause = {})
      : t_(std::move(t)), name_(std::move(name)), fail_at_(fail_at), pause_(pause) {}
  const std::string& name() const override { return name_; }
  void read(const std::function<void(Header&)>& on_header, const std::function<void(Event&&)>& on_event,
            std::vector<Warning>&) override {
    thread = std::this_thread::get_id();
    on_header(t_.header);
    std::size_t n = 0;
    for (Event& e : t_.events) {
      if (fail_at_ && ++n == fail_at_) throw InputError(name_ + ":" + std::to_string(n + 1) + ": bad event: broken");
      if (pause_.count()) std::this_thread::sleep_for(pause_);
      on_event(std::move(e));
      ++handed;
    }
  }
  std::thread::id thread;
  std::size_t handed = 0;  ///< events handed on

 private:
  Trace t_;
  std::string name_;
  std::size_t fail_at_;
  std::chrono::microseconds pause_;
};

Trace long_program(std::int32_t pid, int opens) {
  TraceBuilder b(pid);
  b.exec("/usr/bin/app", {"app"});
  for (int i = 0; i < opens; ++i) b.open("/usr/lib/f" + std::to_string(i), ok(3)).call("close", {fd(3)}, ok());
  return b.exit(0).build();
}

TEST(DiffSources, ReadsTheBadSideOnAThreadOfItsOwn) {
  FailingSource g(long_program(1000, 3000), "good.trace", 0), b(long_program(2000, 3000), "bad.trace", 0);
  diff::DiffResult r = diff::diff_sources(g, b);
  EXPECT_EQ(g.thread, std::this_thread::get_id());
  EXPECT_NE(b.thread, std::this_thread::get_id());
  EXPECT_EQ(r.good.events.size(), r.bad.events.size());
  EXPECT_EQ(r.good.events.size(), g.handed);
  EXPECT_FALSE(r.has_significant());
}

// With no environment in the header (a strace -v log), a side's is the
// first execve's: a later exec's does not count, and a header that has
// one wins over any execve.
TEST(DiffSources, TheEnvironmentIsTheHeadersElseTheFirstExecs) {
  auto program = [](std::vector<std::string> env, std::optional<std::vector<std::string>> header) {
    TraceBuilder b(100);
    std::vector<Arg> vars;
    for (const std::string& v : env) vars.push_back(data(v));
    b.call("execve", {path("/usr/bin/app"), array({data("app")}), array(vars)}, ok());
    b.call("execve", {path("/usr/bin/next"), array({data("next")}), array({data("LATER=1")})}, ok());
    Trace t = b.exit(0).build();
    t.header.host.env = std::move(header);
    return t;
  };
  auto env_changes = [](const diff::DiffResult& r) {
    std::map<std::string, std::pair<std::string, std::string>> out;
    for (const diff::EnvChange& c : r.env)
      if (c.category == "env") out[c.key] = {c.good.value_or("unset"), c.bad.value_or("unset")};
    return out;
  };
  using Changes = std::map<std::string, std::pair<std::string, std::string>>;
  diff::DiffResult from_exec = diff::diff_traces(program({"PATH=/usr/bin", "LD_LIBRARY_PATH=/opt"}, std::nullopt),
                                                 program({"PATH=/usr/bin"}, std::nullopt));
  EXPECT_EQ(env_changes(from_exec), (Changes{{"LD_LIBRARY_PATH", {"/opt", "unset"}}}));
  diff::DiffResult from_header =
      diff::diff_traces(program({"PATH=/usr/bin", "LD_LIBRARY_PATH=/opt"}, std::vector<std::string>{"HOME=/root"}),
                        program({"PATH=/usr/bin"}, std::vector<std::string>{"HOME=/home/u"}));
  EXPECT_EQ(env_changes(from_header), (Changes{{"HOME", {"/root", "/home/u"}}}));
}

// The differ keeps each side's events packed (tracefile/event_store.h)
// and reads back only those it shows: a divergence among 6,000 calls
// decodes a handful, and what is read back is the event as the replay
// enriched it (the fd referent of a close), not as the source gave it.
TEST(DiffSources, KeepsTheEventsPackedAndReadsBackWhatItShows) {
  auto program = [](std::int32_t pid, bool denied) {
    TraceBuilder b(pid);
    b.exec("/usr/bin/app", {"app"});
    for (int i = 0; i < 3000; ++i)
      b.open("/usr/lib/f" + std::to_string(i), denied && i == 1700 ? fail("EACCES") : ok(3))
          .call("close", {fd(3)}, ok());
    return b.exit(0).build();
  };
  FailingSource g(program(1000, false), "good.trace", 0), b(program(2000, true), "bad.trace", 0);
  diff::DiffResult r = diff::diff_sources(g, b);
  ASSERT_TRUE(r.good.events.is_packed());
  ASSERT_TRUE(r.bad.events.is_packed());
  ASSERT_EQ(r.bad.events.size(), b.handed);
  const diff::Divergence* d = nullptr;
  for (const diff::Divergence& x : r.divergences)
    if (x.kind == diff::DivKind::Result) d = &x;
  ASSERT_NE(d, nullptr);
  ASSERT_TRUE(d->bad && d->bad->has_event);
  EXPECT_EQ(d->bad->err, "EACCES");
  EXPECT_EQ(d->bad->path, "/usr/lib/f1700");
  // Reading 6,000 events a side, the differ decoded a few of them again,
  // and let them go before it returned.
  EXPECT_LT(r.good.events.decodes() + r.bad.events.decodes(), 50u);
  EXPECT_EQ(r.good.events.decoded(), 0u);
  EXPECT_EQ(r.bad.events.decoded(), 0u);
  const Event& denied = r.bad.events[d->bad->event];
  EXPECT_EQ(denied.name, "openat");
  EXPECT_EQ(denied.result.err, "EACCES");
  // The close after the good side's open of f1700: its fd's referent is
  // what the replay knew, kept through packing.
  const Event& close = r.good.events[d->good->event + 1];
  ASSERT_EQ(close.name, "close");
  ASSERT_FALSE(close.args.empty());
  EXPECT_EQ(close.args[0].ref, "/usr/lib/f1700");
}

TEST(DiffSources, TheGoodSidesErrorIsTheOneReportedAndStopsTheBadSide) {
  // The bad side would take 6000 * 200 us = 1.2 s: it stops at its next
  // event, long before the 1000th.
  FailingSource g(long_program(1000, 3000), "good.trace", 10),
      b(long_program(2000, 3000), "bad.trace", 5000, std::chrono::microseconds(200));
  try {
    diff::diff_sources(g, b);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "good.trace:11: bad event: broken");
  }
  EXPECT_LT(b.handed, 1000u) << "the bad side was read on after the good side failed";
}

TEST(DiffSources, TheBadSidesErrorReachesTheCaller) {
  FailingSource g(long_program(1000, 3000), "good.trace", 0), b(long_program(2000, 3000), "bad.trace", 42);
  try {
    diff::diff_sources(g, b);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "bad.trace:43: bad event: broken");
  }
}

// Counts both sides' events, told from the calling thread only.
class RecordingMeter : public progress::Meter {
 public:
  void update(const std::string& what, std::uint64_t done, std::uint64_t, const char*) override {
    threads.insert(std::this_thread::get_id());
    if (what.starts_with("reading")) {
      reading = what;
      most = std::max(most, done);
    }
  }
  void finish() override { ++finished; }
  std::set<std::thread::id> threads;
  std::string reading;
  std::uint64_t most = 0;
  int finished = 0;
};

TEST(DiffSources, TheProgressLineCountsBothSidesFromTheCallingThread) {
  // The bad side is slower: the good side is read first, and the count
  // goes on while the bad one is.
  FailingSource g(long_program(1000, 4000), "good.trace", 0),
      b(long_program(2000, 4000), "bad.trace", 0, std::chrono::microseconds(20));
  RecordingMeter m;
  diff::DiffOptions opt;
  opt.progress = &m;
  diff::diff_sources(g, b, opt);
  EXPECT_EQ(m.threads, (std::set<std::thread::id>{std::this_thread::get_id()}));
  EXPECT_EQ(m.reading, "reading good.trace and bad.trace");
  EXPECT_GT(m.most, g.handed) << "the bad side's events were not counted";
  EXPECT_LE(m.most, g.handed + b.handed);
  EXPECT_GE(m.finished, 1);
}

TEST(DiffSources, TheSameInputsGiveTheSameReport) {
  // Two threads and a pool of workers: the report must not depend on who
  // ran first.
  TempDir dir;
  Trace a = long_program(1000, 5000), b = long_program(2000, 5000);
  b.events[4001].result = fail("EACCES");
  tracefile::write_trace(dir.file("a.trace"), a, {});
  tracefile::write_trace(dir.file("b.trace"), b, {});
  std::string first = diff::diff_to_json(diff_files(dir.file("a.trace"), dir.file("b.trace")));
  EXPECT_NE(first.find("EACCES"), std::string::npos);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(diff::diff_to_json(diff_files(dir.file("a.trace"), dir.file("b.trace"))), first);
}

TEST(Diff, DiffFilesGivesWhatDiffTracesGives) {
  TempDir dir;
  Trace a = program(1000, true, false).exit(0).build();
  Trace b = program(2000, false, true).exit(1).build();
  tracefile::write_trace(dir.file("good.trace"), a, {});
  tracefile::write_trace(dir.file("bad.trace"), b, {});
  diff::DiffResult from_files = diff_files(dir.file("good.trace"), dir.file("bad.trace"));
  diff::DiffResult in_memory = diff::diff_traces(a, b, {}, dir.file("good.trace"), dir.file("bad.trace"));
  EXPECT_EQ(diff::diff_to_json(from_files), diff::diff_to_json(in_memory));
  EXPECT_THROW(diff_files(dir.file("missing"), dir.file("bad.trace")), InputError);
}

TEST(Diff, EmptyAndOneSidedTraces) {
  diff::DiffResult empty = diff::diff_traces(Trace{}, Trace{});
  EXPECT_FALSE(empty.has_significant());
  EXPECT_TRUE(empty.pairs.empty());
  simdjson::dom::parser parser;
  EXPECT_FALSE(parser.parse(diff::diff_to_json(empty)).error());

  diff::DiffResult one = diff::diff_traces(program(5, true, false).exit(0).build(), Trace{});
  ASSERT_EQ(one.pairs.size(), 1u);
  EXPECT_EQ(one.pairs[0].bad_tid, 0);
  ASSERT_TRUE(one.has_significant());
  EXPECT_EQ(one.divergences[0].kind, diff::DivKind::OnlyGood);
  EXPECT_FALSE(one.divergences[0].bad.has_value());
}

// What a recording could not see reaches the report: a note per side.
TEST(Diff, NotesWhatARecordingCouldNotSee) {
  Trace a = program(1000, true, false).exit(0).build();
  Trace b = program(2000, false, true).exit(1).build();
  b.header.options["io_uring.processes"] = "1";
  b.header.options["io_uring.pids"] = "2000";
  diff::DiffResult r = diff::diff_traces(a, b, {}, "good.trace", "bad.trace");
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0].rfind("bad trace bad.trace: process 2000 used io_uring: ", 0), 0u) << r.notes[0];
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(diff::diff_to_json(r));
  ASSERT_EQ(simdjson::dom::array(doc["notes"]).size(), 1u);
  EXPECT_EQ(std::string_view(doc["notes"].at(0)), r.notes[0]);
  diff::DiffResult clean = diff::diff_traces(a, a, {}, "good.trace", "good.trace");
  EXPECT_TRUE(clean.notes.empty());
}

// The JSON report is handed out a piece at a time, never held whole: a
// report of many divergences comes in several pieces that make up the
// same document.
TEST(DiffJson, StreamsInPieces) {
  Trace a = program(1000, true, false).exit(0).build();
  Trace b = program(2000, false, true).exit(1).build();
  diff::DiffResult r = diff::diff_traces(a, b, {}, "good.trace", "bad.trace");
  ASSERT_FALSE(r.divergences.empty());
  diff::Divergence d = r.divergences[0];
  d.explanation.assign(1000, 'x');
  r.divergences.assign(500, d);
  std::vector<std::string> pieces;
  diff::write_diff_json(r, [&](std::string_view p) { pieces.emplace_back(p); });
  EXPECT_GT(pieces.size(), 3u);
  std::string whole;
  for (const std::string& p : pieces) {
    EXPECT_LT(p.size(), 200u * 1024) << "a piece is about 64 KiB, not the whole report";
    whole += p;
  }
  EXPECT_EQ(whole, diff::diff_to_json(r));
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(whole);
  EXPECT_EQ(simdjson::dom::array(doc["divergences"]).size(), 500u);
}

TEST(DiffJson, FollowsTheContract) {
  Trace a = program(1000, true, false).exit(0).build();
  Trace b = program(2000, false, true).exit(1).build();
  a.header.command = {"app"};
  b.header.host.hostname = "bad-host";
  diff::DiffResult r = diff::diff_traces(a, b, {}, "good.trace", "bad.trace");
  std::string json = diff::diff_to_json(r);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  EXPECT_EQ(int64_t(doc["version"]), 3);
  EXPECT_EQ(std::string_view(doc["good"]["file"]), "good.trace");
  EXPECT_EQ(std::string_view(doc["runs"]["good"].at(0)), "good.trace");
  EXPECT_EQ(std::string_view(doc["runs"]["bad"].at(0)), "bad.trace");
  EXPECT_EQ(int64_t(doc["runs"]["learned_noise"]), 0);
  EXPECT_EQ(uint64_t(int64_t(doc["runs"]["folded"])), r.runs.folded);
  EXPECT_EQ(int64_t(doc["runs"]["standing"]), 1);
  EXPECT_TRUE(doc["good"]["host"].is_null());
  EXPECT_EQ(std::string_view(doc["bad"]["host"]), "bad-host");
  EXPECT_EQ(std::string_view(doc["good"]["command"].at(0)), "app");
  EXPECT_EQ(std::string_view(doc["good"]["exit"]["status"]), "exited");
  EXPECT_EQ(int64_t(doc["bad"]["exit"]["code"]), 1);
  simdjson::dom::array divs = doc["divergences"];
  ASSERT_GE(divs.size(), 2u);
  int64_t prev = 0;
  for (simdjson::dom::element d : divs) {
    int64_t rank = d["rank"];
    EXPECT_EQ(rank, prev + 1);
    prev = rank;
    for (const char* k : {"kind", "significant", "process", "syscall", "good", "bad", "explanation", "field",
                          "evidence", "why", "candidates", "follows", "consequences", "consequence_summary", "reason",
                          "bad_runs", "good_runs", "seen"})
      EXPECT_FALSE(d[k].error()) << k;
  }
  simdjson::dom::element top = divs.at(0);
  EXPECT_EQ(std::string_view(top["kind"]), "result");
  EXPECT_EQ(bool(top["significant"]), true);
  EXPECT_EQ(std::string_view(top["process"]), "root");
  EXPECT_EQ(std::string_view(top["syscall"]), "openat");
  EXPECT_EQ(std::string_view(top["good"]["path"]), "/etc/app.conf");
  EXPECT_EQ(std::string_view(top["good"]["result"]), "3");
  EXPECT_TRUE(top["good"]["errno"].is_null());
  EXPECT_EQ(std::string_view(top["bad"]["result"]), "-1");
  EXPECT_EQ(std::string_view(top["bad"]["errno"]), "ENOENT");
  EXPECT_EQ(std::string_view(top["bad"]["target"]), "/etc/app.conf");
  EXPECT_EQ(std::string_view(top["field"]), "errno");
  EXPECT_TRUE(top["evidence"].is_array());
  // What follows from it (the error path, the exit) is folded under it.
  EXPECT_TRUE(top["follows"].is_null());
  EXPECT_GT(int64_t(top["consequences"]), 0);
  EXPECT_TRUE(top["seen"].is_null());
  // A side without an event is null.
  bool null_side = false;
  for (simdjson::dom::element d : divs) null_side = null_side || d["good"].is_null() || d["bad"].is_null();
  EXPECT_TRUE(null_side);
}

TEST(DiffJson, BinaryDataStaysValidJson) {
  TraceBuilder a(1), b(1);
  a.call("mkdir", {path(std::string("/tmp/\xff\xfe") + "x"), num("0755")}, ok()).exit(0);
  b.exit(0);
  std::string json = diff::diff_to_json(diff::diff_traces(a.build(), b.build()));
  simdjson::dom::parser parser;
  EXPECT_FALSE(parser.parse(json).error());
}


// A program that lists its plugin directory twice and reads /etc/group.
TraceBuilder lister(std::int32_t pid, std::vector<std::string> names, const std::string& group_line) {
  TraceBuilder b(pid);
  b.exec("/usr/bin/app", {"app"});
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<Arg> items;
    for (const std::string& n : names) items.push_back(data(n));
    b.open("/usr/lib/app/plugins", ok(3))
        .call("getdents64", {fd(3, "/usr/lib/app/plugins"), array(items), num("32768")}, ok(64))
        .call("close", {fd(3)}, ok());
  }
  b.open("/etc/group", ok(4))
      .call("read", {fd(4, "/etc/group"), data("root:x:0:\n" + group_line + "\n"), num("4096")}, ok(40))
      .call("close", {fd(4)}, ok());
  return b;
}

TEST(Diff, ListingSaysTheNamesOneSideOnlySawOnce) {
  Trace a = lister(1000, {".", "..", "a.so", "b.so"}, "ssl-cert:x:103:app").exit(0).build();
  Trace b = lister(2000, {".", "..", "a.so", "c.so"}, "ssl-cert:x:103:app").exit(0).build();
  diff::DiffResult r = diff::diff_traces(a, b);
  std::vector<const diff::Divergence*> listings;
  for (const diff::Divergence& d : r.divergences)
    if (d.field == "listing") listings.push_back(&d);
  // Two passes over the directory, one divergence: the same difference.
  ASSERT_EQ(listings.size(), 1u);
  EXPECT_TRUE(listings[0]->significant);
  EXPECT_NE(listings[0]->explanation.find("on the good side only: b.so"), std::string::npos) << listings[0]->explanation;
  EXPECT_NE(listings[0]->explanation.find("on the bad side only: c.so"), std::string::npos) << listings[0]->explanation;
  EXPECT_EQ(listings[0]->explanation.find("a.so"), std::string::npos) << listings[0]->explanation;
}

TEST(Diff, PermissionFailureGetsTheDifferingGroupLine) {
  TraceBuilder g = lister(1000, {".", "..", "a.so"}, "ssl-cert:x:103:postgres,app");
  g.open("/etc/ssl/private/app.key", ok(5));
  TraceBuilder bb = lister(2000, {".", "..", "a.so"}, "ssl-cert:x:103:postgres");
  bb.open("/etc/ssl/private/app.key", fail("EACCES"));
  Trace a = g.exit(0).build();
  Trace b = bb.exit(1).build();
  diff::DiffResult r = diff::diff_traces(a, b);
  const diff::Divergence* first = first_significant(r);
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(first->kind, diff::DivKind::Result);
  EXPECT_NE(first->why.find("'ssl-cert:x:103:postgres,app' on the good side, 'ssl-cert:x:103:postgres' on the bad side"),
            std::string::npos)
      << first->why;
}


TEST(Diff, NamesCreatedExclusivelyAreGeneratedWhereverTheyAre) {
  // mkstemp("/var/spool/reports/report.XXXXXXXX") on two runs: the random
  // part differs, the file is the same one; a plain name there is compared.
  auto run = [](std::int32_t pid, const std::string& tmp, const std::string& conf) {
    TraceBuilder b(pid);
    b.exec("/usr/bin/app", {"app"})
        .call("openat", {cwd(), path("/var/spool/reports/report." + tmp), flags("O_RDWR|O_CREAT|O_EXCL"), num("0600")},
              ok(3))
        .call("close", {fd(3)}, ok())
        .open("/var/spool/reports/" + conf, ok(3));
    return b.exit(0).build();
  };
  diff::DiffResult same = diff::diff_traces(run(1000, "7xlvbm7M", "a.conf"), run(2000, "0jgFVXs3", "a.conf"));
  EXPECT_EQ(count_significant(same), 0u);
  diff::DiffResult other = diff::diff_traces(run(1000, "7xlvbm7M", "a.conf"), run(2000, "0jgFVXs3", "b2.conf"));
  const diff::Divergence* first = first_significant(other);
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->bad);
  EXPECT_EQ(first->bad->path, "/var/spool/reports/b2.conf");
}

}  // namespace
}  // namespace tracediff
