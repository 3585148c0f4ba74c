// explain on hand-built traces shaped like what the importer and the
// recorder produce: the article's two stories and the cases around them.
#include <gtest/gtest.h>

#include "explain/explain.h"

namespace tracediff {
namespace {

Arg fd(int n, std::string ref = "") {
  return Arg{.kind = ArgKind::Fd, .has_raw = true, .raw = n, .ref = CompactString(ref)};
}
Arg path(std::string s) { return Arg{.kind = ArgKind::Path, .str = std::move(s)}; }
Arg data(std::string s) { return Arg{.kind = ArgKind::String, .str = std::move(s)}; }
Arg flags(std::string s) { return Arg{.kind = ArgKind::Flags, .str = std::move(s)}; }
Arg num(std::int64_t n) { return Arg{.kind = ArgKind::Int, .has_raw = true, .raw = n, .str = std::to_string(n)}; }
Arg addr(std::string s) { return Arg{.kind = ArgKind::SockAddr, .str = std::move(s)}; }
Arg fds(int a, int b) {
  Arg x{.kind = ArgKind::Array};
  x.items = {num(a), num(b)};
  return x;
}
const Arg kCwd = flags("AT_FDCWD");

class TraceBuilder {
 public:
  TraceBuilder& call(std::int32_t pid, std::string name, std::vector<Arg> args, std::int64_t ret,
                     std::string err = "") {
    Event e;
    e.tid = e.pid = pid;
    e.name = std::move(name);
    e.args = std::move(args);
    e.result.state = ResultState::Returned;
    e.result.value = ret;
    e.result.err = std::move(err);
    e.line = static_cast<std::uint32_t>(t_.events.size() + 1);
    t_.events.push_back(std::move(e));
    return *this;
  }
  TraceBuilder& exit(std::int32_t pid, int code) {
    call(pid, "exit_group", {num(code)}, 0);
    t_.events.back().result.state = ResultState::Unknown;
    Event e;
    e.type = EventType::Process;
    e.tid = e.pid = pid;
    e.name = kProcExit;
    e.proc.code = code;
    t_.events.push_back(std::move(e));
    return *this;
  }
  TraceBuilder& fork(std::int32_t parent, std::int32_t child) {
    return call(parent, "clone", {flags("flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD")}, child);
  }
  Event& last() { return t_.events.back(); }
  Trace& trace() { return t_; }

