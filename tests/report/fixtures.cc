#include "tests/report/fixtures.h"

#include <signal.h>

#include <cstring>

#include "report/detail.h"

namespace tracediff::testing {

Arg path_arg(const std::string& p) {
  Arg a;
  a.kind = ArgKind::Path;
  a.str = p;
  a.abs = p;
  return a;
}
Arg flags_arg(const std::string& f) {
  Arg a;
  a.kind = ArgKind::Flags;
  a.str = f;
  return a;
}
Arg fd_arg(int fd, const std::string& ref) {
  Arg a;
  a.kind = ArgKind::Fd;
  a.has_raw = true;
  a.raw = fd;
  a.ref = ref;
  return a;
}
Arg int_arg(std::int64_t v) {
  Arg a;
  a.kind = ArgKind::Int;
  a.has_raw = true;
  a.raw = v;
  a.str = std::to_string(v);
  return a;
}
Arg str_arg(const std::string& s) {
  Arg a;
  a.kind = ArgKind::String;
  a.str = s;
  return a;
}
Result ok(std::int64_t v, const std::string& ref) {
  Result r;
  r.state = ResultState::Returned;
  r.value = v;
  r.ref = ref;
  return r;
}
Result fail(const std::string& err) {
  Result r;
  r.state = ResultState::Returned;
  r.value = -1;
  r.err = err;
  r.errnum = errno_number(err);
  r.note = std::strerror(r.errnum);
  return r;
}
Event sys(const std::string& name, std::vector<Arg> args, Result res) {
  Event e;
  e.type = EventType::Syscall;
  e.tid = e.pid = 1;
  e.name = name;
  e.args = std::move(args);
  e.result = std::move(res);
  return e;
}
Event exited(int code) {
  Event e;
  e.type = EventType::Process;
  e.name = kProcExit;
  e.proc.code = code;
  return e;
}
Event killed(int sig) {
  Event e;
  e.type = EventType::Process;
  e.name = kProcKilled;
  e.proc.signal = sig;
  return e;
}
ExitStatus exit_code(int code) {
  ExitStatus s;
  s.kind = ExitStatus::Exited;
  s.code = code;
  return s;
}
ExitStatus exit_signal(int sig) {
  ExitStatus s;
  s.kind = ExitStatus::Killed;
  s.signal = sig;
  return s;
}

ResultBuilder::ResultBuilder() {
  diff::SideInfo& g = r_.good_info;
  g.file = "good.trace";
  g.host = "build-01";
  g.os = "debian 12";
  g.kernel = "6.1.0-18-amd64";
  g.command = {"./foo", "--serve"};
  g.exit = exit_code(0);
  g.source = "ptrace";
  diff::SideInfo& b = r_.bad_info;
  b = g;
  b.file = "bad.trace";
  b.host = "web-07";
  b.os = "ubuntu 22.04";
  b.kernel = "5.15.0-91-generic";
  b.exit = exit_code(1);
}

int ResultBuilder::pair(const std::string& name, std::int32_t good_tid, std::int32_t bad_tid,
                        const std::string& command, ExitStatus good_exit, ExitStatus bad_exit, int parent) {
  diff::TaskPair p;
  p.name = name;
  p.good_tid = good_tid;
  p.bad_tid = bad_tid;
  if (good_tid) p.good_command = command, p.good_exit = good_exit;
  if (bad_tid) p.bad_command = command, p.bad_exit = bad_exit;
  p.parent = parent;
  r_.pairs.push_back(std::move(p));
  cur_ = static_cast<int>(r_.pairs.size()) - 1;
  return cur_;
}

static std::size_t add_row(diff::DiffResult& r, int cur, diff::AlignedRow::Op op, const Event* g, const Event* b) {
  diff::AlignedRow row;
  row.op = op;
  if (g) {
    row.good = static_cast<std::int64_t>(r.good.events.size());
    r.good.events.push_back(*g);
  }
  if (b) {
    row.bad = static_cast<std::int64_t>(r.bad.events.size());
    r.bad.events.push_back(*b);
  }
  r.pairs[cur].rows.push_back(row);
  return r.pairs[cur].rows.size() - 1;
}

std::size_t ResultBuilder::same(const Event& e) { return add_row(r_, cur_, diff::AlignedRow::Same, &e, &e); }
std::size_t ResultBuilder::same(const Event& g, const Event& b) { return add_row(r_, cur_, diff::AlignedRow::Same, &g, &b); }
std::size_t ResultBuilder::changed(const Event& g, const Event& b) {
  return add_row(r_, cur_, diff::AlignedRow::Changed, &g, &b);
}
std::size_t ResultBuilder::only_good(const Event& g) { return add_row(r_, cur_, diff::AlignedRow::OnlyGood, &g, nullptr); }
std::size_t ResultBuilder::only_bad(const Event& b) { return add_row(r_, cur_, diff::AlignedRow::OnlyBad, nullptr, &b); }

void ResultBuilder::filler(std::size_t n) {
  for (std::size_t i = 0; i < n; ++i, ++filler_n_) {
    switch (filler_n_ % 3) {
      case 0: same(sys("read", {fd_arg(3), str_arg("line of text\n"), int_arg(4096)}, ok(13))); break;
      case 1: same(sys("fstat", {fd_arg(3), Arg{ArgKind::Other, false, false, "", 0, "{st_mode=S_IFREG|0644, st_size=13, ...}"}}, ok(0))); break;
      default: same(sys("brk", {Arg{ArgKind::Other, false, false, "", 0, "NULL"}}, ok(0, "")));
    }
  }
}

static diff::DivSide side_of(const diff::SideTrace& t, std::int64_t ev) {
  diff::DivSide s;
  const Event& e = t.events[ev];
  s.call = report::detail::call_text(e);
  s.event = static_cast<std::size_t>(ev);
  s.has_event = true;
  s.result = e.type == EventType::Syscall ? std::to_string(e.result.value) : "?";
  if (!e.result.err.empty()) s.err = e.result.err;
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::Path) {
      s.path = a.abs.empty() ? a.str : a.abs;
      break;
    }
  return s;
}

