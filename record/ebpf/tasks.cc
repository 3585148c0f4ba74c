// The eBPF recorder's tasks (launched, attached, or first seen by their
// records) and its output file.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "record/ebpf/session.h"

extern char** environ;

namespace tracediff::record::detail::ebpf {

std::shared_ptr<FdTable> snapshot_fds(pid_t pid) {
  auto t = std::make_shared<FdTable>();
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", pid), ec)) {
    int fd = std::atoi(e.path().filename().c_str());
    std::string ref = read_link(e.path().string());
    if (ref.empty()) continue;
    bool cloexec = false;
    std::ifstream info(fmt::format("/proc/{}/fdinfo/{}", pid, fd));
    std::string line;
    while (std::getline(info, line))
      if (line.rfind("flags:", 0) == 0) cloexec = std::strtoul(line.c_str() + 6, nullptr, 8) & O_CLOEXEC;
    t->set(fd, std::move(ref), cloexec);
  }
  return t;
}

Task& EbpfRecorder::task(pid_t tid, pid_t tgid) {
  auto it = tasks_.find(tid);
  if (it != tasks_.end()) return it->second;
  // A task first seen by its records (its spawn record was lost): what
  // /proc says about it now.
  Task& t = new_root_task(tid);
  t.tgid = tgid ? tgid : tid;
  return t;
}

// A task whose state is what /proc says now: fds, cwd, unknown creds.
Task& EbpfRecorder::new_root_task(pid_t tid) {
  Task& t = tasks_[tid];
  t.tid = t.tgid = tid;
  t.fds = snapshot_fds(tid);
  t.fs = std::make_shared<FsState>();
  t.fs->cwd = proc_cwd(tid);
  t.creds = std::make_shared<Creds>();
  return t;
}

void EbpfRecorder::open_output() {
  tracefile::TraceWriter::Options wo;
  wo.force = opt_.force;
  // Room to rewrite the header in place with the loss counts at the end.
  wo.header_room = kHeaderRoom;
  out_ = std::make_unique<tracefile::TraceWriter>(output_, header_, wo);
  out_->flush();
  last_flush_ = now_ns(CLOCK_MONOTONIC_COARSE);
  dirty_ = false;
}

void EbpfRecorder::emit(const Event& e) {
  if (!out_) open_output();
  out_->write(redactor_.event_copy(e, redacted_) ? redacted_ : e);
  ++events_;
  dirty_ = true;
}

void EbpfRecorder::emit_process(pid_t tid, pid_t tgid, const char* name, ProcInfo info, std::int64_t ts) {
  Event& e = reset_event(scratch_, tid, tgid, EventType::Process, name, ts);
  e.proc = info;
  emit(e);
}

void EbpfRecorder::maybe_flush() {
  if (!dirty_ || !out_) return;
  std::int64_t now = now_ns(CLOCK_MONOTONIC_COARSE);
  if (now - last_flush_ < kEbpfFlushIntervalNs) return;
  out_->flush();
  perm_cache_.clear_components();
  last_flush_ = now;
  dirty_ = false;
}

void EbpfRecorder::launch() {
  std::vector<char*> argv;
  for (const std::string& a : opt_.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The child waits on this pipe until the kernel program traces it, so
  // that its first traced call is its execve.
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) throw fmt::system_error(errno, "pipe");
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    ::close(go[0]);
    ::close(go[1]);
    throw fmt::system_error(err, "fork");
  }
  if (pid == 0) {
    ::close(go[1]);
    char c;
    while (::read(go[0], &c, 1) < 0 && errno == EINTR) {
    }
    // tracediff ignores SIGPIPE for itself; an ignored signal survives exec.
    signal(SIGPIPE, SIG_DFL);
    execve(exe_.c_str(), argv.data(), environ);
    int err = errno;
    std::string msg = fmt::format("tracediff: record: {}: {}\n", exe_, std::strerror(err));
    (void)!write(2, msg.data(), msg.size());
    _exit(err == ENOENT ? 127 : 126);
  }
  ::close(go[0]);
  root_ = pid;
  prelude_ = true;
  new_root_task(pid);
  try {
    tracer_->trace_task(pid, pid);
  } catch (...) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    ::close(go[1]);
    throw;
  }
  char c = 'x';
  (void)!::write(go[1], &c, 1);
  ::close(go[1]);
}

void EbpfRecorder::attach(pid_t pid) {
  auto fds = snapshot_fds(pid);
  auto fs = std::make_shared<FsState>();
  fs->cwd = proc_cwd(pid);
  auto creds = std::make_shared<Creds>();
  // Threads may be created while we add them: each pass adds the new ones
  // (once one thread is traced, the threads it creates are too).
  std::size_t seen = 0;
  for_each_thread(pid, [&](pid_t tid) {
    ++seen;
    if (tasks_.count(tid)) return;
    tracer_->trace_task(tid, pid);
    Task& t = tasks_[tid];
    t.tid = tid;
    t.tgid = pid;
    t.fds = fds;
    t.fs = fs;
    t.creds = creds;
    t.attached = true;
  });
  if (seen == 0) throw InputError(fmt::format("record: -p {}: no such process", pid));
}

void EbpfRecorder::prune_dead() {
  // A task whose exit record was lost (ring buffer full) would keep the
  // recording open forever: drop those /proc no longer knows.
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (!deferred_.count(it->first) && access(fmt::format("/proc/{}", it->first).c_str(), F_OK) != 0) {
      perm_cache_.forget(it->first);
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace tracediff::record::detail::ebpf