 private:
  Trace t_;
};

const explain::ExplainLink& cause(const explain::Explanation& x) { return x.chain.back(); }

// The article's first story: foo cannot find its configuration file.
TEST(Explain, MissingConfigFindsTheFailingOpen) {
  TraceBuilder b;
  b.call(100, "execve", {path("./foo")}, 0)
      .call(100, "access", {path("/etc/ld.so.preload"), flags("R_OK")}, -1, "ENOENT")
      .call(100, "openat", {kCwd, path("/etc/ld.so.cache"), flags("O_RDONLY|O_CLOEXEC")}, 3)
      .call(100, "close", {fd(3)}, 0)
      .call(100, "openat", {kCwd, path("/etc/foo/config.json"), flags("O_RDONLY")}, -1, "ENOENT")
      .call(100, "dup", {fd(2)}, 3)
      .call(100, "fcntl", {fd(3), flags("F_GETFL")}, 2)
      .call(100, "write", {fd(3), data("Error opening configuration file: No such file or directory\n"), num(60)}, 60)
      .call(100, "close", {fd(3)}, 0)
      .exit(100, 1);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  EXPECT_EQ(x.message, "Error opening configuration file: No such file or directory");
  ASSERT_EQ(x.chain.size(), 2u);
  EXPECT_EQ(x.chain[0].kind, explain::ExplainLink::Kind::Message);
  EXPECT_EQ(x.chain[0].channel, "stderr");
  EXPECT_EQ(x.chain[0].exit, "exited 1");
  EXPECT_EQ(cause(x).kind, explain::ExplainLink::Kind::Cause);
  EXPECT_EQ(cause(x).syscall, "openat");
  EXPECT_EQ(cause(x).path, "/etc/foo/config.json");
  EXPECT_EQ(cause(x).err, "ENOENT");
  EXPECT_EQ(cause(x).line, 5u);
  EXPECT_EQ(cause(x).process, "foo");
  EXPECT_EQ(cause(x).hint, "/etc/foo/config.json does not exist");
}

// A trace whose recorder says it could not see everything says so in the
// explanation: the cause may be among what it could not see.
TEST(Explain, NotesWhatTheRecordingCouldNotSee) {
  TraceBuilder b;
  b.call(100, "execve", {path("./foo")}, 0)
      .call(100, "write", {fd(2), data("cannot read config\n"), num(19)}, 19)
      .exit(100, 1);
  Trace t = b.trace();
  explain::Explanation plain = explain::run(t);
  t.header.options["io_uring.processes"] = "1";
  t.header.options["io_uring.pids"] = "100";
  explain::Explanation x = explain::run(t);
  ASSERT_EQ(x.notes.size(), plain.notes.size() + 1);
  EXPECT_EQ(x.notes.back().rfind("process 100 used io_uring: ", 0), 0u) << x.notes.back();
  EXPECT_NE(explain::render_explanation_text(x, "t.trace").find("note: process 100 used io_uring"), std::string::npos);
}

TEST(Explain, SkipsLookupsThatLaterSucceedAndIsattyProbes) {
  TraceBuilder b;
  b.call(7, "openat", {kCwd, path("/etc/app.conf"), flags("O_RDONLY")}, -1, "EACCES")
      .call(7, "openat", {kCwd, path("/usr/lib/tls/libz.so.1"), flags("O_RDONLY")}, -1, "ENOENT")
      .call(7, "openat", {kCwd, path("/usr/lib/libz.so.1"), flags("O_RDONLY")}, 3)
      .call(7, "execve", {path("/usr/local/bin/helper")}, -1, "ENOENT")
      .call(7, "execve", {path("/usr/bin/helper")}, 0)
      .call(7, "ioctl", {fd(2), flags("TCGETS"), Arg{}}, -1, "ENOTTY")
      .call(7, "unlink", {path("/tmp/app.lock")}, -1, "ENOENT")
      .call(7, "connect", {fd(5), addr("AF_UNIX:/var/run/nscd/socket"), num(110)}, -1, "ENOENT")
      .call(7, "write", {fd(2), data("app: cannot read settings\n"), num(26)}, 26)
      .exit(7, 2);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  EXPECT_EQ(cause(x).path, "/etc/app.conf");
  EXPECT_EQ(cause(x).err, "EACCES");
}

TEST(Explain, PrefersTheFailureWhoseErrorTheMessageQuotes) {
  TraceBuilder b;
  b.call(7, "openat", {kCwd, path("/var/lib/app/state"), flags("O_RDONLY")}, -1, "ENOENT")
      .call(7, "connect", {fd(4), addr("AF_INET:10.0.0.1:5432"), num(16)}, -1, "ECONNREFUSED")
      .call(7, "write", {fd(2), data("app: state: No such file or directory\n"), num(38)}, 38)
      .exit(7, 1);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  EXPECT_EQ(cause(x).path, "/var/lib/app/state");
}

TEST(Explain, JoinsAMessageWrittenInPieces) {
  TraceBuilder b;
  b.call(7, "openat", {kCwd, path("/x"), flags("O_RDONLY")}, -1, "ENOENT")
      .call(7, "write", {fd(2), data("prog: "), num(6)}, 6)
      .call(7, "write", {fd(2), data("cannot open /x"), num(14)}, 14)
      // glibc looks for a translation of the error text between the pieces.
      .call(7, "openat", {kCwd, path("/usr/share/locale/C/LC_MESSAGES/libc.mo"), flags("O_RDONLY")}, -1, "ENOENT")
      .call(7, "write", {fd(2), data("\n"), num(1)}, 1)
      .exit(7, 1);
  explain::Explanation x = explain::run(b.trace());
  EXPECT_EQ(x.message, "prog: cannot open /x");
  EXPECT_TRUE(x.found);
}

TEST(Explain, ResolvesRelativePathsWithCwdInheritedAcrossFork) {
  TraceBuilder b;
  b.call(10, "openat", {kCwd, path("/srv"), flags("O_RDONLY|O_DIRECTORY")}, 5)
      .call(10, "fchdir", {fd(5)}, 0)
      .call(10, "chdir", {path("app")}, 0)  // now /srv/app
      .fork(10, 11)
      .call(11, "openat", {kCwd, path("../data/x.db"), flags("O_RDWR")}, -1, "ENOENT")
      .call(11, "write", {fd(2), data("worker: no database\n"), num(20)}, 20)
      .exit(11, 1);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  EXPECT_EQ(cause(x).path, "/srv/data/x.db");
  EXPECT_EQ(cause(x).cwd, "/srv/app");
  EXPECT_EQ(cause(x).pid, 11);
}

TEST(Explain, ResolvesOpenatRelativeToADirectoryFd) {
  TraceBuilder b;
  b.call(3, "openat", {kCwd, path("/etc/app"), flags("O_RDONLY|O_DIRECTORY")}, 4)
      .call(3, "openat", {fd(4), path("conf.d/main.conf"), flags("O_RDONLY")}, -1, "ENOENT")
      .call(3, "write", {fd(2), data("no config\n"), num(10)}, 10)
      .exit(3, 1);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  EXPECT_EQ(cause(x).path, "/etc/app/conf.d/main.conf");
}

// The article's second story, with the client and the server in one trace
// and no -y annotations: fds are known only from the calls.
TraceBuilder spool_story(bool with_client, bool with_server) {
  TraceBuilder b;
  const std::string reply = "32:ZCould not create temporary file";
  if (with_server)
    b.call(20, "socket", {flags("AF_UNIX"), flags("SOCK_STREAM"), num(0)}, 3)
        .call(20, "bind", {fd(3), addr("AF_UNIX:/var/run/bcron-spool"), num(110)}, 0)
        .call(20, "listen", {fd(3), num(128)}, 0);
  if (with_client)
    b.call(30, "openat", {kCwd, path("bcrontab.30.tmp"), flags("O_RDONLY")}, 3)
        .call(30, "close", {fd(3)}, 0)
        .call(30, "socket", {flags("AF_UNIX"), flags("SOCK_STREAM"), num(0)}, 3)
        .call(30, "connect", {fd(3), addr("AF_UNIX:/var/run/bcron-spool"), num(110)}, 0)
        .call(30, "write", {fd(3), data("156:Slogs\0#Ansible: logsagg"), num(161)}, 161);
  if (with_server)
    b.call(20, "accept", {fd(3), Arg{.str = "NULL"}, Arg{.str = "NULL"}}, 4)
        .fork(20, 21)
        .call(20, "close", {fd(4)}, 0)
        .call(21, "dup2", {fd(4), fd(0)}, 0)
        .call(21, "dup2", {fd(4), fd(1)}, 1)
        .call(21, "close", {fd(4)}, 0)
        .call(21, "setgroups", {num(0), Arg{.kind = ArgKind::Array}}, 0)
        .call(21, "setresgid", {num(65534), num(65534), num(65534)}, 0)
        .call(21, "setresuid", {num(65534), num(65534), num(65534)}, 0)
        .call(21, "execve", {path("/usr/sbin/bcron-spool")}, 0)
        .call(21, "chdir", {path("/var/spool/cron")}, 0)
        .call(21, "read", {fd(0), data("156:Slogs"), num(8192)}, 161)
        .call(21, "openat", {kCwd, path("tmp/spool.21.1573692319.854640"), flags("O_RDWR|O_CREAT|O_EXCL"), num(0600)},
              -1, "EACCES")
        .call(21, "write", {fd(1), data(reply), num(36)}, 36)
        .call(21, "write", {fd(2), data("bcron-spool[21]: Fatal: logs: Could not create temporary file\n"), num(84)}, 84)
        .call(21, "unlink", {path("tmp/spool.21.1573692319.854640")}, -1, "ENOENT")
        .exit(21, 111);
  if (with_client)
    b.call(30, "read", {fd(3), data(reply), num(8192)}, 36)
        .call(30, "close", {fd(3)}, 0)
        .call(30, "write", {fd(2), data("bcrontab: Fatal: Could not create temporary file\n"), num(49)}, 49)
        .call(30, "unlink", {path("bcrontab.30.tmp")}, 0)
        .exit(30, 111);
  return b;
}

TEST(Explain, FollowsTheMessageAcrossAUnixSocketForkAndExec) {
  Trace t = spool_story(true, true).trace();
  // The client is the root of what the user ran: as if both were under one shell.
  explain::Explanation x = explain::run(t, {.message = "bcrontab: Fatal"});
  ASSERT_TRUE(x.found) << explain::render_explanation_text(x, "t");
  ASSERT_EQ(x.chain.size(), 4u) << explain::render_explanation_text(x, "t");
  EXPECT_EQ(x.chain[0].pid, 30);
  EXPECT_EQ(x.chain[1].kind, explain::ExplainLink::Kind::Received);
  EXPECT_EQ(x.chain[1].channel, "the Unix socket connected to /var/run/bcron-spool");
  EXPECT_EQ(x.chain[2].kind, explain::ExplainLink::Kind::Sent);
  EXPECT_EQ(x.chain[2].pid, 21);
  EXPECT_EQ(x.chain[2].process, "bcron-spool");
  EXPECT_NE(x.chain[2].channel.find("accepted on /var/run/bcron-spool by pid 20"), std::string::npos) << x.chain[2].channel;
  const explain::ExplainLink& c = cause(x);
  EXPECT_EQ(c.path, "/var/spool/cron/tmp/spool.21.1573692319.854640");
  EXPECT_EQ(c.cwd, "/var/spool/cron");
  EXPECT_EQ(c.err, "EACCES");
  ASSERT_TRUE(c.uid.has_value());
  EXPECT_EQ(*c.uid, 65534u);
  EXPECT_EQ(*c.gid, 65534u);
  EXPECT_EQ(c.creds_from, "setresuid at line 17");
  EXPECT_EQ(c.hint, "uid 65534 gid 65534 may not create files in /var/spool/cron/tmp: "
                    "check its owner and mode");
}

TEST(Explain, ServerTraceAloneExplainsTheWorkersOwnMessage) {
  explain::Explanation x = explain::run(spool_story(false, true).trace());
  ASSERT_TRUE(x.found);
  EXPECT_EQ(x.chain.size(), 2u);
  EXPECT_EQ(x.message, "bcron-spool[21]: Fatal: logs: Could not create temporary file");
  EXPECT_EQ(cause(x).path, "/var/spool/cron/tmp/spool.21.1573692319.854640");
}

TEST(Explain, ClientTraceAloneSaysTheOtherEndIsMissing) {
  explain::Explanation x = explain::run(spool_story(true, false).trace());
  EXPECT_FALSE(x.found);
  ASSERT_EQ(x.chain.size(), 2u);
  EXPECT_EQ(x.chain[1].kind, explain::ExplainLink::Kind::Received);
  ASSERT_EQ(x.notes.size(), 1u);
  EXPECT_NE(x.notes[0].find("not in the trace"), std::string::npos);
}

TEST(Explain, FollowsAPipeToTheChildThatWroteIt) {
  TraceBuilder b;
  b.call(50, "pipe2", {fds(3, 4), flags("O_CLOEXEC")}, 0)
      .fork(50, 51)
      .call(51, "dup2", {fd(4), fd(1)}, 1)
      .call(51, "execve", {path("/usr/bin/helper")}, 0)
      .call(51, "mkdir", {path("/run/app")}, -1, "EROFS")
      .call(51, "write", {fd(1), data("mkdir /run/app: Read-only file system\n"), num(38)}, 38)
      .exit(51, 1)
      .call(50, "close", {fd(4)}, 0)
      .call(50, "read", {fd(3), data("mkdir /run/app: Read-only file system\n"), num(4096)}, 38)
      .call(50, "write", {fd(2), data("setup failed: mkdir /run/app: Read-only file system\n"), num(52)}, 52)
      .exit(50, 1);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  ASSERT_EQ(x.chain.size(), 4u);
  EXPECT_EQ(x.chain[2].process, "helper");
  EXPECT_EQ(cause(x).err, "EROFS");
  EXPECT_EQ(cause(x).path, "/run/app");
}

TEST(Explain, FollowsATcpConnectionToTheServerThatAcceptedIt) {
  TraceBuilder b;
  b.call(70, "socket", {flags("AF_INET"), flags("SOCK_STREAM"), num(0)}, 3)
      .call(70, "bind", {fd(3), addr("AF_INET:0.0.0.0:8443"), num(16)}, 0)
      .call(70, "listen", {fd(3), num(16)}, 0)
      .call(71, "socket", {flags("AF_INET"), flags("SOCK_STREAM"), num(0)}, 5)
      .call(71, "connect", {fd(5), addr("AF_INET:127.0.0.1:8443"), num(16)}, -1, "EINPROGRESS")
      .call(70, "accept4", {fd(3), addr("AF_INET:127.0.0.1:40000"), num(16), flags("SOCK_CLOEXEC")}, 4)
      .call(70, "openat", {kCwd, path("/etc/ssl/private/key.pem"), flags("O_RDONLY")}, -1, "EACCES")
      .call(70, "sendto", {fd(4), data("HTTP/1.1 500 key unreadable"), num(27), num(0), Arg{.str = "NULL"}, num(0)}, 27)
      .call(71, "recvfrom", {fd(5), data("HTTP/1.1 500 key unreadable"), num(4096), num(0), Arg{.str = "NULL"}, Arg{.str = "NULL"}}, 27)
      .call(71, "write", {fd(2), data("client: server said: 500 key unreadable\n"), num(40)}, 40)
      .exit(71, 1);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found) << explain::render_explanation_text(x, "t");
  ASSERT_EQ(x.chain.size(), 4u);
  EXPECT_EQ(x.chain[1].channel, "the socket connected to 127.0.0.1:8443");
  EXPECT_EQ(x.chain[2].pid, 70);
  EXPECT_EQ(cause(x).path, "/etc/ssl/private/key.pem");
}

TEST(Explain, FollowsASocketpairAcrossFork) {
  TraceBuilder b;
  b.call(80, "socketpair", {flags("AF_UNIX"), flags("SOCK_STREAM"), num(0), fds(3, 4)}, 0)
      .fork(80, 81)
      .call(81, "close", {fd(3)}, 0)
      .call(81, "execve", {path("/usr/lib/app/helper")}, 0)
      .call(81, "mkdir", {path("/var/cache/app")}, -1, "ENOSPC")
      .call(81, "write", {fd(4), data("helper: cache setup failed"), num(26)}, 26)
      .exit(81, 1)
      .call(80, "close", {fd(4)}, 0)
      .call(80, "read", {fd(3), data("helper: cache setup failed"), num(512)}, 26)
      .call(80, "write", {fd(2), data("app: helper: cache setup failed\n"), num(32)}, 32)
      .exit(80, 1);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found) << explain::render_explanation_text(x, "t");
  EXPECT_EQ(x.chain[2].process, "helper");
  EXPECT_EQ(cause(x).err, "ENOSPC");
  EXPECT_EQ(cause(x).hint, "the file system of /var/cache has no space or no inodes left (df -h, df -i)");
}