int ResultBuilder::diverge(std::size_t row, diff::DivKind kind, const std::string& explanation, bool significant,
                           bool benign) {
  diff::TaskPair& p = r_.pairs[cur_];
  diff::AlignedRow& ar = p.rows[row];
  diff::Divergence d;
  d.rank = static_cast<int>(r_.divergences.size()) + 1;
  d.kind = kind;
  d.significant = significant;
  d.benign = benign;
  d.score = 100.0 / d.rank;
  d.process = p.name;
  const Event& any = ar.good >= 0 ? r_.good.events[ar.good] : r_.bad.events[ar.bad];
  d.syscall = any.name;
  if (ar.good >= 0) d.good = side_of(r_.good, ar.good);
  if (ar.bad >= 0) d.bad = side_of(r_.bad, ar.bad);
  d.explanation = explanation;
  d.pair = cur_;
  d.row = row;
  d.row_count = 1;
  int idx = static_cast<int>(r_.divergences.size());
  ar.divergence = idx;
  if (significant && !benign) ++p.divergence_count;
  r_.divergences.push_back(std::move(d));
  return idx;
}

int ResultBuilder::diverge_env(const std::string& explanation, const std::string& good, const std::string& bad) {
  diff::Divergence d;
  d.rank = static_cast<int>(r_.divergences.size()) + 1;
  d.kind = diff::DivKind::Env;
  d.score = 100.0 / d.rank;
  d.explanation = explanation;
  d.good = diff::DivSide{good, "", "", std::nullopt, 0, false};
  d.bad = diff::DivSide{bad, "", "", std::nullopt, 0, false};
  r_.divergences.push_back(std::move(d));
  return static_cast<int>(r_.divergences.size()) - 1;
}

void ResultBuilder::env(const std::string& category, const std::string& key, std::optional<std::string> good,
                        std::optional<std::string> bad, bool significant) {
  r_.env.push_back({category, key, std::move(good), std::move(bad), significant});
}

