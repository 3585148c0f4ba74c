// One test group per normalize rule, each run with every other rule off.
#include <gtest/gtest.h>

#include <fstream>

#include "normalize/canon.h"
#include "normalize/normalize.h"
#include "normalize/rules.h"
#include "tests/diff/builders.h"
#include "tests/trace/test_util.h"
#include "tracefile/tracefile.h"

namespace tracediff {
namespace {

using namespace testing;

normalize::NormalizeOptions only(const std::string& rule) {
  normalize::NormalizeOptions o;
  for (const auto& [name, desc] : normalize::list_rules())
    if (name != rule) o.disabled.insert(name);
  return o;
}

TEST(NormalizeRules, EveryRuleHasANameAndADescription) {
  auto rules = normalize::list_rules();
  ASSERT_GE(rules.size(), 9u);
  for (const auto& [name, desc] : rules) {
    EXPECT_FALSE(name.empty());
    EXPECT_GT(desc.size(), 10u) << name;
  }
}

TEST(NormalizeRules, UnknownRuleNameIsAnError) {
  normalize::NormalizeOptions o;
  o.disabled.insert("no-such-rule");
  EXPECT_THROW(normalize::normalized(Trace{}, o), std::invalid_argument);
}

TEST(NormalizeTasks, SameTreeGetsSameNumbersAndNamesWhateverThePids) {
  auto make = [](int root, int child, int thread) {
    TraceBuilder b(root);
    b.exec("/bin/sh", {"sh", "-c", "cat x"}).spawn(thread, true).spawn(child);
    b.pid(child).exec("/bin/cat", {"cat", "x"}).call("getpid", {}, ok(child)).exit(0);
    b.pid(root).thread_call(thread, "gettid", {}, ok(thread)).call("wait4", {num(std::to_string(child))}, ok(child));
    return b.build();
  };
  Trace a = normalize::normalized(make(4711, 4712, 4713), only("tasks"));
  Trace b = normalize::normalized(make(90001, 90002, 90100), only("tasks"));
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i].tid, b.events[i].tid) << i;
    EXPECT_EQ(a.events[i].result.value, b.events[i].result.value) << i;
    EXPECT_EQ(a.events[i].args, b.events[i].args) << i;
  }
  EXPECT_EQ(normalize::task_name_of(a, 1), "root");
  EXPECT_EQ(normalize::task_name_of(a, 2), "root#1");
  EXPECT_EQ(normalize::task_name_of(a, 3), "root/1:cat");
  EXPECT_EQ(normalize::task_name_of(b, 3), "root/1:cat");
}

TEST(NormalizeTasks, OffKeepsRawPids) {
  TraceBuilder b(4711);
  b.call("getpid", {}, ok(4711));
  Trace t = normalize::normalized(b.build(), only("fds"));
  EXPECT_EQ(t.events[0].tid, 4711);
}

TEST(NormalizeFds, NumbersBecomeReferentsTrackedThroughOpenDupAndClose) {
  TraceBuilder b;
  b.open("/etc/app.conf", ok(3))
      .call("dup2", {fd(3), fd(7)}, ok(7))
      .call("read", {fd(7), data("x"), num("1")}, ok(1))
      .call("close", {fd(3)}, ok())
      .call("read", {fd(3), data(""), num("1")}, fail("EBADF"))
      .call("write", {fd(2), data("err"), num("3")}, ok(3));
  Trace t = normalize::normalized(b.build(), only("fds"));
  EXPECT_EQ(t.events[0].result.ref, "/etc/app.conf");
  EXPECT_EQ(t.events[2].args[0].ref, "/etc/app.conf");
  EXPECT_EQ(t.events[2].args[0].str, "fd");
  EXPECT_EQ(t.events[4].args[0].ref, "");  // closed: nothing to refer to
  EXPECT_EQ(t.events[5].args[0].ref, "<stderr>");
  EXPECT_EQ(t.events[5].args[0].raw, 2);  // kept for readers
}

TEST(NormalizeFds, InheritedStandardStreamsKeepTheirRoleThroughDups) {
  // The caller redirected stderr to a file of its own; the trace knows it.
  TraceBuilder b(10);
  b.call("fcntl", {fd(2, "/tmp/run-one.err"), flags("F_DUPFD"), num("10")}, ok(11))
      .call("dup2", {fd(11, "/tmp/run-one.err"), fd(2, "/tmp/run-one.err")}, ok(2))
      .call("write", {fd(2, "/tmp/run-one.err"), data("x"), num("1")}, ok(1))
      .open("/etc/x", ok(3))
      .call("dup2", {fd(3, "/etc/x"), fd(1, "/tmp/run-one.out")}, ok(1))
      .call("write", {fd(1, "/etc/x"), data("x"), num("1")}, ok(1));
  Trace t = normalize::normalized(b.build(), only("fds"));
  EXPECT_EQ(t.events[0].args[0].ref, "<stderr>");
  EXPECT_EQ(t.events[2].args[0].ref, "<stderr>");
  EXPECT_EQ(t.events[5].args[0].ref, "/etc/x");  // redirected inside the trace: a real referent
}