// ENOSPC is a full disk, a file system out of inodes, or a per-user limit
// of watches: the hint says which to look at.
TEST(Explain, NoSpaceSaysWhereToLook) {
  auto hint_of = [](const std::string& call, std::vector<Arg> args) {
    TraceBuilder b;
    b.call(9, call, std::move(args), -1, "ENOSPC")
        .call(9, "write", {fd(2), data("app: No space left on device\n"), num(30)}, 30)
        .exit(9, 1);
    explain::Explanation x = explain::run(b.trace());
    EXPECT_TRUE(x.found) << call;
    return x.found ? cause(x).hint : std::string();
  };
  EXPECT_EQ(hint_of("openat", {kCwd, path("/srv/spool/job.1"), flags("O_WRONLY|O_CREAT|O_EXCL")}),
            "the file system of /srv/spool has no space or no inodes left (df -h, df -i)");
  EXPECT_EQ(hint_of("write", {fd(3, "/var/log/app.log"), data("line\n"), num(5)}),
            "the file system of /var/log/app.log is full (df -h)");
  EXPECT_EQ(hint_of("inotify_add_watch", {fd(4, "anon_inode:inotify"), path("/srv/app/src"), flags("IN_MODIFY")}),
            "the user's inotify watches are used up (sysctl fs.inotify.max_user_watches)");
}

