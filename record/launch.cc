// Starting the command under ptrace: fork, the child stops itself, the
// recorder seizes it, the child installs the seccomp filter and execs.
// A failure of the child's own set-up (before its exec) is the recorder's
// failure and comes back through a pipe; a failed exec is the command's
// and is recorded.
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "record/recorder.h"

extern char** environ;

namespace tracediff::record::detail {
namespace {

// What the child needs between fork and exec, prepared before the fork.
struct ChildSetup {
  const std::string* exe;
  std::vector<char*> argv;
  sock_fprog filter{};   // len 0: no filter
  bool need_nnp = false;
  int err_fd = -1;       // write end of the error pipe
};

[[noreturn]] void run_child(const ChildSetup& c) {
  auto setup_failed = [&](const char* what) {
    std::string msg = std::string(what) + std::strerror(errno);
    (void)!write(c.err_fd, msg.data(), msg.size());
    _exit(126);
  };
  // Stop until the recorder has seized us, then install the filter (its
  // traced calls would fail with ENOSYS if made before), then exec.
  raise(SIGSTOP);
  // tracediff ignores SIGPIPE for itself; an ignored signal survives exec,
  // and the command must start with the dispositions it would have had.
  signal(SIGPIPE, SIG_DFL);
  if (c.filter.len) {
    if (c.need_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
      setup_failed("record: cannot set no_new_privs for the seccomp filter: ");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &c.filter) != 0)
      setup_failed("record: cannot install the seccomp filter (use --all): ");
  }
  execve(c.exe->c_str(), c.argv.data(), environ);
  int err = errno;
  std::string msg = fmt::format("tracediff: record: {}: {}\n", *c.exe, std::strerror(err));
  (void)!write(2, msg.data(), msg.size());
  _exit(err == ENOENT ? 127 : 126);
}

// An fd the recorder owns, moved above the standard streams: ScopedFd
// never closes 0-2, and a recorder started with one of them closed would
// get a pipe end there.
ScopedFd owned(int fd) {
  if (fd > 2) return ScopedFd(fd);
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  if (moved < 0) throw fmt::system_error(errno, "fcntl(F_DUPFD_CLOEXEC)");
  return ScopedFd(moved);
}

}  // namespace

bool has_capability(int cap) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) return false;
  return data[cap / 32].effective & (1u << (cap % 32));
}

std::string resolve_command(const std::string& cmd) {
  auto executable = [](const std::string& p) { return access(p.c_str(), X_OK) == 0; };
  if (cmd.find('/') != std::string::npos) return cmd;
  const char* path = getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string cand = (dir.empty() ? std::string(".") : dir) + "/" + cmd;
    if (executable(cand) && !std::filesystem::is_directory(cand)) return cand;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  throw InputError(fmt::format("record: {}: command not found", cmd));
}

void Recorder::launch() {
  ChildSetup c;
  c.exe = &exe_;
  for (const std::string& a : opt_.command) c.argv.push_back(const_cast<char*>(a.c_str()));
  c.argv.push_back(nullptr);
  std::vector<sock_filter> filter;
  if (seccomp_) {
    filter = build_seccomp_filter(stops_);
    c.filter.len = static_cast<unsigned short>(filter.size());
    c.filter.filter = filter.data();
  }
  // Without CAP_SYS_ADMIN the kernel only accepts a filter after
  // no_new_privs, which also disables set-uid programs: only then.
  c.need_nnp = seccomp_ && !has_capability(CAP_SYS_ADMIN);
  // The child says why its set-up failed through this pipe (closed by a
  // successful exec); see setup_error().
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) throw fmt::system_error(errno, "pipe");
  ScopedFd err_read = owned(ends[0]);
  ScopedFd err_write = owned(ends[1]);
  c.err_fd = err_write.get();

  pid_t pid = fork();
  if (pid < 0) throw fmt::system_error(errno, "fork");
  if (pid == 0) {
    err_read.reset();
    run_child(c);
  }
  err_write.reset();
  setup_err_ = std::move(err_read);
  int status;
  while (waitpid(pid, &status, WSTOPPED) < 0) {
    if (errno != EINTR) throw fmt::system_error(errno, "waitpid({})", pid);
  }
  if (!WaitStatus(status).stopped()) throw InputError(fmt::format("record: {} ended before it could be traced", exe_));
  if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(options_ | PTRACE_O_EXITKILL))) != 0) {
    int err = errno;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    throw fmt::system_error(err, "ptrace(SEIZE, {})", pid);
  }
  root_ = pid;
  prelude_ = true;
  Task& t = new_task(pid);
  t.fds = std::make_shared<FdTable>();
  t.fs = std::make_shared<FsState>();
  t.fs->cwd = proc_cwd(pid);
  t.creds = std::make_shared<Creds>();
  kill(pid, SIGCONT);
}

// What the launched child wrote about its failed set-up before it died
// ("" when it wrote nothing: it died of something else).
std::string Recorder::setup_error() {
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = ::read(setup_err_.get(), buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    msg.append(buf, static_cast<std::size_t>(n));
  }
  return msg;
}

}  // namespace tracediff::record::detail