TEST(NormalizeFds, ChildInheritsTableAndRelativePathsResolveAgainstCwd) {
  TraceBuilder b(10);
  b.call("chdir", {path("/srv/app")}, ok()).open("/etc/x", ok(4)).spawn(11);
  b.pid(11).call("read", {fd(4), data(""), num("1")}, ok()).open("conf/app.ini", fail("ENOENT"));
  Trace t = normalize::normalized(b.build(), only("fds"));
  EXPECT_EQ(t.events[3].args[0].ref, "/etc/x");
  EXPECT_EQ(t.events[4].args[1].abs, "/srv/app/conf/app.ini");
}

TEST(NormalizeFds, InodeNumbersAndTerminalNumbersGoFromReferents) {
  EXPECT_EQ(normalize::detail::canonical_ref("pipe:[123456]"), "pipe");
  EXPECT_EQ(normalize::detail::canonical_ref("socket:[99]"), "socket");
  EXPECT_EQ(normalize::detail::canonical_ref("/dev/pts/3"), "/dev/pts/#");
  EXPECT_EQ(normalize::detail::canonical_ref("TCP:[127.0.0.1:40312->127.0.0.1:8080]"), "TCP:[->127.0.0.1:8080]");
  EXPECT_EQ(normalize::detail::canonical_ref("/etc/passwd"), "/etc/passwd");
}

TEST(NormalizeNames, GeneratedNamesNormalizeAlike) {
  std::unordered_set<std::int32_t> none;
  // The example from the issue: pid, epoch seconds and microseconds.
  EXPECT_EQ(normalize::detail::normalize_generated_name("spool.21470.1573692319.854640", none),
            normalize::detail::normalize_generated_name("spool.4760.1795929428.488575", none));
  EXPECT_EQ(normalize::detail::normalize_generated_name("tmp/spool.21470.1573692319.854640", none),
            normalize::detail::normalize_generated_name("tmp/spool.4760.1795929428.488575", none));
  // mkstemp and python tempfile suffixes under temp directories.
  EXPECT_EQ(normalize::detail::normalize_generated_name("/tmp/app-aB3xYz", none),
            normalize::detail::normalize_generated_name("/tmp/app-Q9kLmn", none));
  EXPECT_EQ(normalize::detail::normalize_generated_name("/tmp/tmpk3j_x9yz/out", none),
            normalize::detail::normalize_generated_name("/tmp/tmp0a8_qqz1/out", none));
  // Random hex anywhere.
  EXPECT_EQ(normalize::detail::normalize_generated_name("/var/cache/x/3f9a0c1d77e2", none), "/var/cache/x/#");
  // Short pids count only when they are pids of the trace, as a whole word.
  std::unordered_set<std::int32_t> pids = {321};
  EXPECT_EQ(normalize::detail::normalize_generated_name("/proc/321/status", pids), "/proc/#/status");
  EXPECT_EQ(normalize::detail::normalize_generated_name("/usr/lib/python321.zip", pids), "/usr/lib/python321.zip");
}