TEST(Explain, FollowsSocketsByTheirYAnnotations) {
  TraceBuilder b;
  b.call(60, "write", {fd(5, "UNIX-STREAM:[9001->9000]"), data("ERR database locked"), num(19)}, 19);
  b.trace().events.back().args.clear();
  b.trace().events.pop_back();
  b.call(60, "openat", {kCwd, path("/var/lib/db/lock"), flags("O_RDWR|O_CREAT")}, -1, "EAGAIN")
      .call(60, "flock", {fd(6), flags("LOCK_EX|LOCK_NB")}, -1, "EWOULDBLOCK")
      .call(60, "openat", {kCwd, path("/var/lib/db/data"), flags("O_RDWR")}, -1, "EACCES")
      .call(60, "write", {fd(5, "UNIX-STREAM:[9001->9000]"), data("ERR database locked"), num(19)}, 19)
      .call(61, "read", {fd(3, "UNIX-STREAM:[9000->9001]"), data("ERR database locked"), num(512)}, 19)
      .call(61, "write", {fd(2, "/dev/pts/0"), data("client: ERR database locked\n"), num(28)}, 28)
      .exit(61, 1);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found) << explain::render_explanation_text(x, "t");
  EXPECT_EQ(x.chain[0].channel, "the terminal /dev/pts/0");
  EXPECT_EQ(x.chain[2].pid, 60);
  EXPECT_EQ(cause(x).path, "/var/lib/db/data");
}

