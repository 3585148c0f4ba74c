// Whatever the writer emits, the reader must read back identically: these
// guard the writer/reader asymmetries found while documenting the format
// (docs/trace-format.md), and the version and unknown-key rules.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/trace/test_util.h"
#include "tracefile/tracefile.h"

namespace tracediff {
namespace {

using testing::TempDir;

const std::string kBad("caf\xe9\xff", 5);  // Latin-1 bytes: not UTF-8

Trace trace_with_non_utf8_everywhere() {
  Trace t;
  t.header.tool_version = "0.1.0" + kBad;
  t.header.source = "strace" + kBad;
  t.header.created = "2026" + kBad;
  t.header.time_base = "epoch" + kBad;
  t.header.command = {"/usr/bin/app", "--name=" + kBad};
  t.header.host.mounts = {"/ ext4 rw", "/mnt/" + kBad + " vfat ro"};
  t.header.host.limits["nofile"] = {"1024" + kBad, "4096"};
  t.header.host.env = std::vector<std::string>{"LANG=" + kBad};
  t.header.host.hostname = "host-" + kBad;
  t.header.options["note"] = "value " + kBad;

  Event e;
  e.tid = e.pid = 7;
  e.name = "open" + kBad;
  Arg field{.kind = ArgKind::Int, .name = InternedString("field_" + kBad), .str = "1"};
  Arg st{.kind = ArgKind::Struct, .items = {field}};
  e.args = {Arg{.kind = ArgKind::Path, .str = "/tmp/" + kBad, .abs = CompactString("/tmp/" + kBad)}, st};
  e.result.state = ResultState::Returned;
  e.result.value = -1;
  e.result.err = "E" + kBad;
  e.result.note = "message " + kBad;
  e.result.ref = "ref " + kBad;
  e.stack = {"libc.so.6(open+0x1)", "app(" + kBad + "+0x2)"};
  e.perm = PermSnapshot{0, 0, {}, {{"/tmp", true, "dir" + kBad, 0, 0, 01777, false}}};
  t.events.push_back(e);

  Event u;
  u.type = EventType::Unparsed;
  u.line = 3;
  u.raw = "junk " + kBad;
  t.events.push_back(u);
  return t;
}

TEST(FormatSymmetry, NonUtf8BytesInEveryTextFieldRoundTrip) {
  TempDir d;
  Trace t = trace_with_non_utf8_everywhere();
  for (const char* name : {"t.trace", "t.trace.zst"}) {
    tracefile::write_trace(d.file(name), t, {});
    Trace back = tracefile::read_trace(d.file(name));
    EXPECT_EQ(back.header, t.header) << name;
    ASSERT_EQ(back.events.size(), t.events.size()) << name;
    for (std::size_t i = 0; i < t.events.size(); ++i) EXPECT_EQ(back.events[i], t.events[i]) << i;
  }
}

TEST(FormatSymmetry, NonUtf8TextUsesHexKeysAndHexObjects) {
  Trace t = trace_with_non_utf8_everywhere();
  std::string ev = tracefile::event_to_json(t.events[0]);
  EXPECT_NE(ev.find("\"errno_hex\":\"45636166e9ff\""), std::string::npos) << ev;
  EXPECT_NE(ev.find("{\"hex\":\"617070286361" "66e9ff2b30783229\"}"), std::string::npos) << ev;
  std::string h = tracefile::header_to_json(t.header);
  EXPECT_NE(h.find("\"source_hex\":"), std::string::npos) << h;
  EXPECT_NE(h.find("\"command\":[\"/usr/bin/app\",{\"hex\":"), std::string::npos) << h;
  EXPECT_NE(h.find("\"note\":{\"hex\":"), std::string::npos) << h;
}

TEST(FormatSymmetry, OptionKeysAreEscaped) {
  TempDir d;
  Trace t;
  t.header.source = "ptrace";
  t.header.options["quote\"back\\slash\nnewline"] = "v";
  tracefile::write_trace(d.file("t.trace"), t, {});
  EXPECT_EQ(tracefile::read_trace(d.file("t.trace")).header.options, t.header.options);
}

TEST(FormatSymmetry, NonUtf8OptionKeyIsReplacedNotCorrupting) {
  // JSON object keys have no hex form: invalid bytes become U+FFFD, and the
  // file stays readable.
  TempDir d;
  Trace t;
  t.header.options[std::string("k\xff", 2)] = "v";
  tracefile::write_trace(d.file("t.trace"), t, {});
  Trace back = tracefile::read_trace(d.file("t.trace"));
  ASSERT_EQ(back.header.options.size(), 1u);
  EXPECT_EQ(back.header.options.begin()->first, "k\xef\xbf\xbd");
}

std::string read_error(const TempDir& d, const std::string& content) {
  std::string p = d.write("v.trace", content);
  try {
    tracefile::read_trace(p);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(FormatVersion, LaterMinorAndUnknownKeysAreAccepted) {
  TempDir d;
  std::string p = d.write("v.trace",
                          "{\"tracediff\":\"1.9\",\"tool\":\"9.9\",\"source\":\"ptrace\",\"future\":{\"x\":[1]},"
                          "\"host\":{\"future_host\":true}}\n"
                          "{\"type\":\"syscall\",\"name\":\"getpid\",\"ret\":5,\"future\":[{\"a\":null}],"
                          "\"args\":[{\"kind\":\"int\",\"str\":\"1\",\"future\":1}]}\n");
  Trace t = tracefile::read_trace(p);
  EXPECT_EQ(t.header.format_minor, 9);
  ASSERT_EQ(t.events.size(), 1u);
  EXPECT_EQ(t.events[0].name, "getpid");
  EXPECT_EQ(t.events[0].result.value, 5);
  ASSERT_EQ(t.events[0].args.size(), 1u);
  EXPECT_EQ(t.events[0].args[0].str, "1");
}

TEST(FormatVersion, MalformedOrOtherMajorVersionsAreOneLineErrors) {
  TempDir d;
  struct Case {
    const char* version;
    const char* expect;
  } cases[] = {
      {"2.0", "not supported"},
      {"0.9", "not supported"},
      {"1", "bad format version"},
      {"1.0x", "bad format version"},
      {"-1.0", "bad format version"},
      {"99999999999999999999.0", "bad format version"},
      {"", "bad format version"},
  };
  for (const Case& c : cases) {
    std::string m = read_error(d, fmt::format("{{\"tracediff\":\"{}\"}}\n", c.version));
    EXPECT_NE(m.find(c.expect), std::string::npos) << c.version << ": " << m;
    EXPECT_NE(m.find("v.trace:1:"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace tracediff

namespace tracediff {
namespace {

TEST(FormatReading, RetMeansReturnedWhateverTheKeyOrder) {
  TempDir d;
  std::string p = d.write("t.trace",
                          "{\"tracediff\":\"1.0\"}\n"
                          "{\"type\":\"syscall\",\"name\":\"a\",\"state\":\"unknown\",\"ret\":1}\n"
                          "{\"type\":\"syscall\",\"name\":\"b\",\"ret\":2,\"state\":\"unknown\"}\n"
                          "{\"type\":\"syscall\",\"name\":\"c\",\"state\":\"unknown\"}\n");
  Trace t = tracefile::read_trace(p);
  ASSERT_EQ(t.events.size(), 3u);
  EXPECT_EQ(t.events[0].result.state, ResultState::Returned);
  EXPECT_EQ(t.events[1].result.state, ResultState::Returned);
  EXPECT_EQ(t.events[1].result.value, 2);
  EXPECT_EQ(t.events[2].result.state, ResultState::Unknown);
}

Trace many_events(int n) {
  Trace t;
  t.header.source = "ptrace";
  for (int i = 0; i < n; ++i) {
    Event e;
    e.tid = e.pid = 100 + i % 7;
    e.name = "read";
    e.args = {Arg{.kind = ArgKind::String, .str = std::string(static_cast<std::size_t>(i % 300), 'x')}};
    e.result.state = ResultState::Returned;
    e.result.value = i;
    t.events.push_back(e);
  }
  return t;
}

TEST(FormatReading, LargeZstdTraceReadsEveryEvent) {
  // Several MiB of text: many zstd blocks and several read chunks, so the
  // decoder's internal buffer must be drained at the end of the input.
  TempDir d;
  Trace t = many_events(60000);
  tracefile::write_trace(d.file("t.trace.zst"), t, {});
  Trace back = tracefile::read_trace(d.file("t.trace.zst"));
  ASSERT_EQ(back.events.size(), t.events.size());
  EXPECT_EQ(back.events.back(), t.events.back());
  EXPECT_TRUE(back.warnings.empty());
}

TEST(FormatReading, ZstdCutShortKeepsWhatDecodesAndWarns) {
  TempDir d;
  Trace t = many_events(20000);
  tracefile::write_trace(d.file("t.trace.zst"), t, {});
  std::string z = testing::slurp(d.file("t.trace.zst"));
  for (std::size_t cut : {std::size_t{3}, z.size() / 2}) {
    d.write("cut.trace", z.substr(0, z.size() - cut));
    Trace back = tracefile::read_trace(d.file("cut.trace"));
    EXPECT_LT(back.events.size(), t.events.size()) << cut;
    for (std::size_t i = 0; i < back.events.size(); ++i) ASSERT_EQ(back.events[i], t.events[i]) << i;
    ASSERT_EQ(back.warnings.size(), 1u) << cut;
    EXPECT_NE(back.warnings[0].message.find("interrupted"), std::string::npos) << back.warnings[0].message;
  }
}

}  // namespace
}  // namespace tracediff