// A file the run created exclusively: the tail mkstemp generated is
// masked whatever its letters look like; only that file's name, and only
// the last six letters and digits of its last component.
TEST(NormalizeNames, AnExclusivelyCreatedNamesTailIsGeneratedWhateverItLooksLike) {
  using normalize::detail::normalize_generated_name;
  std::unordered_set<std::int32_t> none;
  std::vector<std::string> work = {"/srv/work"};
  auto made = [](std::initializer_list<const char*> names) {
    normalize::detail::CreatedNames c;
    for (const char* n : names) c.emplace(n);
    return c;
  };
  normalize::detail::CreatedNames scratch = made({"/srv/work/scratch-qimese", "/srv/work/scratch-LRUgFp"});
  // All lowercase: a word by its shape, mkstemp's by its creation.
  EXPECT_EQ(normalize_generated_name("/srv/work/scratch-qimese", none, work), "/srv/work/scratch-qimese");
  EXPECT_EQ(normalize_generated_name("/srv/work/scratch-qimese", none, work, &scratch), "/srv/work/scratch-XXXXXX");
  EXPECT_EQ(normalize_generated_name("/srv/work/scratch-qimese", none, work, &scratch),
            normalize_generated_name("/srv/work/scratch-LRUgFp", none, work, &scratch));
  // Outside a temp directory too (a lock file made with O_EXCL anywhere).
  normalize::detail::CreatedNames job = made({"/var/spool/job.qimese", "/run/app.lock", "/srv/abcdefgh/x.pid"});
  EXPECT_EQ(normalize_generated_name("/var/spool/job.qimese", none, {}, &job), "/var/spool/job.XXXXXX");
  // Fewer than six: nothing to mask; the directories are not the file.
  EXPECT_EQ(normalize_generated_name("/run/app.lock", none, {}, &job), "/run/app.lock");
  EXPECT_EQ(normalize_generated_name("/srv/abcdefgh/x.pid", none, {}, &job), "/srv/abcdefgh/x.pid");
  // A name that was not created keeps its shape's verdict.
  EXPECT_EQ(normalize_generated_name("/var/spool/job.abcdef", none, {}, &job), "/var/spool/job.abcdef");
}

// mkdtemp's directory: its name is masked in every path under it, not
// only where it is the last component; a sibling it did not make is not.
TEST(NormalizeNames, ACreatedDirectoryIsGeneratedInEveryPathUnderIt) {
  using normalize::detail::normalize_generated_name;
  std::unordered_set<std::int32_t> none;
  normalize::detail::CreatedNames dirs = {"/tmp/app-qimese", "/tmp/app-abcdef"};
  EXPECT_EQ(normalize_generated_name("/tmp/app-qimese/sock", none), "/tmp/app-qimese/sock");
  EXPECT_EQ(normalize_generated_name("/tmp/app-qimese/sock", none, {}, &dirs), "/tmp/app-XXXXXX/sock");
  EXPECT_EQ(normalize_generated_name("/tmp/app-qimese", none, {}, &dirs), "/tmp/app-XXXXXX");
  EXPECT_EQ(normalize_generated_name("/tmp/app-qimese/a/b.conf", none, {}, &dirs),
            normalize_generated_name("/tmp/app-Q9kLmn/a/b.conf", none, {}, &dirs));
  EXPECT_EQ(normalize_generated_name("/tmp/app-abcdef/sock", none, {}, &dirs), "/tmp/app-XXXXXX/sock");
  EXPECT_EQ(normalize_generated_name("/tmp/app-qimesex/sock", none, {}, &dirs), "/tmp/app-qimesex/sock");
  EXPECT_EQ(normalize_generated_name("/tmp/other/sock", none, {}, &dirs), "/tmp/other/sock");
}

// `tracediff normalize` (the names rule over a whole trace) and the diff's
// Canon learn the same things in the same order: $TMPDIR from the header,
// files created with O_CREAT|O_EXCL, mkdtemp's directories; a name seen
// before the run made it is not masked by either.
TEST(NormalizeNames, TheRuleAndTheCanonAgreeOnNamesTheRunMade) {
  Arg mode = num("0700");
  mode.has_raw = true;
  mode.raw = 0700;
  TraceBuilder b(7);
  b.trace().header.host.env = std::vector<std::string>{"TMPDIR=/srv/scratch"};
  b.call("newfstatat", {cwd(), path("/tmp/app-qimese"), num("0x7ffd")}, fail("ENOENT"))
      .call("openat", {cwd(), path("/srv/scratch/abcdefgh.log"), flags("O_RDONLY")}, fail("ENOENT"))
      .call("mkdir", {path("/tmp/app-qimese"), mode}, ok())
      .call("openat", {cwd(), path("/tmp/app-qimese/sock"), flags("O_WRONLY|O_CREAT")}, ok(3))
      .call("mkdir", {path("/tmp/build-kept"), num("0755")}, ok())
      .call("openat", {cwd(), path("/var/lock/job.qimese"), flags("O_RDWR|O_CREAT|O_EXCL")}, ok(4))
      .call("unlink", {path("/var/lock/job.qimese")}, ok());
  Trace raw = b.build();
  Trace t = normalize::normalized(raw, only("names"));
  std::vector<std::string> in_place, canon;
  normalize::Canon c(raw.header, only("names"));
  for (std::size_t i = 0; i < raw.events.size(); ++i) {
    std::size_t at = raw.events[i].name == "openat" || raw.events[i].name == "newfstatat" ? 1 : 0;  // the path
    in_place.push_back(t.events[i].args[at].str);
    c.note(raw.events[i]);
    std::string out;
    c.name(raw.events[i].args[at].str.view(), out);
    canon.push_back(out);
  }
  std::vector<std::string> want = {"/tmp/app-qimese", "/srv/scratch/XXXXXX.log", "/tmp/app-XXXXXX",
                                   "/tmp/app-XXXXXX/sock", "/tmp/build-kept", "/var/lock/job.XXXXXX",
                                   "/var/lock/job.XXXXXX"};
  EXPECT_EQ(in_place, want);
  EXPECT_EQ(canon, want);
}

