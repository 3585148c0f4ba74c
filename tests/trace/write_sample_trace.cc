// Writes a small but realistic trace with the library API, the way the
// recorder will: a host header with an environment, and a shell that starts
// an app which fails to open its configuration. `REPEAT` copies the workload
// (with fresh pids) to make large traces for the read benchmark.
//   write_sample_trace OUT [REPEAT]
#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "tracefile/tracefile.h"

namespace tracediff {
namespace {

Arg fd_arg(std::int64_t fd, std::string ref = "") {
  return Arg{.kind = ArgKind::Fd, .has_raw = true, .raw = fd, .ref = CompactString(ref)};
}
Arg at_fdcwd() {
  return Arg{.kind = ArgKind::Fd, .has_raw = true, .raw = -100, .str = "AT_FDCWD", .ref = "/srv/app"};
}
Arg path_arg(std::string p, std::string abs = "") {
  return Arg{.kind = ArgKind::Path, .str = std::move(p), .abs = CompactString(abs)};
}
Arg flags_arg(std::string f, std::int64_t raw) {
  return Arg{.kind = ArgKind::Flags, .has_raw = true, .raw = raw, .str = std::move(f)};
}
Arg int_arg(std::int64_t v) {
  return Arg{.kind = ArgKind::Int, .has_raw = true, .raw = v, .str = std::to_string(v)};
}

class Workload {
 public:
  Workload(tracefile::TraceWriter& w, std::int64_t t0) : w_(w), ts_(t0) {}

  Event& call(std::int32_t pid, std::string name, std::vector<Arg> args, std::int64_t ret,
              std::string err = "", int errnum = 0) {
    e_ = Event{};
    e_.tid = e_.pid = pid;
    e_.ts_ns = ts_ += 1500;
    e_.dur_ns = 12000;
    e_.name = std::move(name);
    e_.args = std::move(args);
    e_.result.state = ResultState::Returned;
    e_.result.value = ret;
    if (!err.empty()) {
      e_.result.err = err;
      e_.result.errnum = errnum;
      e_.result.note = errnum == 2 ? "No such file or directory" : "Permission denied";
    }
    return e_;
  }
  void emit() { w_.write(e_); }
  void proc(std::int32_t pid, const char* name, std::int32_t child = -1, std::int32_t code = 0) {
    Event e;
    e.type = EventType::Process;
    e.tid = e.pid = pid;
    e.ts_ns = ts_ += 1500;
    e.name = name;
    e.proc.child = child;
    e.proc.code = code;
    w_.write(e);
  }