TEST(Explain, UsesThePermissionSnapshot) {
  TraceBuilder b;
  b.call(9, "openat", {kCwd, path("/spool/tmp/f.1"), flags("O_RDWR|O_CREAT|O_EXCL"), num(0600)}, -1, "EACCES");
  PermSnapshot p{.uid = 65534, .gid = 65534, .groups = {}};
  p.components = {{"/", true, "dir", 0, 0, 0755, false},
                  {"/spool", true, "dir", 0, 0, 0755, false},
                  {"/spool/tmp", true, "dir", 0, 0, 0755, false},
                  {"/spool/tmp/f.1", false, "", 0, 0, 0, false}};  // the recorder lists the missing target too
  b.last().perm = p;
  b.call(9, "write", {fd(2), data("cannot create temporary file\n"), num(29)}, 29).exit(9, 111);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  ASSERT_TRUE(cause(x).perm.has_value());
  EXPECT_EQ(cause(x).creds_from, "snapshot");
  EXPECT_EQ(cause(x).hint, "uid 65534 gid 65534 may not create files in /spool/tmp (owner 0:0, mode 0755)");
  std::string text = explain::render_explanation_text(x, "t");
  EXPECT_NE(text.find("/spool/tmp"), std::string::npos);
  std::string json = explain::explanation_to_json(x, "t");
  EXPECT_NE(json.find("\"components\":[{\"path\":\"/\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"mode\":\"0755\""), std::string::npos);
}