namespace {

Event open_cfg(const std::string& path, Result res) {
  return sys("openat", {Arg{ArgKind::Other, false, false, "", 0, "AT_FDCWD"}, path_arg(path), flags_arg("O_RDONLY")},
             std::move(res));
}

Event write_err(const std::string& text) { return sys("write", {fd_arg(2), str_arg(text), int_arg(text.size())}, ok(text.size())); }

void startup(ResultBuilder& b) {
  b.same(sys("execve", {path_arg("./foo"), Arg{ArgKind::Other, false, false, "", 0, "[\"./foo\", \"--serve\"]"},
                        Arg{ArgKind::Other, false, false, "", 0, "0x7ffd /* 16 vars */"}},
             ok(0)));
  b.same(sys("brk", {Arg{ArgKind::Other, false, false, "", 0, "NULL"}}, ok(0)));
  b.same(sys("openat", {Arg{ArgKind::Other, false, false, "", 0, "AT_FDCWD"}, path_arg("/etc/ld.so.cache"),
                        flags_arg("O_RDONLY|O_CLOEXEC")},
             ok(3, "/etc/ld.so.cache")));
  b.same(sys("close", {fd_arg(3, "/etc/ld.so.cache")}, ok(0)));
}

/// The article's case: the config file is missing on the bad host.
diff::DiffResult foo_config(const std::string& cfg) {
  ResultBuilder b;
  b.pair("root", 1, 1, "./foo --serve", exit_code(0), exit_code(1));
  startup(b);
  b.filler(6);
  std::size_t r = b.changed(open_cfg(cfg, ok(3, cfg)), open_cfg(cfg, fail("ENOENT")));
  int d = b.diverge(r, diff::DivKind::Result,
                    "openat of " + cfg + " fails on the bad side with ENOENT (No such file or directory); on the good side it opened.");
  b.result().divergences[d].candidates = {"/usr/local/etc/foo/config.json", cfg};
  std::size_t rr = b.only_good(sys("read", {fd_arg(3, cfg), str_arg("{\"listen\": 8080}\n"), int_arg(4096)}, ok(17)));
  b.diverge(rr, diff::DivKind::OnlyGood, "Only the good side read " + cfg + ".");
  b.only_good(sys("close", {fd_arg(3, cfg)}, ok(0)));
  std::size_t w = b.only_bad(write_err("Error opening configuration file: No such file or directory\n"));
  b.diverge(w, diff::DivKind::OnlyBad, "Only the bad side wrote an error message to stderr.");
  std::size_t ex = b.changed(exited(0), exited(1));
  b.diverge(ex, diff::DivKind::Exit, "root exited 0 on the good side and 1 on the bad side.");
  b.filler(0);
  return std::move(b.result());
}

diff::DiffResult kind_path() {
  ResultBuilder b;
  b.result().bad_info.exit = exit_code(127);
  b.pair("root", 1, 1, "./foo --serve", exit_code(0), exit_code(127));
  startup(b);
  std::size_t r = b.changed(
      sys("openat", {Arg{ArgKind::Other, false, false, "", 0, "AT_FDCWD"}, path_arg("/opt/foo-1.4/lib/libfoo.so.1"),
                     flags_arg("O_RDONLY|O_CLOEXEC")},
          ok(3, "/opt/foo-1.4/lib/libfoo.so.1")),
      sys("openat", {Arg{ArgKind::Other, false, false, "", 0, "AT_FDCWD"}, path_arg("/opt/foo-1.5/lib/libfoo.so.1"),
                     flags_arg("O_RDONLY|O_CLOEXEC")},
          fail("ENOENT")));
  b.diverge(r, diff::DivKind::Path,
            "The library is looked up under /opt/foo-1.4 on the good side but /opt/foo-1.5 on the bad side (RPATH or LD_LIBRARY_PATH).");
  b.filler(4);
  std::size_t ex = b.changed(exited(0), exited(127));
  b.diverge(ex, diff::DivKind::Exit, "root exited 0 on the good side and 127 on the bad side.");
  b.env("env", "LD_LIBRARY_PATH", "/opt/foo-1.4/lib", "/opt/foo-1.5/lib");
  b.result().pairs[0].approximate = true;
  b.result().notes.push_back("root: 2,000,000 x 2,000,000 events is above the exact alignment limit; aligned greedily.");
  return std::move(b.result());
}

diff::DiffResult kind_only_good() {
  ResultBuilder b;
  b.result().bad_info.exit = exit_code(0);
  b.pair("root", 1, 1, "./foo --serve", exit_code(0), exit_code(0));
  startup(b);
  b.filler(5);
  std::size_t r = b.only_good(sys("connect", {fd_arg(4), Arg{ArgKind::SockAddr, false, false, "", 0, "AF_INET:10.0.0.5:5432"}, int_arg(16)}, ok(0)));
  b.diverge(r, diff::DivKind::OnlyGood, "Only the good side connected to 10.0.0.5:5432 (the database).");
  b.only_good(write_err("connected to db\n"));
  b.filler(5);
  return std::move(b.result());
}

diff::DiffResult kind_only_bad() {
  ResultBuilder b;
  b.pair("root", 1, 1, "./foo --serve", exit_code(0), exit_code(1));
  startup(b);
  b.filler(2);
  std::size_t r = b.only_bad(sys("access", {path_arg("/var/run/foo.lock"), flags_arg("F_OK")}, ok(0)));
  b.diverge(r, diff::DivKind::OnlyBad, "Only the bad side found /var/run/foo.lock, a stale lock file.");
  b.only_bad(write_err("foo: already running\n"));
  std::size_t ex = b.changed(exited(0), exited(1));
  b.diverge(ex, diff::DivKind::Exit, "root exited 0 on the good side and 1 on the bad side.");
  return std::move(b.result());
}

diff::DiffResult kind_exit() {
  ResultBuilder b;
  b.result().bad_info.exit = exit_signal(SIGSEGV);
  b.pair("root", 1, 1, "./foo --serve", exit_code(0), exit_signal(SIGSEGV));
  startup(b);
  b.filler(8);
  std::size_t ex = b.changed(exited(0), killed(SIGSEGV));
  b.diverge(ex, diff::DivKind::Exit, "root was killed by SIGSEGV on the bad side; it exited 0 on the good side.");
  return std::move(b.result());
}

diff::DiffResult kind_env() {
  ResultBuilder b;
  b.result().bad_info.exit = exit_code(0);
  b.env("env", "LANG", "en_US.UTF-8", "C");
  b.env("env", "FOO_HOME", "/opt/foo", std::nullopt);
  b.env("env", "DEBUG", std::nullopt, "1");
  b.env("env", "OLDPWD", "/home/alice", "/root", false);
  b.env("uid", "uid", "1000", "0");
  b.env("groups", "groups", "1000 27 100", "0");
  b.env("cwd", "cwd", "/home/alice/src/foo", "/root");
  b.env("limit", "nofile", "1024/4096", "256/256");
  b.diverge_env("FOO_HOME is set on the good side and absent on the bad side.", "FOO_HOME=/opt/foo", "(absent)");
  b.pair("root", 1, 1, "./foo --serve", exit_code(0), exit_code(0));
  startup(b);
  b.filler(3);
  return std::move(b.result());
}

diff::DiffResult kind_data() {
  ResultBuilder b;
  b.pair("root", 1, 1, "./foo --serve", exit_code(0), exit_code(1));
  startup(b);
  b.same(open_cfg("/etc/foo/config.json", ok(3, "/etc/foo/config.json")));
  // The differ aligns on keys without results or data, so this row is
  // paired as Same and only its divergence says it differs.
  std::size_t r = b.same(
      sys("read", {fd_arg(3, "/etc/foo/config.json"), str_arg("{\"listen\": 8080}\n"), int_arg(4096)}, ok(17)),
      sys("read", {fd_arg(3, "/etc/foo/config.json"), str_arg("{\"listen\": \"eighty\"}\n"), int_arg(4096)}, ok(21)));
  b.diverge(r, diff::DivKind::Data, "The two sides read different contents from /etc/foo/config.json.");
  b.same(sys("close", {fd_arg(3, "/etc/foo/config.json")}, ok(0)));
  b.filler(2);
  std::size_t ex = b.changed(exited(0), exited(1));
  b.diverge(ex, diff::DivKind::Exit, "root exited 0 on the good side and 1 on the bad side.");
  return std::move(b.result());
}

diff::DiffResult several_processes() {
  ResultBuilder b;
  b.result().good_info.command = {"sh", "-c", "./foo --serve | logger"};
  b.result().bad_info.command = b.result().good_info.command;
  b.pair("root", 1, 1, "sh -c './foo --serve | logger'", exit_code(0), exit_code(1));
  startup(b);
  b.same(sys("clone", {Arg{ArgKind::Other, false, false, "", 0, "child_stack=NULL, flags=SIGCHLD"}}, ok(2)));
  b.same(sys("wait4", {int_arg(-1), Arg{ArgKind::Other, false, false, "", 0, "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"}, int_arg(0), Arg{ArgKind::Other, false, false, "", 0, "NULL"}}, ok(2)));
  std::size_t ex = b.changed(exited(0), exited(1));
  b.pair("root/1:foo", 2, 2, "./foo --serve", exit_code(0), exit_code(1), 0);
  startup(b);
  b.filler(40);
  std::size_t r = b.changed(open_cfg("/etc/foo/config.json", ok(3, "/etc/foo/config.json")),
                            open_cfg("/etc/foo/config.json", fail("EACCES")));
  b.diverge(r, diff::DivKind::Result,
            "openat of /etc/foo/config.json fails on the bad side with EACCES (Permission denied); the file is mode 0600 owned by root there.");
  b.filler(10);
  std::size_t r2 = b.changed(open_cfg("/etc/foo/extra.d", fail("ENOENT")), open_cfg("/etc/foo/extra.d", ok(4, "/etc/foo/extra.d")));
  b.diverge(r2, diff::DivKind::Result, "Looking for /etc/foo/extra.d failed on the good side only; it is optional.", true, true);
  b.filler(20);
  b.changed(exited(0), exited(1));
  b.pair("root/2:logger", 3, 3, "logger", exit_code(0), exit_code(0), 0);
  b.filler(12);
  b.same(exited(0));
  b.pair("root/1:foo/1:gzip", 4, 0, "gzip -c", exit_code(0), ExitStatus{}, 1);
  b.only_good(sys("execve", {path_arg("/usr/bin/gzip"), Arg{ArgKind::Other, false, false, "", 0, "[\"gzip\", \"-c\"]"}, Arg{ArgKind::Other, false, false, "", 0, "0x7ffd /* 16 vars */"}}, ok(0)));
  for (int i = 0; i < 7; ++i) b.only_good(sys("read", {fd_arg(0), str_arg("payload"), int_arg(65536)}, ok(7)));
  b.only_good(exited(0));
  std::size_t g0 = 0;
  b.result().pairs.back().divergence_count = 1;
  {
    // The divergence for the whole one-sided task points at its first row.
    diff::Divergence d;
    d.rank = static_cast<int>(b.result().divergences.size()) + 1;
    d.kind = diff::DivKind::OnlyGood;
    d.process = "root/1:foo/1:gzip";
    d.syscall = "execve";
    d.explanation = "The good side ran gzip -c; the bad side never started it.";
    d.good = diff::DivSide{"execve(...)", "/usr/bin/gzip", "0", std::nullopt, static_cast<std::size_t>(b.result().pairs.back().rows[g0].good), true};
    d.pair = static_cast<int>(b.result().pairs.size()) - 1;
    d.row = g0;
    d.row_count = b.result().pairs.back().rows.size();
    b.result().divergences.push_back(d);
  }
  // The root's exit divergence is ranked last: it follows from the child.
  diff::DiffResult r0 = std::move(b.result());
  diff::Divergence d;
  d.rank = static_cast<int>(r0.divergences.size()) + 1;
  d.kind = diff::DivKind::Exit;
  d.process = "root";
  d.syscall = "exit";
  d.explanation = "root exited 0 on the good side and 1 on the bad side (its child root/1:foo failed).";
  d.pair = 0;
  d.row = ex;
  r0.pairs[0].rows[ex].divergence = static_cast<int>(r0.divergences.size());
  r0.pairs[0].divergence_count = 1;
  r0.divergences.push_back(d);
  return r0;
}

diff::DiffResult no_divergence() {
  ResultBuilder b;
  b.result().bad_info.exit = exit_code(0);
  b.result().bad_info.host = "build-01";
  b.result().bad_info.os = "debian 12";
  b.result().bad_info.kernel = "6.1.0-18-amd64";
  b.pair("root", 1, 1, "./foo --serve", exit_code(0), exit_code(0));
  startup(b);
  b.filler(20);
  b.same(exited(0));
  return std::move(b.result());
}

diff::DiffResult benign_only() {
  ResultBuilder b;
  b.result().bad_info.exit = exit_code(0);
  b.pair("root", 1, 1, "./foo --serve", exit_code(0), exit_code(0));
  startup(b);
  b.filler(4);
  std::size_t r = b.changed(open_cfg("/usr/share/locale/en_US.UTF-8/LC_MESSAGES/foo.mo", fail("ENOENT")),
                            open_cfg("/usr/share/locale/en_US.UTF-8/LC_MESSAGES/foo.mo", fail("ENOTDIR")));
  b.diverge(r, diff::DivKind::Result, "A translation lookup failed differently; neither side found it.", false, true);
  b.filler(4);
  b.env("env", "OLDPWD", "/home/alice", "/root", false);
  return std::move(b.result());
}

diff::DiffResult hostile_text() {
  // Paths and values with markup characters: the HTML must escape them.
  ResultBuilder b;
  b.result().good_info.file = "good<&>\".trace";
  b.pair("root", 1, 1, "./foo <script>", exit_code(0), exit_code(1));
  std::string p = "/tmp/<script>alert('x')</script>&amp;\"q\"";
  std::size_t r = b.changed(open_cfg(p, ok(3)), open_cfg(p, fail("ENOENT")));
  b.diverge(r, diff::DivKind::Result, "openat of " + p + " fails on the bad side.");
  b.env("env", "X<y>", "a&b", "\"c\"");
  return std::move(b.result());
}

}  // namespace

