#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/trace/test_util.h"
#include "input/input.h"
#include "tracefile/event_store.h"
#include "tracefile/tracefile.h"

namespace tracediff {
namespace {

using testing::TempDir;

Trace sample_trace() {
  Trace t;
  t.header.source = "ptrace";
  t.header.created = "2026-11-29T00:00:00Z";
  t.header.command = {"foo", "--config", "/etc/foo"};
  t.header.time_base = "epoch";
  t.header.host.hostname = "web-1";
  t.header.host.kernel = "6.1.0";
  t.header.host.uid = 1000;
  t.header.host.umask = 022;
  t.header.host.groups = std::vector<std::uint32_t>{1000, 27};
  t.header.host.limits["nofile"] = {"1024", "4096"};
  t.header.host.env = std::vector<std::string>{"PATH=/usr/bin", std::string("BIN=\xff\xfe", 6)};
  t.header.options["data_size"] = "256";

  Event open;
  open.tid = open.pid = 42;
  open.ts_ns = 1700000000123456789;
  open.dur_ns = 12000;
  open.name = "openat";
  Arg dirfd{.kind = ArgKind::Fd, .has_raw = true, .raw = -100, .str = "AT_FDCWD", .ref = "/home/u"};
  Arg path{.kind = ArgKind::Path, .str = "etc/foo/config.json", .abs = "/etc/foo/config.json"};
  Arg flags{.kind = ArgKind::Flags, .has_raw = true, .raw = 0, .str = "O_RDONLY"};
  open.args = {dirfd, path, flags};
  open.result.state = ResultState::Returned;
  open.result.value = -1;
  open.result.err = "ENOENT";
  open.result.errnum = 2;
  open.result.note = "No such file or directory";
  open.perm = PermSnapshot{1000, 1000, {1000, 27}, {{"/etc", true, "dir", 0, 0, 0755, false}, {"/etc/foo", false}}};
  t.events.push_back(open);

  Event rd;
  rd.tid = 43;
  rd.pid = 42;
  rd.name = "read";
  Arg data{.kind = ArgKind::String, .truncated = true, .str = std::string("\x7f" "ELF\x02\x01\x00\xff", 8)};
  Arg st{.kind = ArgKind::Struct};
  st.items.push_back(Arg{.kind = ArgKind::Flags, .name = "st_mode", .str = "S_IFREG|0644"});
  st.items.push_back(Arg{.kind = ArgKind::Int, .has_raw = true, .name = "st_size", .raw = 25186});
  rd.args = {Arg{.kind = ArgKind::Fd, .has_raw = true, .raw = 3, .ref = "/lib/libc.so.6"}, data, st};
  rd.result.state = ResultState::Returned;
  rd.result.value = 832;
  rd.stack = {"libc.so.6(read+0x10)", "foo(main+0x20)"};
  t.events.push_back(rd);

  Event sp;
  sp.type = EventType::Process;
  sp.tid = sp.pid = 42;
  sp.name = kProcSpawn;
  sp.proc.child = 44;
  t.events.push_back(sp);

  Event ex;
  ex.type = EventType::Process;
  ex.tid = ex.pid = 44;
  ex.name = kProcExit;
  ex.proc.code = 3;
  t.events.push_back(ex);

  Event un;
  un.type = EventType::Unparsed;
  un.line = 17;
  un.raw = "garbage \"with quotes\" and \\ backslash";
  t.events.push_back(un);

  Event ex2;
  ex2.tid = ex2.pid = 42;
  ex2.name = "exit_group";
  ex2.args = {Arg{.kind = ArgKind::Int, .has_raw = true, .raw = 1, .str = "1"}};
  ex2.result.state = ResultState::Unknown;
  t.events.push_back(ex2);
  return t;
}

TEST(TraceIo, RoundTripsEveryFieldPlain) {
  TempDir d;
  Trace t = sample_trace();
  tracefile::write_trace(d.file("t.trace"), t, {});
  Trace back = tracefile::read_trace(d.file("t.trace"));
  EXPECT_EQ(back.header, t.header);
  ASSERT_EQ(back.events.size(), t.events.size());
  for (std::size_t i = 0; i < t.events.size(); ++i) EXPECT_EQ(back.events[i], t.events[i]) << "event " << i;
  EXPECT_TRUE(back.warnings.empty());
}

TEST(TraceIo, ZstdIsWrittenByNameAndDetectedByMagic) {
  TempDir d;
  Trace t = sample_trace();
  tracefile::write_trace(d.file("t.trace.zst"), t, {});
  std::string raw = testing::slurp(d.file("t.trace.zst"));
  ASSERT_GE(raw.size(), 4u);
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x28);
  EXPECT_EQ(static_cast<unsigned char>(raw[3]), 0xFD);
  // Renamed without the suffix: still read, by its magic bytes.
  std::filesystem::rename(d.file("t.trace.zst"), d.file("plain-name"));
  Trace back = tracefile::read_trace(d.file("plain-name"));
  ASSERT_EQ(back.events.size(), t.events.size());
  EXPECT_EQ(back.events[0], t.events[0]);
  EXPECT_EQ(input::sniff(d.file("plain-name")), input::FileKind::Trace);
}

TEST(TraceIo, TruncatedLastLineKeepsEverythingBefore) {
  TempDir d;
  Trace t = sample_trace();
  tracefile::write_trace(d.file("t.trace"), t, {});
  std::string s = testing::slurp(d.file("t.trace"));
  s.resize(s.size() - 20);  // cut into the last event, no final newline
  d.write("cut.trace", s);
  Trace back = tracefile::read_trace(d.file("cut.trace"));
  EXPECT_EQ(back.events.size(), t.events.size() - 1);
  ASSERT_EQ(back.warnings.size(), 1u);
  EXPECT_NE(back.warnings[0].message.find("incomplete"), std::string::npos);
  EXPECT_EQ(back.warnings[0].line, t.events.size() + 1);
}

TEST(TraceIo, MalformedMiddleLineIsAnErrorNamingFileAndLine) {
  TempDir d;
  Trace t = sample_trace();
  tracefile::write_trace(d.file("t.trace"), t, {});
  std::string s = testing::slurp(d.file("t.trace"));
  std::size_t second_nl = s.find('\n', s.find('\n') + 1);
  s.insert(second_nl + 1, "{\"type\": oops}\n");
  d.write("bad.trace", s);
  try {
    tracefile::read_trace(d.file("bad.trace"));
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.trace:3:"), std::string::npos) << e.what();
  }
}

TEST(TraceIo, RejectsUnknownMajorVersion) {
  TempDir d;
  d.write("v9.trace", "{\"tracediff\":\"9.0\",\"source\":\"ptrace\"}\n");
  try {
    tracefile::read_trace(d.file("v9.trace"));
    FAIL();
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("v9.trace:1:"), std::string::npos) << m;
    EXPECT_NE(m.find("9.0"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << "one line";
  }
}

TEST(TraceIo, RejectsBinaryAndNonTraceFilesInOneLine) {
  TempDir d;
  d.write("bin", std::string("\x7f" "ELF\x00\x00\x01\x02", 8));
  d.write("text", "hello world\nthis is not a trace\n");
  d.write("json", "{\"some\":\"json\"}\n");
  d.write("empty", "");
  for (const char* name : {"bin", "text", "json", "empty"}) {
    try {
      input::load_any(d.file(name));
      FAIL() << name;
    } catch (const InputError& e) {
      std::string m = e.what();
      EXPECT_NE(m.find(d.file(name)), std::string::npos) << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }
  EXPECT_EQ(input::sniff(d.file("bin")), input::FileKind::Binary);
  EXPECT_EQ(input::sniff(d.file("empty")), input::FileKind::Empty);
}

// A Meter that keeps what it was told.
struct RecordingMeter : progress::Meter {
  std::vector<std::pair<std::string, std::uint64_t>> updates;
  int finished = 0;
  void update(const std::string& what, std::uint64_t done, std::uint64_t, const char* unit) override {
    EXPECT_STREQ(unit, "events");
    updates.emplace_back(what, done);
  }
  void finish() override { ++finished; }
};

// Every loader behind load_any counts each event it takes into the meter,
// in order, and finishes it once the events are in: a trace file, a strace
// log, a -ff set by its prefix, the set's files named one by one
// (load_set), and a copy through redact_to_file. What is loaded is the
// same with a meter as without.
TEST(TraceIo, LoadersTellTheMeterEachEventRead) {
  TempDir d;
  tracefile::write_trace(d.file("t.trace"), sample_trace(), {});
  d.write("s.log", "1 openat(AT_FDCWD, \"/etc/x\", O_RDONLY) = 3\n1 read(3, \"ab\", 2) = 2\n1 close(3) = 0\n");
  d.write("ff.11", "close(1) = 0\nclose(2) = 0\n");
  d.write("ff.12", "close(3) = 0\n");
  auto check = [&](const std::string& label, const Trace& with, const Trace& without, const RecordingMeter& m,
                   const std::string& what) {
    SCOPED_TRACE(label);
    ASSERT_FALSE(with.events.empty());
    EXPECT_EQ(with.events.size(), without.events.size());
    EXPECT_EQ(tracefile::event_to_json(with.events.back()), tracefile::event_to_json(without.events.back()));
    ASSERT_EQ(m.updates.size(), with.events.size());
    for (std::size_t i = 0; i < m.updates.size(); ++i) {
      EXPECT_EQ(m.updates[i].first, what);
      EXPECT_EQ(m.updates[i].second, i + 1);
    }
    EXPECT_EQ(m.finished, 1);
  };
  for (const char* name : {"t.trace", "s.log", "ff"}) {
    RecordingMeter m;
    Trace with = input::load_any(d.file(name), &m);
    check(name, with, input::load_any(d.file(name)), m, "reading " + d.file(name));
  }
  {
    RecordingMeter m;
    std::vector<std::string> set = {d.file("ff.11"), d.file("ff.12")};
    Trace with = input::load_set(set, &m);
    check("load_set", with, input::load_set(set), m, "reading 2 logs");
    EXPECT_EQ(with.events.size(), 3u);
  }
  {
    RecordingMeter m;
    std::vector<Warning> w;
    redact::Redactor redactor{redact::RedactOptions{}};
    std::size_t n = input::redact_to_file(d.file("t.trace"), d.file("r.trace"), {}, w, redactor, &m);
    EXPECT_EQ(n, sample_trace().events.size());
    ASSERT_EQ(m.updates.size(), n);
    EXPECT_EQ(m.updates.back(), std::make_pair("redacting " + d.file("t.trace"), std::uint64_t{n}));
    EXPECT_EQ(m.finished, 1);
  }
  // A loader that throws still finishes the line (nothing is left on the
  // screen above the error).
  d.write("bad.trace", tracefile::header_to_json(sample_trace().header) + "\n{\"type\":\"syscall\",\"tid\":\n{}\n");
  RecordingMeter m;
  EXPECT_THROW(input::load_any(d.file("bad.trace"), &m), InputError);
  EXPECT_EQ(m.finished, 1);
}

// check_source says before reading what load_any would throw at the start,
// the same message, and lets through what it cannot judge yet.
TEST(TraceIo, CheckSourceRefusesWhatLoadAnyRefusesAndPassesPipes) {
  TempDir d;
  d.write("bin", std::string("\x7f" "ELF\x00\x00\x01\x02", 8));
  d.write("text", "hello world\nthis is not a trace\n");
  d.write("empty", "");
  for (const char* name : {"bin", "text", "empty", "missing"}) {
    std::string checked, loaded;
    try {
      input::check_source(d.file(name));
    } catch (const InputError& e) {
      checked = e.what();
    }
    try {
      input::load_any(d.file(name));
    } catch (const InputError& e) {
      loaded = e.what();
    }
    EXPECT_FALSE(checked.empty()) << name;
    EXPECT_EQ(checked, loaded) << name;
  }
  // What is an input passes: a trace, a strace log, a -ff set's prefix.
  tracefile::write_trace(d.file("ok.trace"), sample_trace(), {});
  d.write("ok.log", "close(1) = 0\n");
  d.write("run.7", "close(1) = 0\n");
  for (const char* name : {"ok.trace", "ok.log", "run"}) EXPECT_NO_THROW(input::check_source(d.file(name))) << name;
  // A pipe is not read (it would wait for its writer), nor is stdin.
  std::string fifo = d.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NO_THROW(input::check_source(fifo));
  EXPECT_NO_THROW(input::check_source("-"));
}

TEST(TraceWriter, RefusesToOverwriteAndCreatesMode0600) {
  TempDir d;
  std::string p = d.write("exists.trace", "precious\n");
  EXPECT_THROW(tracefile::write_trace(p, sample_trace(), {}), InputError);
  EXPECT_EQ(testing::slurp(p), "precious\n");

  std::string fresh = d.file("fresh.trace");
  tracefile::write_trace(fresh, sample_trace(), {});
  struct stat st;
  ASSERT_EQ(stat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  tracefile::TraceWriter::Options force;
  force.force = true;
  ASSERT_EQ(chmod(p.c_str(), 0644), 0);
  tracefile::write_trace(p, sample_trace(), force);
  EXPECT_EQ(tracefile::read_trace(p).events.size(), sample_trace().events.size());
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "a file overwritten with --force is narrowed to 0600";

  // Narrowed, never widened: a write-only 0200 file stays 0200.
  ASSERT_EQ(chmod(p.c_str(), 0200), 0);
  tracefile::write_trace(p, sample_trace(), force);
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0200u);
}

// check_can_create() refuses as the writer would, and creates nothing: the
// recorder calls it before attaching and creates the file only afterwards.
TEST(TraceWriter, CheckCanCreateRefusesAsTheWriterWouldAndCreatesNothing) {
  TempDir d;
  std::string p = d.write("exists.trace", "precious\n");
  try {
    tracefile::check_can_create(p, {});
    ADD_FAILURE() << "an existing file must be refused without --force";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("file exists"), std::string::npos) << e.what();
  }
  tracefile::TraceWriter::Options force;
  force.force = true;
  EXPECT_NO_THROW(tracefile::check_can_create(p, force));
  EXPECT_EQ(testing::slurp(p), "precious\n");

  std::string fresh = d.file("fresh.trace");
  EXPECT_NO_THROW(tracefile::check_can_create(fresh, {}));
  struct stat st;
  EXPECT_NE(lstat(fresh.c_str(), &st), 0) << "check_can_create created " << fresh;

  try {
    tracefile::check_can_create(d.file("no/such/dir/t.trace"), force);
    ADD_FAILURE() << "a missing directory must be refused";
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("cannot create"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  std::string dir = d.file("adir");
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  // A directory is named as one, with or without --force (which could not
  // help), not as "file exists (use --force)".
  for (bool f : {false, true}) {
    tracefile::TraceWriter::Options o;
    o.force = f;
    try {
      tracefile::check_can_create(dir, o);
      ADD_FAILURE() << "a directory must be refused";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
    }
    try {
      tracefile::TraceWriter w(dir, Header{}, o);
      ADD_FAILURE() << "the writer must refuse a directory";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(tracefile::check_can_create("-", {}));
}

TEST(TraceWriter, FlushedEventsAreReadableBeforeClose) {
  TempDir d;
  Trace t = sample_trace();
  tracefile::TraceWriter w(d.file("live.trace.zst"), t.header);
  w.write(t.events[0]);
  w.write(t.events[1]);
  w.flush();
  // A reader sees both events although the writer is still open, as after
  // a recorder is SIGKILLed.
  Trace back = tracefile::read_trace(d.file("live.trace.zst"));
  EXPECT_EQ(back.events.size(), 2u);
  w.close();
}

// A place kept for an event not final yet (an unfinished call): what is
// written after it waits, and the file has every event where its place is,
// whatever the order of the fills; more than a write buffer (256 KiB)
// waits behind the first place. Plain and compressed.
TEST(TraceWriter, KeptPlacesHoldTheirEventsInOrder) {
  Trace t = sample_trace();
  auto numbered = [&](int i) {
    Event e = t.events[static_cast<std::size_t>(i % 2)];
    e.line = static_cast<std::uint32_t>(i + 1);
    return e;
  };
  for (const char* name : {"p.trace", "p.trace.zst"}) {
    TempDir d;
    tracefile::TraceWriter w(d.file(name), t.header);
    // 0 written, 1 and 4 kept, 2 3 written, 5 kept, 6..N written; fills 4, 5, 1.
    constexpr int kN = 3000;
    w.write(numbered(0));
    w.keep_place(101);
    w.write(numbered(2));
    w.write(numbered(3));
    w.keep_place(104);
    w.keep_place(105);
    for (int i = 6; i < kN; ++i) w.write(numbered(i));
    w.fill_place(104, numbered(4));
    w.fill_place(105, numbered(5));
    w.flush();
    EXPECT_EQ(tracefile::read_trace(d.file(name)).events.size(), 1u) << name;  // only what comes before place 101
    EXPECT_THROW(w.fill_place(104, numbered(4)), std::logic_error) << name;  // filled already
    EXPECT_THROW(w.fill_place(7, numbered(4)), std::logic_error) << name;    // never kept
    w.fill_place(101, numbered(1));
    w.close();
    Trace back = tracefile::read_trace(d.file(name));
    ASSERT_EQ(back.events.size(), static_cast<std::size_t>(kN)) << name;
    for (int i = 0; i < kN; ++i)
      ASSERT_EQ(tracefile::event_to_json(back.events[static_cast<std::size_t>(i)]), tracefile::event_to_json(numbered(i)))
          << name << " #" << i;
  }
}

TEST(TraceWriter, ClosingWithAPlaceNotFilledIsAnError) {
  TempDir d;
  Trace t = sample_trace();
  tracefile::TraceWriter w(d.file("open.trace"), t.header);
  w.write(t.events[0]);
  w.keep_place(1);
  w.write(t.events[1]);
  EXPECT_THROW(w.close(), std::logic_error);
  // What came before the place reached the file.
  EXPECT_EQ(tracefile::read_trace(d.file("open.trace")).events.size(), 1u);
}

// A recorder learns some of what its header says only at the end (what it
// could not see): the header is rewritten in place, the events kept, in
// plain and compressed files, readable at every moment in between.
TEST(TraceWriter, UpdateHeaderRewritesItInPlace) {
  TempDir d;
  Trace t = sample_trace();
  for (const char* name : {"room.trace", "room.trace.zst"}) {
    tracefile::TraceWriter::Options o;
    o.header_room = 256;
    tracefile::TraceWriter w(d.file(name), t.header, o);
    w.write(t.events[0]);
    w.flush();
    Header h = t.header;
    h.options["unseen.unreadable"] = "3";
    EXPECT_TRUE(w.update_header(h)) << name;
    Trace mid = tracefile::read_trace(d.file(name));
    EXPECT_EQ(mid.header.options["unseen.unreadable"], "3") << name;
    EXPECT_EQ(mid.events.size(), 1u) << name;
    w.write(t.events[1]);
    h.options["unseen.unreadable"] = "12";
    h.options["io_uring.processes"] = "1";
    EXPECT_TRUE(w.update_header(h)) << name;
    Header too_big = h;
    std::string noise;  // incompressible, so that zstd cannot make it fit
    for (std::uint32_t x = 1; noise.size() < 1000;) {
      x = x * 1103515245 + 12345;
      noise.push_back(static_cast<char>('a' + (x >> 16) % 26));
    }
    too_big.options["big"] = noise;
    EXPECT_FALSE(w.update_header(too_big)) << name << ": more than the room";
    w.close();
    EXPECT_FALSE(w.update_header(h)) << name << ": after close";
    Trace back = tracefile::read_trace(d.file(name));
    EXPECT_EQ(back.header.options["unseen.unreadable"], "12") << name;
    EXPECT_EQ(back.header.options["io_uring.processes"], "1") << name;
    EXPECT_EQ(back.header.options.count("big"), 0u) << name;
    EXPECT_EQ(back.header.created, mid.header.created) << name;
    ASSERT_EQ(back.events.size(), 2u) << name;
    EXPECT_EQ(back.events[1], t.events[1]) << name;
    EXPECT_TRUE(back.warnings.empty()) << name;
  }
  // The plain file's first line is still one JSON object, then spaces.
  std::string text = testing::slurp(d.file("room.trace"));
  std::string first = text.substr(0, text.find('\n'));
  EXPECT_EQ(first.back(), ' ');
  EXPECT_EQ(first.find_last_not_of(' '), first.rfind('}'));

  // Without room (not asked for, or not a regular file) nothing changes.
  tracefile::TraceWriter plain(d.file("noroom.trace"), t.header);
  EXPECT_FALSE(plain.update_header(t.header));
  plain.close();
  std::string unpadded = testing::slurp(d.file("noroom.trace"));
  EXPECT_EQ(unpadded[unpadded.find('\n') - 1], '}') << "no padding without room";
  tracefile::TraceWriter::Options o;
  o.header_room = 256;
  o.force = true;
  tracefile::TraceWriter dev("/dev/null", t.header, o);
  EXPECT_FALSE(dev.update_header(t.header));
}

TEST(TraceJson, IsOneLineAndJqFriendly) {
  Trace t = sample_trace();
  std::string j = tracefile::event_to_json(t.events[0]);
  EXPECT_EQ(j.find('\n'), std::string::npos);
  EXPECT_NE(j.find("\"name\":\"openat\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"errno\":\"ENOENT\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"abs\":\"/etc/foo/config.json\""), std::string::npos) << j;
  // Non-UTF-8 data goes hex, losslessly.
  std::string r = tracefile::event_to_json(t.events[1]);
  EXPECT_NE(r.find("\"str_hex\":\"7f454c460201" "00ff\""), std::string::npos) << r;
}

// The differ keeps its events packed (tracefile/event_store.h). The events
// of a real strace log and every field of the sample, repeated past three
// blocks with a number changed in each copy so that no two are alike.
std::vector<Event> store_inputs() {
  Trace log = input::load_any(std::string(TRACEDIFF_SOURCE_DIR) + "/tests/trace/data/local-6.1.strace");
  Trace sample = sample_trace();
  std::vector<Event> all;
  for (std::size_t copy = 0; all.size() < 3 * tracefile::EventStore::kBlockEvents + 100; ++copy)
    for (const std::vector<Event>* v : {&log.events, &sample.events})
      for (Event e : *v) {
        e.line = static_cast<std::uint32_t>(all.size() + 1);
        e.ts_ns = static_cast<std::int64_t>(copy);
        all.push_back(std::move(e));
      }
  return all;
}

TEST(EventStore, PackedEventsComeBackEqualInAnyOrder) {
  std::vector<Event> all = store_inputs();
  ASSERT_GT(all.size(), 3 * tracefile::EventStore::kBlockEvents);
  tracefile::EventStore s = tracefile::EventStore::packed();
  ASSERT_TRUE(s.is_packed());
  for (const Event& e : all) s.push_back(e);
  ASSERT_EQ(s.size(), all.size());
  EXPECT_EQ(s.decoded(), 0u);
  // Backwards, then in strides that cross blocks back and forth.
  for (std::size_t i = all.size(); i-- > 0;) ASSERT_EQ(s[i], all[i]) << "event " << i;
  EXPECT_EQ(s.decoded(), all.size());
  s.release();
  EXPECT_EQ(s.decoded(), 0u);
  for (std::size_t k = 0; k < all.size(); ++k) {
    std::size_t i = (k * 1031) % all.size();
    ASSERT_EQ(s.at(i), all[i]) << "event " << i;
  }
  std::size_t n = 0;
  for (const Event& e : s) EXPECT_EQ(e, all[n++]);
  EXPECT_EQ(n, all.size());
  EXPECT_THROW(s.at(all.size()), std::out_of_range);
}

TEST(EventStore, ReferencesStayValidUntilReleaseAndTheOpenBlockGrows) {
  std::vector<Event> all = store_inputs();
  tracefile::EventStore s = tracefile::EventStore::packed();
  s.push_back(all[0]);
  const Event& first = s[0];  // from the block still being filled
  EXPECT_EQ(first, all[0]);
  for (std::size_t i = 1; i < all.size(); ++i) {
    s.push_back(all[i]);
    // The open block's text changed: what is read from it is the new text.
    if (i % 97 == 0) {
      ASSERT_EQ(s[i], all[i]) << "event " << i;
    }
  }
  // Thousands of events decoded since, from every block: `first` is the
  // same event, unmoved.
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(s[i], all[i]);
  EXPECT_EQ(&s[0], &first);
  EXPECT_EQ(first, all[0]);
}

// Events that carry a lot of data close a block before its 1024 lines:
// blocks of every length, and each event still comes back from its own.
TEST(EventStore, BlocksCloseAtTheirSizeToo) {
  std::vector<Event> all = store_inputs();
  std::vector<Event> mixed;
  for (std::size_t i = 0; i < all.size(); ++i) {
    mixed.push_back(all[i]);
    if (i % 300 == 7) {
      Event big = all[i];
      big.args.push_back(Arg{.kind = ArgKind::String, .str = std::string(200'000 + i, static_cast<char>('a' + i % 26))});
      mixed.push_back(std::move(big));
    }
  }
  tracefile::EventStore s = tracefile::EventStore::packed();
  for (const Event& e : mixed) s.push_back(e);
  ASSERT_EQ(s.size(), mixed.size());
  for (std::size_t k = 0; k < mixed.size(); ++k) {
    std::size_t i = (k * 7919) % mixed.size();
    ASSERT_EQ(s[i], mixed[i]) << "event " << i;
  }
}

TEST(EventStore, PackedIsAFractionOfTheText) {
  std::vector<Event> all = store_inputs();
  tracefile::EventStore s = tracefile::EventStore::packed();
  std::size_t text = 0;
  for (const Event& e : all) {
    text += tracefile::event_to_json(e).size() + 1;
    s.push_back(e);
  }
  EXPECT_GT(s.packed_bytes(), 0u);
  EXPECT_LT(s.packed_bytes(), text / 4) << text << " bytes of lines";
}

TEST(EventStore, NotPackedHoldsTheEventsAsTheyAre) {
  std::vector<Event> all = store_inputs();
  tracefile::EventStore s;
  EXPECT_FALSE(s.is_packed());
  s.reserve(all.size());
  for (const Event& e : all) s.push_back(e);
  EXPECT_EQ(s.decoded(), all.size());
  const Event* p = &s[5];
  s.release();
  EXPECT_EQ(&s[5], p);
  EXPECT_EQ(s[5], all[5]);
  EXPECT_EQ(s.packed_bytes(), 0u);
}

}  // namespace
}  // namespace tracediff