TEST(NormalizeNames, VersionsAndOrdinaryNamesStay) {
  std::unordered_set<std::int32_t> none;
  for (const char* p : {"/usr/lib/python3.11/json/__init__.py", "/lib/x86_64-linux-gnu/libc.so.6",
                        "/lib64/ld-linux-x86-64.so.2", "/usr/bin/sha256sum", "/etc/rc2.d", "/opt/app-1.4.2"})
    EXPECT_EQ(normalize::detail::normalize_generated_name(p, none), p);
}

TEST(NormalizeNames, AppliesToPathsAndReferentsNotData) {
  TraceBuilder b(12345);
  b.open("/tmp/spool.12345.1573692319", ok(3)).call("write", {fd(3, "/tmp/x.1573692319"), data("t=1573692319"), num("12")}, ok(12));
  Trace t = normalize::normalized(b.build(), only("names"));
  EXPECT_EQ(t.events[0].args[1].str, "/tmp/spool.#.#");
  EXPECT_EQ(t.events[1].args[0].ref, "/tmp/x.#");
  EXPECT_EQ(t.events[1].args[1].str, "t=1573692319");
}

TEST(NormalizeAddresses, HexAddressesGoSmallValuesStay) {
  TraceBuilder b;
  Result r = ok(0);
  r.str = "0x7f2f12cf1000";
  b.call("mmap", {num("NULL"), num("8192"), flags("PROT_READ"), num("0x7f2f12b2e000")}, r)
      .call("execve", {path("/bin/true"), array({}), num("0x7ffce98dc010 /* 16 vars */")}, ok())
      .call("mprotect", {num("0x7000"), num("4096"), flags("PROT_NONE")}, ok());
  Trace t = normalize::normalized(b.build(), only("addresses"));
  EXPECT_EQ(t.events[0].result.str, "ADDR");
  EXPECT_EQ(t.events[0].args[3].str, "ADDR");
  EXPECT_EQ(t.events[1].args[2].str, "ADDR /* 16 vars */");
  EXPECT_EQ(t.events[2].args[0].str, "0x7000");
}

TEST(NormalizeTiming, TimestampsDurationsAndTimeValuesGo) {
  TraceBuilder b;
  b.call("clock_gettime", {flags("CLOCK_MONOTONIC"), strct({field("tv_sec", "1234"), field("tv_nsec", "5678")})}, ok());
  b.trace().events[0].dur_ns = 500;
  Trace t = normalize::normalized(b.build(), only("timing"));
  EXPECT_EQ(t.events[0].ts_ns, -1);
  EXPECT_EQ(t.events[0].dur_ns, -1);
  EXPECT_EQ(t.events[0].args[1].items[0].str, "T");
}

TEST(NormalizeStat, SizesInodesTimesGoOwnerAndModeStay) {
  TraceBuilder b;
  b.call("newfstatat", {cwd(), path("/etc/app.conf"),
                        strct({field("st_dev", "2049"), field("st_ino", "1234"), field("st_mode", "S_IFREG|0640"),
                               field("st_uid", "0"), field("st_gid", "42"), field("st_size", "99"),
                               field("st_mtime", "1700000000")}),
                        flags("0")},
         ok());
  Trace t = normalize::normalized(b.build(), only("stat"));
  const auto& items = t.events[0].args[2].items;
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].name, "st_mode");
  EXPECT_EQ(items[1].name, "st_uid");
  EXPECT_EQ(items[2].name, "st_gid");
}

