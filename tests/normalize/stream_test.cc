// StreamNormalizer (normalizing events as they are read) must give exactly
// what normalize() gives for the same trace, with any rule switched off.
#include <gtest/gtest.h>

#include "normalize/normalize.h"
#include "tests/diff/builders.h"
#include "tracefile/tracefile.h"
#include "strace/strace.h"

namespace tracediff {
namespace {

using namespace testing;

Trace streamed(const Trace& in, const normalize::NormalizeOptions& opt) {
  normalize::StreamNormalizer s(in.header, opt);
  for (const Event& e : in.events) {
    Event copy = e;
    s.add(std::move(copy));
  }
  EXPECT_EQ(s.size(), in.events.size());
  return s.finish(in.warnings);
}

void expect_same(const Trace& in, const normalize::NormalizeOptions& opt, const std::string& what) {
  Trace a = normalize::normalized(in, opt);
  Trace b = streamed(in, opt);
  EXPECT_EQ(a.header, b.header) << what;
  EXPECT_EQ(a.warnings, b.warnings) << what;
  ASSERT_EQ(a.events.size(), b.events.size()) << what;
  for (std::size_t i = 0; i < a.events.size(); ++i)
    EXPECT_EQ(a.events[i], b.events[i]) << what << ", event " << i << ":\n  " << tracefile::event_to_json(a.events[i])
                                        << "\n  " << tracefile::event_to_json(b.events[i]);
}

// Every rule on, each rule alone, each rule off, and user rewrites.
std::vector<std::pair<std::string, normalize::NormalizeOptions>> option_sets() {
  std::vector<std::pair<std::string, normalize::NormalizeOptions>> out;
  out.push_back({"all rules", {}});
  for (const auto& [name, desc] : normalize::list_rules()) {
    normalize::NormalizeOptions alone, off;
    for (const auto& [other, d] : normalize::list_rules())
      if (other != name) alone.disabled.insert(other);
    off.disabled.insert(name);
    out.push_back({"only " + name, alone});
    out.push_back({"without " + name, off});
  }
  normalize::NormalizeOptions rw;
  rw.rewrites.push_back({normalize::RewriteRule::Path, "^/usr/lib", "/LIB", "test", 1});
  rw.rewrites.push_back({normalize::RewriteRule::String, "hello", "HI", "test", 2});
  out.push_back({"rewrites", rw});
  return out;
}

// A multi-process trace as strace recorded it (4 processes, clone, exec).
Trace real_log() {
  Trace t = strace::import_strace_file(std::string(TRACEDIFF_SOURCE_DIR) + "/tests/trace/data/local-6.1.strace");
  EXPECT_GT(t.events.size(), 500u);
  return t;
}

// What the rules that need the whole trace look at: pids named in file
// names before the process appears, pid arguments and results (one in
// hex), threads, signals, stat results, temp names, host names.
Trace built() {
  TraceBuilder b(4711);
  b.exec("/bin/sh", {"sh", "-c", "x"});
  b.call("openat", {cwd(), path("/tmp/spool.4712.1573692319.854640"), flags("O_RDONLY")}, ok(3));
  b.call("newfstatat", {fd(3), path(""), strct({field("st_mode", "S_IFREG|0644"), field("st_size", "42"),
                                                 field("st_ino", "1234"), field("st_mtime", "1700000000")}),
                        flags("AT_EMPTY_PATH")},
         ok());
  b.call("kill", {num("0x1267"), flags("SIGTERM")}, ok());
  b.call("mmap", {num("0x7f0000000000"), num("4096")}, ok(0x7f0000001000));
  b.spawn(4713, true).spawn(4712);
  b.thread_call(4713, "gettid", {}, ok(4713));
  b.pid(4712).exec("/home/alice/bin/tool", {"tool", "/home/alice/.config"});
  b.call("open", {path("/home/alice/.toolrc"), flags("O_RDONLY")}, ok(3));
  b.call("read", {fd(3), data("hello from host-a"), num("100")}, ok(17));
  b.call("getpid", {}, ok(4712)).exit(1);
  b.pid(4711).call("wait4", {num("4712")}, ok(4712)).call("getppid", {}, ok(1));
  Trace t = b.build();
  t.header.host.hostname = "host-a";
  t.header.host.user = "alice";
  t.header.host.home = "/home/alice";
  t.header.host.cwd = "/home/alice/work";
  t.header.command = {"/bin/sh", "-c", "x"};
  Event sig;
  sig.type = EventType::Signal;
  sig.tid = sig.pid = 4711;
  sig.name = "SIGCHLD";
  Arg sender = num("4712");
  sender.name = "si_pid";
  sig.args.push_back(sender);
  t.events.push_back(sig);
  return t;
}

TEST(StreamNormalizer, GivesWhatNormalizeGivesOnARealLog) {
  Trace t = real_log();
  for (const auto& [what, opt] : option_sets()) expect_same(t, opt, what);
}

TEST(StreamNormalizer, GivesWhatNormalizeGivesOnTasksPidsAndHostNames) {
  Trace t = built();
  for (const auto& [what, opt] : option_sets()) expect_same(t, opt, what);
}

TEST(StreamNormalizer, BadOptionsFailBeforeAnyEvent) {
  normalize::NormalizeOptions o;
  o.disabled.insert("no-such-rule");
  EXPECT_THROW(normalize::StreamNormalizer(Header{}, o), std::invalid_argument);
  normalize::NormalizeOptions r;
  r.rewrites.push_back({normalize::RewriteRule::Path, "(", "x", "rules.txt", 3});
  EXPECT_THROW(normalize::StreamNormalizer(Header{}, r), InputError);
}

}  // namespace
}  // namespace tracediff