TEST(Explain, ListsEveryPlaceALibraryWasSought) {
  TraceBuilder b;
  b.call(4, "execve", {path("./app")}, 0)
      .call(4, "openat", {kCwd, path("/opt/greet/lib/libgreet.so.1"), flags("O_RDONLY|O_CLOEXEC")}, -1, "ENOENT")
      .call(4, "openat", {kCwd, path("/etc/ld.so.cache"), flags("O_RDONLY|O_CLOEXEC")}, 3)
      .call(4, "close", {fd(3)}, 0)
      .call(4, "openat", {kCwd, path("/lib/x86_64-linux-gnu/libgreet.so.1"), flags("O_RDONLY|O_CLOEXEC")}, -1, "ENOENT")
      .call(4, "openat", {kCwd, path("/usr/lib/libgreet.so.1"), flags("O_RDONLY|O_CLOEXEC")}, -1, "ENOENT");
  Arg iov{.kind = ArgKind::Array};
  iov.items = {data("./app"), data(": error while loading shared libraries: "), data("libgreet.so.1"),
               data(": cannot open shared object file: No such file or directory\n")};
  b.call(4, "writev", {fd(2), iov, num(4)}, 118).exit(4, 127);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  EXPECT_EQ(x.message, "./app: error while loading shared libraries: libgreet.so.1: cannot open shared object file: "
                       "No such file or directory");
  EXPECT_EQ(cause(x).tried, (std::vector<std::string>{"/opt/greet/lib/libgreet.so.1",
                                                      "/lib/x86_64-linux-gnu/libgreet.so.1", "/usr/lib/libgreet.so.1"}));
  EXPECT_EQ(cause(x).hint, "libgreet.so.1 was not found in any of the 3 places tried");
}

TEST(Explain, PermissionSnapshotNamesTheDirectoryThatCannotBeEntered) {
  TraceBuilder b;
  b.call(9, "openat", {kCwd, path("/srv/private/app.conf"), flags("O_RDONLY")}, -1, "EACCES");
  PermSnapshot p{.uid = 1000, .gid = 1000, .groups = {27}};
  p.components = {{"/", true, "dir", 0, 0, 0755, false},
                  {"/srv", true, "dir", 0, 0, 0755, false},
                  {"/srv/private", true, "dir", 0, 0, 0700, false}};
  b.last().perm = p;
  b.call(9, "write", {fd(2), data("cannot read configuration\n"), num(26)}, 26).exit(9, 1);
  explain::Explanation x = explain::run(b.trace());
  EXPECT_EQ(cause(x).hint, "uid 1000 gid 1000 may not enter /srv/private (owner 0:0, mode 0700)");
}