  // sh (pid) runs app (pid+1): the app reads its libc, opens its config
  // (missing), tries a log file (no permission) and exits 1.
  void run(std::int32_t pid) {
    std::int32_t app = pid + 1;
    call(pid, "execve", {path_arg("/bin/sh", "/bin/sh"),
                         Arg{.kind = ArgKind::Array, .items = {Arg{.kind = ArgKind::String, .str = "sh"},
                                                               Arg{.kind = ArgKind::String, .str = "-c"},
                                                               Arg{.kind = ArgKind::String, .str = "./app"}}},
                         Arg{.kind = ArgKind::Other, .str = "0x7ffc2a1b3c40 /* 12 vars */"}}, 0);
    emit();
    call(pid, "clone3", {Arg{.kind = ArgKind::Struct, .items = {flags_arg("CLONE_VM|CLONE_VFORK", 0x4100)}}}, app);
    e_.args[0].items[0].name = "flags";
    emit();
    proc(pid, kProcSpawn, app);
    call(app, "execve", {path_arg("./app", "/srv/app/app")}, 0);
    emit();
    call(app, "openat", {at_fdcwd(), path_arg("/etc/ld.so.cache", "/etc/ld.so.cache"),
                         flags_arg("O_RDONLY|O_CLOEXEC", 0x80000)}, 3);
    e_.result.ref = "/etc/ld.so.cache";
    emit();
    call(app, "fstat", {fd_arg(3, "/etc/ld.so.cache"),
                        Arg{.kind = ArgKind::Struct,
                            .items = {Arg{.kind = ArgKind::Flags, .name = "st_mode", .str = "S_IFREG|0644"},
                                      Arg{.kind = ArgKind::Int, .has_raw = true, .name = "st_size", .raw = 21630,
                                          .str = "21630"}}}}, 0);
    emit();
    call(app, "close", {fd_arg(3, "/etc/ld.so.cache")}, 0);
    emit();
    call(app, "openat", {at_fdcwd(), path_arg("/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"),
                         flags_arg("O_RDONLY|O_CLOEXEC", 0x80000)}, 3);
    emit();
    call(app, "read", {fd_arg(3, "/lib/x86_64-linux-gnu/libc.so.6"),
                       Arg{.kind = ArgKind::String, .truncated = true,
                           .str = std::string("\x7f" "ELF\x02\x01\x01\x03\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\x50\x98\x02\0\0\0\0\0", 32)},
                       int_arg(832)}, 832);
    e_.dur_ns = 310000;
    emit();
    call(app, "close", {fd_arg(3)}, 0);
    emit();
    call(app, "openat", {at_fdcwd(), path_arg("/etc/app/config.json", "/etc/app/config.json"),
                         flags_arg("O_RDONLY", 0)}, -1, "ENOENT", 2);
    emit();
    call(app, "openat", {at_fdcwd(), path_arg("config.json", "/srv/app/config.json"), flags_arg("O_RDONLY", 0)},
         -1, "ENOENT", 2);
    emit();
    call(app, "openat", {at_fdcwd(), path_arg("/var/log/app.log", "/var/log/app.log"),
                         flags_arg("O_WRONLY|O_CREAT|O_APPEND", 02101), Arg{.kind = ArgKind::Int, .str = "0644"}},
         -1, "EACCES", 13);
    emit();
    call(app, "write", {fd_arg(2, "/dev/pts/0"),
                        Arg{.kind = ArgKind::String, .str = "Error opening configuration file\n"}, int_arg(33)}, 33);
    emit();
    call(app, "exit_group", {int_arg(1)}, 0);
    e_.result.state = ResultState::Unknown;
    emit();
    proc(app, kProcExit, -1, 1);
    call(pid, "wait4", {int_arg(-1), Arg{.kind = ArgKind::Other, .str = "[{WIFEXITED(s) && WEXITSTATUS(s) == 1}]"},
                        int_arg(0), Arg{.kind = ArgKind::Other, .str = "NULL"}}, app);
    e_.dur_ns = 2500000;
    emit();
    Event sig;
    sig.type = EventType::Signal;
    sig.tid = sig.pid = pid;
    sig.ts_ns = ts_ += 1500;
    sig.name = "SIGCHLD";
    sig.proc.signal = 17;
    sig.args = {Arg{.kind = ArgKind::Flags, .name = "si_signo", .str = "SIGCHLD"},
                Arg{.kind = ArgKind::Flags, .name = "si_code", .str = "CLD_EXITED"},
                Arg{.kind = ArgKind::Int, .has_raw = true, .name = "si_pid", .raw = app, .str = std::to_string(app)}};
    w_.write(sig);
    call(pid, "exit_group", {int_arg(1)}, 0);
    e_.result.state = ResultState::Unknown;
    emit();
    proc(pid, kProcExit, -1, 1);
  }

 private:
  tracefile::TraceWriter& w_;
  std::int64_t ts_;
  Event e_;
};

}  // namespace
}  // namespace tracediff

int main(int argc, char** argv) {
  using namespace tracediff;
  if (argc < 2 || argc > 3) {
    fmt::print(stderr, "usage: write_sample_trace OUT [REPEAT]\n");
    return 2;
  }
  long repeat = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 1;
  Header h;
  h.source = "ptrace";
  h.created = "2026-11-29T08:00:00Z";
  h.command = {"sh", "-c", "./app"};
  h.time_base = "epoch";
  h.host.hostname = "web-2";
  h.host.kernel = "6.1.0-27-amd64";
  h.host.arch = "x86_64";
  h.host.os_id = "debian";
  h.host.os_version = "12";
  h.host.user = "deploy";
  h.host.cwd = "/srv/app";
  h.host.uid = 1001;
  h.host.gid = 1001;
  h.host.umask = 022;
  h.host.groups = std::vector<std::uint32_t>{1001, 27};
  h.host.limits["nofile"] = {"1024", "524288"};
  h.host.env = std::vector<std::string>{"HOME=/home/deploy", "LANG=C.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin",
                                        "APP_ENV=production", std::string("LEGACY=caf\xe9", 11)};
  try {
    tracefile::TraceWriter::Options o;
    o.force = true;
    tracefile::TraceWriter w(argv[1], h, o);
    Workload wl(w, 1764403200000000000);
    for (long i = 0; i < repeat; ++i) wl.run(static_cast<std::int32_t>(1000 + 2 * (i % 2000000)));
    w.close();
  } catch (const std::exception& e) {
    fmt::print(stderr, "write_sample_trace: {}\n", e.what());
    return 1;
  }
  return 0;
}