TEST(NormalizeFamilies, LibcVariantsBecomeOneCallShape) {
  TraceBuilder old_libc, new_libc;
  old_libc.call("open", {path("/etc/a"), flags("O_RDONLY")}, ok(3))
      .call("stat", {path("/etc/b"), strct({})}, ok())
      .call("access", {path("/etc/c"), flags("R_OK")}, fail("ENOENT"))
      .call("fork", {}, ok(5))
      .call("dup2", {fd(3), fd(1)}, ok(1))
      .call("pipe", {array({num("4"), num("5")})}, ok())
      .call("getdents", {fd(3), array({}), num("32768")}, ok());
  new_libc.call("openat", {cwd(), path("/etc/a"), flags("O_RDONLY")}, ok(3))
      .call("newfstatat", {cwd(), path("/etc/b"), strct({}), flags("0")}, ok())
      .call("faccessat2", {cwd(), path("/etc/c"), flags("R_OK"), flags("0")}, fail("ENOENT"))
      .call("clone", {flags("child_stack=NULL"), flags("CLONE_CHILD_CLEARTID|SIGCHLD")}, ok(5))
      .call("dup3", {fd(3), fd(1), flags("0")}, ok(1))
      .call("pipe2", {array({num("4"), num("5")}), flags("0")}, ok())
      .call("getdents64", {fd(3), array({}), num("32768")}, ok());
  Trace a = normalize::normalized(old_libc.build(), only("families"));
  Trace b = normalize::normalized(new_libc.build(), only("families"));
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i].name, b.events[i].name) << i;
    EXPECT_EQ(a.events[i].args.size(), b.events[i].args.size()) << a.events[i].name;
  }
  EXPECT_EQ(a.events[0].name, "openat");
  EXPECT_EQ(a.events[3].name, "clone");
}

TEST(NormalizeFamilies, ThreadsStayDistinctFromProcesses) {
  TraceBuilder b;
  b.call("clone3", {strct({field("flags", "CLONE_VM|CLONE_THREAD|CLONE_SIGHAND")})}, ok(7)).call("vfork", {}, ok(8));
  Trace t = normalize::normalized(b.build(), only("families"));
  EXPECT_EQ(t.events[0].args[0].str, "CLONE_THREAD");
  EXPECT_EQ(t.events[1].args[0].str, "SIGCHLD");
}

TEST(NormalizeHost, HostUserAndHomeBecomePlaceholders) {
  TraceBuilder b;
  b.open("/home/alice/.config/app.ini", ok(3)).call("write", {fd(1), data("hello alice on box1"), num("19")}, ok(19));
  Trace in = b.build();
  in.header.host.home = "/home/alice";
  in.header.host.user = "alice";
  in.header.host.hostname = "box1";
  in.header.host.env = std::vector<std::string>{"HOME=/home/alice", "USER=alice", "ALICEVAR=1"};
  Trace t = normalize::normalized(in, only("host"));
  EXPECT_EQ(t.events[0].args[1].str, "$HOME/.config/app.ini");
  EXPECT_EQ(t.events[1].args[1].str, "hello $USER on $HOST");
  EXPECT_EQ((*t.header.host.env)[0], "HOME=$HOME");
  EXPECT_EQ((*t.header.host.env)[2], "ALICEVAR=1");  // not a whole word
}

TEST(NormalizeRewrites, UserRulesRewritePathsAndStrings) {
  TempDir dir;
  std::string f = dir.write("site.rules",
                            "# comment\n"
                            "path /opt/app-[0-9.]+ /opt/app-VERSION\n"
                            "string \"build [0-9]+\" \"build N\"\n");
  normalize::NormalizeOptions o = only("rules");
  o.rewrites = normalize::read_rules_file(f);
  ASSERT_EQ(o.rewrites.size(), 2u);
  TraceBuilder b;
  b.open("/opt/app-1.4.2/lib/x.so", ok(3)).call("write", {fd(1), data("build 42"), num("8")}, ok(8));
  Trace t = normalize::normalized(b.build(), o);
  EXPECT_EQ(t.events[0].args[1].str, "/opt/app-VERSION/lib/x.so");
  EXPECT_EQ(t.events[1].args[1].str, "build N");
}

TEST(NormalizeRewrites, BadPatternFailsBeforeAnyRuleRuns) {
  normalize::NormalizeOptions o;
  o.rewrites.push_back({normalize::RewriteRule::Path, "([", "x", "cli.rules", 3});
  TraceBuilder b(4711);
  b.open("/tmp/a.12345", ok(3));
  Trace t = b.build();
  Trace before = t;
  EXPECT_THROW(normalize::normalize_in_place(t, o), InputError);
  EXPECT_EQ(t.events, before.events);
}

TEST(NormalizeRewrites, BadRulesFileNamesFileAndLine) {
  TempDir dir;
  std::string f = dir.write("bad.rules", "path /a /b\nreplace x y\n");
  try {
    normalize::read_rules_file(f);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.rules:2:"), std::string::npos) << e.what();
  }
  std::string g = dir.write("re.rules", "path ([ x\n");
  EXPECT_THROW(normalize::read_rules_file(g), InputError);
}

}  // namespace
}  // namespace tracediff