TEST(Explain, PermissionSnapshotNamesTheMissingComponent) {
  TraceBuilder b;
  b.call(9, "openat", {kCwd, path("/etc/foo/config.json"), flags("O_RDONLY")}, -1, "ENOENT");
  PermSnapshot p{.uid = 0, .gid = 0, .groups = {}};
  p.components = {{"/", true, "dir", 0, 0, 0755, false},
                  {"/etc", true, "dir", 0, 0, 0755, false},
                  {"/etc/foo", false, "", 0, 0, 0, false}};
  b.last().perm = p;
  b.call(9, "write", {fd(2), data("Error opening configuration file: No such file or directory\n"), num(60)}, 60)
      .exit(9, 1);
  explain::Explanation x = explain::run(b.trace());
  EXPECT_EQ(cause(x).hint, "/etc/foo does not exist");
}

TEST(Explain, NothingToExplainWithoutAFailedExit) {
  TraceBuilder b;
  b.call(1, "openat", {kCwd, path("/nope"), flags("O_RDONLY")}, -1, "ENOENT")
      .call(1, "write", {fd(2), data("warning: /nope missing\n"), num(23)}, 23)
      .exit(1, 0);
  explain::Explanation x = explain::run(b.trace());
  EXPECT_FALSE(x.found);
  EXPECT_TRUE(x.chain.empty());
  EXPECT_EQ(x.notes.size(), 1u);
  // But the user can name the message.
  explain::Explanation y = explain::run(b.trace(), {.message = "/nope missing"});
  EXPECT_TRUE(y.found);
  EXPECT_EQ(cause(y).path, "/nope");
}

// No message, but the process died of a signal: the summary says which,
// and what its siginfo says (a fault's address; who sent a kill).
Arg field(const char* name, Arg a) {
  a.name = name;
  return a;
}
TraceBuilder killed_by(int sig, const char* sig_name, std::vector<Arg> info) {
  TraceBuilder b;
  b.fork(1, 2);
  b.call(2, "openat", {kCwd, path("/etc/app.conf"), flags("O_RDONLY")}, 3);
  Event s;
  s.type = EventType::Signal;
  s.tid = s.pid = 2;
  s.name = sig_name;
  s.proc.signal = sig;
  s.args = std::move(info);
  b.trace().events.push_back(s);
  Event k;
  k.type = EventType::Process;
  k.tid = k.pid = 2;
  k.name = kProcKilled;
  k.proc.signal = sig;
  b.trace().events.push_back(k);
  b.exit(1, 0);
  return b;
}

TEST(Explain, NoMessageButAProcessKilledBySignal) {
  TraceBuilder segv = killed_by(11, "SIGSEGV",
                                {field("si_signo", flags("SIGSEGV")), field("si_code", flags("SEGV_MAPERR")),
                                 field("si_addr", Arg{.kind = ArgKind::Other, .str = "NULL"})});
  explain::Explanation x = explain::run(segv.trace());
  EXPECT_FALSE(x.found);
  EXPECT_NE(x.summary.find("pid 2 was killed by SIGSEGV at address NULL (SEGV_MAPERR)"), std::string::npos)
      << x.summary;

  TraceBuilder term = killed_by(15, "SIGTERM",
                                {field("si_signo", flags("SIGTERM")), field("si_code", flags("SI_USER")),
                                 field("si_pid", num(1)), field("si_uid", num(1000))});
  explain::Explanation y = explain::run(term.trace());
  EXPECT_NE(y.summary.find("pid 2 was killed by SIGTERM, sent by pid 1 as uid 1000 (SI_USER)"), std::string::npos)
      << y.summary;

  // SIGKILL is never seen being delivered: say where to look.
  TraceBuilder kill = killed_by(9, "SIGKILL", {});
  kill.trace().events.erase(kill.trace().events.end() - 4);  // no Signal event for SIGKILL
  explain::Explanation z = explain::run(kill.trace());
  EXPECT_NE(z.summary.find("killed by SIGKILL"), std::string::npos) << z.summary;
  EXPECT_NE(z.summary.find("OOM killer"), std::string::npos) << z.summary;

  // A message found is explained as before; the signal does not take over.
  TraceBuilder msg;
  msg.call(1, "write", {fd(2), data("fatal: oops\n"), num(12)}, 12).exit(1, 1);
  EXPECT_EQ(explain::run(msg.trace()).summary.find("killed"), std::string::npos);
}