const std::map<std::string, std::function<diff::DiffResult()>>& fixtures() {
  static const std::map<std::string, std::function<diff::DiffResult()>> m = {
      {"result", [] { return foo_config("/etc/foo/config.json"); }},
      {"long-path",
       [] {
         return foo_config(
             "/very/long/installation/prefix/chosen/by/the/distribution/packager/share/foo/conf.d/profiles/production/config.json");
       }},
      {"path", kind_path},
      {"only-good", kind_only_good},
      {"only-bad", kind_only_bad},
      {"exit", kind_exit},
      {"env", kind_env},
      {"data", kind_data},
      {"several-processes", several_processes},
      {"no-divergence", no_divergence},
      {"benign-only", benign_only},
      {"hostile-text", hostile_text},
      {"repeated", [] { return big_result(40, 8); }},
  };
  return m;
}

diff::DiffResult big_result(std::size_t events, std::size_t every) {
  ResultBuilder b;
  b.pair("root", 1, 1, "./foo --serve", exit_code(0), exit_code(1));
  diff::DiffResult& r = b.result();
  r.good.events.reserve(events);
  r.bad.events.reserve(events);
  r.pairs[0].rows.reserve(events);
  Event plain = sys("read", {fd_arg(3, "/var/lib/foo/data.bin"), str_arg("0123456789abcdef"), int_arg(4096)}, ok(16));
  Event bad = sys("read", {fd_arg(3, "/var/lib/foo/data.bin"), str_arg("0123456789abcdef"), int_arg(4096)}, fail("EIO"));
  for (std::size_t i = 0; i < events; ++i) {
    if (every && i % every == every / 2) {
      std::size_t row = b.changed(plain, bad);
      b.diverge(row, diff::DivKind::Result, "read of /var/lib/foo/data.bin fails on the bad side with EIO.");
    } else {
      b.same(plain);
    }
  }
  return std::move(r);
}

}  // namespace tracediff::testing
