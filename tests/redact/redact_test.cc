// The redaction rules: the name table, the digest and where values hide.
#include <gtest/gtest.h>

#include "model/errors.h"
#include "redact/patterns.h"
#include "redact/redact.h"
#include "redact/sha256.h"

namespace tracediff::redact {
namespace {

using detail::hex;
using detail::hmac_sha256;
using detail::sha256;

// FIPS 180-4 examples and the NIST one-million-'a' vector.
TEST(Sha256, KnownAnswers) {
  struct Case {
    std::string in, out;
  } cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const Case& c : cases) EXPECT_EQ(hex(sha256(c.in)), c.out) << c.in.size();
}

TEST(Sha256, IncrementalEqualsWhole) {
  std::string s;
  for (int i = 0; i < 300; ++i) s.push_back(static_cast<char>(i * 7));
  for (std::size_t cut : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 200u}) {
    detail::Sha256 h;
    h.update(std::string_view(s).substr(0, cut));
    h.update(std::string_view(s).substr(cut));
    EXPECT_EQ(hex(h.final()), hex(sha256(s))) << cut;
  }
}

// RFC 4231 test cases 1, 2, 4 and 6 (a key longer than the block).
TEST(HmacSha256, Rfc4231) {
  EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  std::string key4;
  for (int i = 1; i <= 25; ++i) key4.push_back(static_cast<char>(i));
  EXPECT_EQ(hex(hmac_sha256(key4, std::string(50, '\xcd'))),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  EXPECT_EQ(hex(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Patterns, SecretLookingNames) {
  for (const char* n : {"MY_API_TOKEN", "GITHUB_TOKEN", "PGPASSWORD", "MYSQL_PWD", "DB_PASSWD", "RABBITMQ_PASS",
                        "API_KEY", "X-Api-Key", "apiKey", "AWS_REGION", "GITHUB_SHA", "CLIENT_SECRET",
                        "GOOGLE_APPLICATION_CREDENTIALS", "Authorization", "Proxy-Authorization", "OAUTH_ID",
                        "Cookie", "Set-Cookie", "SESSION_ID", "PRIVATE_KEY", "SENTRY_DSN", "password",
                        "--password", "auth", "TRACEDIFF_REDACT_KEY", "npm_token", "SSH_AUTH_SOCK", "COOKIE_JAR",
                        "MY_CREDENTIALS", "AWS_SECRET_ACCESS_KEY", "db_password"})
    EXPECT_TRUE(looks_secret(n)) << n;
  for (const char* n : {"PATH", "HOME", "PWD", "OLDPWD", "KEYBOARD", "XKB_KEYMAP", "GIT_AUTHOR_NAME", "COMPASS",
                        "PASSAGE", "LANG", "TERM", "USER", "SHELL", "TMPDIR", "LD_LIBRARY_PATH", "", "--verbose",
                        "CERTIFICATE_AUTHORITY"})
    EXPECT_FALSE(looks_secret(n)) << n;
}

TEST(Patterns, EveryRowMatchesItsOwnText) {
  for (const NamePattern& p : name_patterns()) EXPECT_TRUE(looks_secret(p.text)) << p.text;
}

TEST(Patterns, Words) {
  EXPECT_EQ(name_words("X-Api-Key"), (std::vector<std::string>{"X", "API", "KEY"}));
  EXPECT_EQ(name_words("apiKey"), (std::vector<std::string>{"API", "KEY"}));
  EXPECT_EQ(name_words("DB_PASSWORD"), (std::vector<std::string>{"DB", "PASSWORD"}));
}

RedactOptions keyed(Level l = Level::Default) {
  RedactOptions o;
  o.level = l;
  o.key = "shared key";
  return o;
}

TEST(Marker, RoundTrip) {
  Redactor r(keyed());
  std::string m = r.marker("supersecret123");
  auto p = parse_marker(m);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, 14u);
  EXPECT_EQ(p->digest.size(), 16u);
  EXPECT_EQ(m, make_marker(14, p->digest));
  EXPECT_TRUE(parse_marker("<redacted 3 bytes>"));
  EXPECT_FALSE(parse_marker("<redacted x bytes>"));
  EXPECT_FALSE(parse_marker("redacted"));
}

TEST(Marker, KeyedDigest) {
  Redactor a(keyed()), b(keyed());
  RedactOptions other = keyed();
  other.key = "another key";
  Redactor c(other);
  EXPECT_EQ(a.marker("hunter2"), b.marker("hunter2"));
  EXPECT_NE(a.marker("hunter2"), a.marker("hunter3"));
  EXPECT_NE(a.marker("hunter2"), c.marker("hunter2"));
  Redactor r1(RedactOptions{}), r2(RedactOptions{});  // random keys
  EXPECT_NE(r1.marker("hunter2"), r2.marker("hunter2"));
}

TEST(Redactor, EnvironmentEntries) {
  Redactor r(keyed());
  std::string kv = "MY_API_TOKEN=supersecret123";
  EXPECT_TRUE(r.env_entry(kv));
  EXPECT_EQ(kv, "MY_API_TOKEN=" + r.marker("supersecret123"));
  EXPECT_FALSE(r.env_entry(kv)) << "a marker is not redacted again";
  std::string path = "PATH=/usr/bin:/bin";
  EXPECT_FALSE(r.env_entry(path));
  std::string url = "DATABASE_URL=postgres://app:hunter2@db:5432/app";
  EXPECT_TRUE(r.env_entry(url));
  EXPECT_EQ(url, "DATABASE_URL=postgres://app:" + r.marker("hunter2") + "@db:5432/app");
}

TEST(Redactor, Argv) {
  Redactor r(keyed());
  std::vector<std::string> argv = {"client", "--password", "hunter2", "--user=bob", "--token=abc123",
                                   "API_KEY=k1", "https://bob:pw9@example.com/x", "-H",
                                   "Authorization: Bearer abcdef", "plain"};
  EXPECT_TRUE(r.argv(argv));
  EXPECT_EQ(argv[1], "--password");
  EXPECT_EQ(argv[2], r.marker("hunter2"));
  EXPECT_EQ(argv[3], "--user=bob");
  EXPECT_EQ(argv[4], "--token=" + r.marker("abc123"));
  EXPECT_EQ(argv[5], "API_KEY=" + r.marker("k1"));
  EXPECT_EQ(argv[6], "https://bob:" + r.marker("pw9") + "@example.com/x");
  EXPECT_EQ(argv[8], "Authorization: " + r.marker("Bearer abcdef"));
  EXPECT_EQ(argv[9], "plain");
}

TEST(Redactor, DataBuffers) {
  Redactor r(keyed());
  struct Case {
    std::string in, out;
  } cases[] = {
      {"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dXNlcjpwYXNz\r\nCookie: sid=1; t=2\r\n\r\n",
       "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: " + r.marker("Basic dXNlcjpwYXNz") + "\r\nCookie: " +
           r.marker("sid=1; t=2") + "\r\n\r\n"},
      {"echo \"Authorization: Bearer abcdef\" >/dev/null",
       "echo \"Authorization: " + r.marker("Bearer abcdef") + "\" >/dev/null"},
      {"[db]\npassword = hunter2\nhost = db\n", "[db]\npassword = " + r.marker("hunter2") + "\nhost = db\n"},
      {"{\"token\": \"t0k\", \"n\": 1}", "{\"token\": \"" + r.marker("t0k") + "\", \"n\": 1}"},
      {"GET /x?access_token=abc&y=1", "GET /x?access_token=" + r.marker("abc") + "&y=1"},
      {"a == b; x != y; std::string", "a == b; x != y; std::string"},
      {"see https://example.com/a:b@c", "see https://example.com/a:b@c"},
  };
  for (const Case& c : cases) {
    std::string s = c.in;
    r.text(s);
    EXPECT_EQ(s, c.out) << c.in;
  }
}

// Buffers are skipped unless they hold a ':' or '=' (looked for eight bytes
// at a time): a secret is found wherever its separator falls in the word,
// and a buffer without one is left as it is, by event() and event_copy().
TEST(Redactor, FindsTheSeparatorAtEveryOffset) {
  Redactor r(keyed());
  auto write_of = [](const std::string& buf) {
    Event e;
    e.type = EventType::Syscall;
    e.name = "write";
    Arg fd, data, n;
    fd.kind = ArgKind::Fd;
    fd.raw = 3;
    fd.has_raw = true;
    data.kind = ArgKind::String;
    data.str = buf;
    n.kind = ArgKind::Int;
    n.raw = static_cast<std::int64_t>(buf.size());
    n.has_raw = true;
    e.args = {fd, data, n};
    return e;
  };
  for (std::size_t pad = 0; pad < 24; ++pad) {
    std::string filler(pad, 'x');
    std::string buf = filler + " password=hunter2";
    Event e = write_of(buf), copy;
    EXPECT_TRUE(r.event(e)) << pad;
    EXPECT_EQ(std::string(e.args[1].str.view()), filler + " password=" + r.marker("hunter2")) << pad;
    EXPECT_TRUE(r.event_copy(write_of(buf), copy)) << pad;
    EXPECT_EQ(std::string(copy.args[1].str.view()), std::string(e.args[1].str.view())) << pad;
    for (char sep : {':', '='}) {
      std::string one = filler + sep;  // a separator alone changes nothing, but is looked at
      Event o = write_of(one);
      EXPECT_FALSE(r.event(o)) << pad;
      EXPECT_EQ(std::string(o.args[1].str.view()), one);
    }
    Event plain = write_of(filler + "/usr/lib/x86_64-linux-gnu");
    EXPECT_FALSE(r.event(plain)) << pad;
    EXPECT_FALSE(r.event_copy(write_of(filler + "/usr/lib/x86_64-linux-gnu"), copy)) << pad;
  }
}

TEST(Redactor, UserPatterns) {
  RedactOptions o = keyed();
  o.patterns = {"^INTERNAL_"};
  Redactor r(o);
  std::string kv = "INTERNAL_ID=42";
  EXPECT_TRUE(r.env_entry(kv));
  EXPECT_EQ(kv, "INTERNAL_ID=" + r.marker("42"));
}

TEST(Redactor, BadPatternIsRefusedNamingIt) {
  RedactOptions o;
  o.patterns = {"([unclosed"};
  try {
    Redactor r(o);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'([unclosed'"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

Event exec_event() {
  Event e;
  e.type = EventType::Syscall;
  e.name = "execve";
  Arg path;
  path.kind = ArgKind::Path;
  path.str = "/bin/client";
  Arg argv;
  argv.kind = ArgKind::Array;
  for (const char* s : {"client", "--password", "hunter2"}) {
    Arg a;
    a.kind = ArgKind::String;
    a.str = s;
    argv.items.push_back(a);
  }
  Arg envp;
  envp.kind = ArgKind::Array;
  for (const char* s : {"HOME=/root", "PGPASSWORD=hunter2"}) {
    Arg a;
    a.kind = ArgKind::String;
    a.str = s;
    envp.items.push_back(a);
  }
  e.args = {path, argv, envp};
  return e;
}

TEST(Redactor, ExecArgvAndEnvironment) {
  Redactor r(keyed());
  Event e = exec_event();
  EXPECT_TRUE(r.event(e));
  EXPECT_EQ(e.args[0].str.view(), "/bin/client");
  EXPECT_EQ(e.args[1].items[2].str.view(), r.marker("hunter2"));
  EXPECT_EQ(e.args[2].items[0].str.view(), "HOME=/root");
  EXPECT_EQ(e.args[2].items[1].str.view(), "PGPASSWORD=" + r.marker("hunter2"));
  Event copy;
  EXPECT_FALSE(r.event_copy(e, copy)) << "redacting twice changes nothing";
}

TEST(Redactor, FullRemovesEveryDataBuffer) {
  Redactor r(keyed(Level::Full));
  Event e;
  e.type = EventType::Syscall;
  e.name = "write";
  Arg fd;
  fd.kind = ArgKind::Fd;
  Arg buf;
  buf.kind = ArgKind::String;
  buf.str = "hello world\n";
  buf.truncated = true;
  e.args = {fd, buf};
  Event out;
  EXPECT_TRUE(r.event_copy(e, out));
  EXPECT_EQ(out.args[1].str.view(), r.marker("hello world\n"));
  Redactor none(keyed(Level::None));
  EXPECT_FALSE(none.event_copy(e, out));
}

TEST(Redactor, HeaderSaysWhatWasApplied) {
  Header h;
  h.host.env = std::vector<std::string>{"MY_API_TOKEN=supersecret123", "PATH=/bin"};
  h.command = {"sh", "-c", "curl -H 'Authorization: Bearer abcdef' x"};
  Redactor r(keyed());
  r.header(h);
  EXPECT_EQ(h.options[kLevelOption], "default");
  EXPECT_TRUE(h.options[kKeyOption].starts_with("user ")) << h.options[kKeyOption];
  EXPECT_EQ(h.options[kKeyOption].find("shared key"), std::string::npos);
  EXPECT_EQ((*h.host.env)[0], "MY_API_TOKEN=" + r.marker("supersecret123"));
  EXPECT_EQ(h.command[2], "curl -H 'Authorization: " + r.marker("Bearer abcdef") + "' x");
  HeaderRedaction mine = redaction_of(h);
  Header h2;
  Redactor(keyed()).header(h2);
  EXPECT_TRUE(mine.comparable(redaction_of(h2)));
  Header h3;
  Redactor(RedactOptions{}).header(h3);
  EXPECT_TRUE(h3.options[kKeyOption].starts_with("random "));
  EXPECT_FALSE(mine.comparable(redaction_of(h3)));
  EXPECT_FALSE(redaction_of(h3).comparable(redaction_of(h3))) << "a random key compares with nothing";
  // Redacted again with another key: the digests no longer agree.
  Redactor(RedactOptions{}).header(h);
  EXPECT_EQ(h.options[kKeyOption], "mixed");
}

}  // namespace
}  // namespace tracediff::redact