TEST(Explain, MessageTextKeepsUtf8AndEscapesBinary) {
  // A message in another language stays readable; bytes that are not
  // UTF-8 (a program writing a buffer past its text) are escaped as strace
  // does, never sent to the terminal raw.
  TraceBuilder b;
  b.call(1, "openat", {kCwd, path("/etc/app.conf"), flags("O_RDONLY")}, -1, "ENOENT")
      .call(1, "write", {fd(2), data("Datei \xc3\xa4 fehlt\\\xf0\xff\x1b\n"), num(16)}, 16)
      .exit(1, 1);
  explain::Explanation x = explain::run(b.trace());
  std::string text = explain::render_explanation_text(x, "t.trace");
  // (The message's trailing newline is dropped, as documented.)
  EXPECT_NE(text.find("message   \"Datei \xc3\xa4 fehlt\\\\\\360\\377\\33\"\n"), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "an escape byte reached the terminal";
  // JSON: the UTF-8 text as is, the other bytes as their Latin-1 code points.
  std::string json = explain::explanation_to_json(x, "t.trace");
  EXPECT_NE(json.find("\"message\":\"Datei \xc3\xa4 fehlt\\\\\\u00f0\\u00ff\\u001b\""), std::string::npos) << json;
}

TEST(Explain, ChildThatFailedBeforeTheMessage) {
  TraceBuilder b;
  // An older failure of the shell's own is not what "deploy failed" is about.
  b.call(1, "openat", {kCwd, path("/etc/deploy.rc"), flags("O_RDONLY")}, -1, "EACCES")
      .fork(1, 2)
      .call(2, "execve", {path("/bin/cp")}, 0)
      .call(2, "openat", {kCwd, path("/srv/in"), flags("O_RDONLY")}, -1, "ENOENT")
      .exit(2, 1)
      .call(1, "wait4", {num(-1)}, 2)
      .call(1, "write", {fd(2), data("deploy failed\n"), num(14)}, 14)
      .exit(1, 1);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  ASSERT_EQ(x.chain.size(), 3u);
  EXPECT_EQ(x.chain[1].kind, explain::ExplainLink::Kind::Child);
  EXPECT_EQ(x.chain[1].process, "cp");
  EXPECT_EQ(cause(x).path, "/srv/in");
}

TEST(Explain, AFailureAfterTheChildExitedIsCloser) {
  TraceBuilder b;
  b.fork(1, 2)
      .call(2, "openat", {kCwd, path("/srv/in"), flags("O_RDONLY")}, -1, "ENOENT")
      .exit(2, 1)
      .call(1, "openat", {kCwd, path("/srv/fallback"), flags("O_RDONLY")}, -1, "EACCES")
      .call(1, "write", {fd(2), data("deploy failed\n"), num(14)}, 14)
      .exit(1, 1);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  EXPECT_EQ(x.chain.size(), 2u);
  EXPECT_EQ(cause(x).path, "/srv/fallback");
}

TEST(Explain, ANonBlockingConnectFailsInGetsockopt) {
  TraceBuilder b;
  Arg so_error{.kind = ArgKind::Array};
  so_error.items = {flags("ECONNREFUSED")};
  b.call(5, "openat", {kCwd, path("/root/.clientrc"), flags("O_RDONLY")}, -1, "ENOENT")
      .call(5, "socket", {flags("AF_INET"), flags("SOCK_STREAM|SOCK_NONBLOCK"), num(0)}, 3)
      .call(5, "connect", {fd(3), addr("AF_INET:127.0.0.1:9"), num(16)}, -1, "EINPROGRESS")
      .call(5, "poll", {Arg{}, num(1), num(1000)}, 1)
      .call(5, "getsockopt", {fd(3), flags("SOL_SOCKET"), flags("SO_ERROR"), so_error, Arg{}}, 0)
      .call(5, "write", {fd(2), data("client: (7) Failed to connect to 127.0.0.1 port 9\n"), num(50)}, 50)
      .exit(5, 7);
  explain::Explanation x = explain::run(b.trace());
  ASSERT_TRUE(x.found);
  EXPECT_EQ(cause(x).syscall, "connect");
  EXPECT_EQ(cause(x).err, "ECONNREFUSED");
  EXPECT_EQ(cause(x).path, "127.0.0.1:9");
  EXPECT_EQ(cause(x).hint, "nothing is listening on 127.0.0.1:9");
}

TEST(Explain, JsonCarriesTheChain) {
  explain::Explanation x = explain::run(spool_story(false, true).trace());
  std::string j = explain::explanation_to_json(x, "server.trace");
  EXPECT_EQ(j.rfind("{\"version\":1,\"trace\":\"server.trace\",\"found\":true,", 0), 0u) << j;
  EXPECT_NE(j.find("\"kind\":\"cause\""), std::string::npos);
  EXPECT_NE(j.find("\"errno\":\"EACCES\""), std::string::npos);
  EXPECT_EQ(j.back(), '\n');
}

}  // namespace
}  // namespace tracediff
