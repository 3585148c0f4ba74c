#include "model/replay.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/args.h"
#include "model/paths.h"
#include "model/syscalls.h"

namespace tracediff {
namespace {

bool is_tty_path(std::string_view p) {
  return p.starts_with("/dev/pts/") || p.starts_with("/dev/tty") || p == "/dev/console";
}

bool is_at_fdcwd(const Arg& a) {
  return a.str.find("AT_FDCWD") != std::string::npos || (a.has_raw && a.raw == -100);
}

// An fd known only by the trace's annotation ("/etc/x", "pipe:[3]", "TCP:[...]").
FileRef from_ref(std::string_view ref) {
  auto f = std::make_shared<OpenFile>();
  f->ref = ref;
  if (!ref.empty() && ref.front() == '/') {
    f->kind = is_tty_path(ref) ? OpenFile::Tty : OpenFile::File;
    f->path = ref;
  } else if (ref.starts_with("pipe:")) {
    f->kind = OpenFile::Pipe;
  } else if (ref.find(':') != std::string_view::npos) {
    f->kind = OpenFile::Socket;
  }
  return f;
}

// A relative Unix socket path is relative to the caller's cwd.
std::string absolute_unix(const ProcessState& st, const std::string& addr) {
  static constexpr std::string_view kUnix = "AF_UNIX:";
  if (!addr.starts_with(kUnix)) return addr;
  std::string p = addr.substr(kUnix.size());
  if (p.empty() || p.front() == '/' || p.front() == '@' || st.cwd.empty()) return addr;
  return std::string(kUnix) + normalize_path(st.cwd + "/" + p);
}

std::string where(const Event& e, std::size_t index) {
  if (e.line) return fmt::format("{} at line {}", e.name.view(), e.line);
  return fmt::format("{} (event {})", e.name.view(), index);
}

}  // namespace

std::string OpenFile::referent() const {
  if (stdio >= 0) return stdio == 0 ? "<stdin>" : stdio == 1 ? "<stdout>" : "<stderr>";
  if (!ref.empty()) return ref;
  if (!path.empty()) return path;
  switch (kind) {
    case Socket: return "socket";
    case Pipe: return "pipe";
    default: return {};
  }
}

Replay::Replay(const Header& h, const ProcessTable* table)
    : root_cwd_(h.host.cwd), attached_(h.attached), table_(table) {
  if (h.host.uid) {
    root_creds_.uid = h.host.uid;
    root_creds_.gid = h.host.gid;
    root_creds_.groups = h.host.groups;
    root_creds_.from = "header";
  }
}

std::int32_t Replay::process_of(const Event& e) const {
  std::int32_t tid = e.tid ? e.tid : e.pid;
  if (auto it = thread_group_.find(tid); it != thread_group_.end()) return it->second;
  if (table_)
    if (auto it = table_->tgid.find(tid); it != table_->tgid.end()) return it->second;
  return e.pid ? e.pid : tid;
}

ProcessState& Replay::ensure(std::int32_t pid, std::size_t index) {
  if (auto it = procs_.find(pid); it != procs_.end()) return it->second;
  std::int32_t parent = 0;
  if (auto it = parent_.find(pid); it != parent_.end()) parent = it->second;
  else if (table_)
    if (const Process* p = table_->find(pid); p && p->ppid && p->ppid != pid && table_->find(p->ppid)) parent = p->ppid;
  ProcessState st;
  if (parent) {
    st = ensure(parent, index);  // the fd table is copied: its open files are shared
  } else {
    for (int fd = 0; fd < 3; ++fd) {
      auto f = std::make_shared<OpenFile>();
      f->kind = OpenFile::Stdio;
      f->stdio = fd;
      st.fds[fd] = f;
    }
    // The header's cwd is the launched command's; an attached process's
    // is not known (the recorder wrote its own into the header).
    bool attached = std::find(attached_.begin(), attached_.end(), pid) != attached_.end();
    if (!attached && roots_ == 0 && root_cwd_) st.cwd = *root_cwd_;
    st.creds = root_creds_;
    ++roots_;
  }
  return procs_.emplace(pid, std::move(st)).first->second;
}

ProcessState& Replay::state(const Event& e, std::size_t index) { return ensure(process_of(e), index); }

FileRef Replay::fd(ProcessState& st, int n, std::string_view ref) {
  auto it = st.fds.find(n);
  if (it == st.fds.end() || (it->second->kind == OpenFile::Unknown && !ref.empty())) {
    FileRef f = ref.empty() ? std::make_shared<OpenFile>() : from_ref(ref);
    st.fds[n] = f;
    return f;
  }
  OpenFile& f = *it->second;
  if (!ref.empty()) {
    f.ref = ref;
    if (f.kind == OpenFile::Stdio && is_tty_path(ref)) {
      f.kind = OpenFile::Tty;
      f.path = ref;
    }
  }
  return it->second;
}

int Replay::fd_arg_index(const Event& e) {
  for (std::size_t k = 0; k < e.args.size(); ++k)
    if (e.args[k].kind == ArgKind::Fd) return static_cast<int>(k);
  const SyscallInfo& info = syscall_info(e.name);
  return info.role(0) == ArgRole::Fd && !e.args.empty() ? 0 : -1;
}

std::string Replay::path(const ProcessState& st, const Event& e, std::size_t i) {
  if (i >= e.args.size()) return {};
  const Arg& a = e.args[i];
  if (!a.abs.empty()) return normalize_path(a.abs);
  const std::string_view p = a.str.view();
  if (p.empty()) return {};
  if (p.front() == '/') return normalize_path(p);
  std::string base = st.cwd;
  if (i > 0 && (e.args[i - 1].kind == ArgKind::Fd || syscall_info(e.name).role(i - 1) == ArgRole::DirFd)) {
    const Arg& d = e.args[i - 1];
    if (!is_at_fdcwd(d)) {
      base.clear();
      if (!d.ref.empty() && d.ref.front() == '/') {
        base = d.ref;
      } else if (auto n = arg_int(d)) {
        auto it = st.fds.find(static_cast<int>(*n));
        if (it != st.fds.end()) {
          const OpenFile& f = *it->second;
          if (f.kind == OpenFile::File && !f.path.empty() && f.path.front() == '/') base = f.path;
          else if (!f.ref.empty() && f.ref.front() == '/') base = f.ref;
        }
      }
    }
  }
  std::string resolved = absolute_path(base, p);
  return resolved.empty() ? std::string(p) : resolved;
}

void Replay::adopt(std::int32_t from, std::int32_t to) {
  auto it = procs_.find(from);
  if (it == procs_.end() || procs_.count(to)) return;
  procs_.emplace(to, std::move(it->second));
  procs_.erase(it);
}

void Replay::spawn(std::int32_t parent, std::int32_t child, bool thread, std::size_t index) {
  if (child <= 0 || child == parent) return;
  if (thread) {
    thread_group_.emplace(child, parent);
    return;
  }
  parent_.emplace(child, parent);
  // The child gets a copy of the table as it is at the fork, before the
  // parent closes the connection it handed over.
  ensure(child, index);
}

void Replay::apply(const Event& e, std::size_t index) {
  if (e.type == EventType::Process) {
    if (e.name == kProcSpawn) spawn(process_of(e), e.proc.child, e.proc.thread, index);
    return;
  }
  if (e.type != EventType::Syscall) return;
  ProcessState& st = state(e, index);
  const SyscallInfo& info = syscall_info(e.name);
  if (info.is(kClassClone) && succeeded(e) && e.result.value > 0) {
    auto child = static_cast<std::int32_t>(e.result.value);
    if (!procs_.count(child) && !thread_group_.count(child)) {
      bool thread = false;
      for (const Arg& a : e.args) thread = thread || arg_mentions(a, "CLONE_THREAD");
      spawn(process_of(e), child, thread, index);
    }
    return;
  }
  bool in_progress = info.effect == Effect::Connect && e.result.err == "EINPROGRESS";
  if (!succeeded(e) && !in_progress) return;
  apply_call(e, index, st);
}

namespace {

// What the effects of one call work with: the call, its row, its process.
struct CallEffect {
  Replay& replay;
  const Event& e;
  const SyscallInfo& info;
  ProcessState& st;
  std::size_t index;
  std::int32_t pid;

  int ret() const { return static_cast<int>(e.result.value); }
  FileRef arg_file(std::size_t i) const {
    auto n = arg_fd(e, i);
    return n ? replay.fd(st, *n, e.args[i].ref.view()) : nullptr;
  }
  FileRef fd_arg_file() const {
    int k = Replay::fd_arg_index(e);
    return k >= 0 ? arg_file(static_cast<std::size_t>(k)) : nullptr;
  }
  FileRef made(OpenFile::Kind kind) const {
    auto f = std::make_shared<OpenFile>();
    f->kind = kind;
    f->ref = e.result.ref;
    st.fds[ret()] = f;
    return f;
  }
  void open() const {
    FileRef f = made(OpenFile::File);
    f->origin_pid = pid;
    f->origin_event = index;
    int p = info.path_index();
    if (p >= 0) f->path = replay.path(st, e, static_cast<std::size_t>(p));
    if (!e.result.ref.empty() && e.result.ref.front() == '/') f->path = e.result.ref;
    if (is_tty_path(f->path)) f->kind = OpenFile::Tty;
  }
  void accept() const {
    FileRef listener = fd_arg_file();
    FileRef f = made(OpenFile::Socket);
    f->accepted = true;
    f->origin_pid = pid;
    f->origin_event = index;
    if (listener) {
      f->local = listener->local;
      f->family = listener->family;
    }
    if (e.args.size() >= 2) f->remote = arg_sockaddr(e.args[1]);
  }
  // pipe, socketpair: two new fds in an array argument, one open file each.
  void pair(int id) const {
    if (info.effect_arg >= e.args.size()) return;
    const Arg& arr = e.args[info.effect_arg];
    if (arr.items.size() < 2) return;
    auto a = arg_int(arr.items[0]), b = arg_int(arr.items[1]);
    if (!a || !b) return;
    bool pipe = info.effect == Effect::Pipe;
    const std::int64_t nums[2] = {*a, *b};
    for (int k = 0; k < 2; ++k) {
      auto f = std::make_shared<OpenFile>();
      f->kind = pipe ? OpenFile::Pipe : OpenFile::Socket;
      if (!pipe && !e.args.empty()) f->family = e.args[0].str;
      f->pair = id;
      f->end = k;
      f->origin_pid = pid;
      f->origin_event = index;
      f->ref = arr.items[static_cast<std::size_t>(k)].ref;
      st.fds[static_cast<int>(nums[k])] = f;
    }
  }
  void close_range() const {
    if (e.args.size() < 2) return;
    auto lo = arg_int(e.args[0]), hi = arg_int(e.args[1]);
    if (!lo || !hi) return;
    // ~0U is shown as a negative or huge number: to the end.
    auto first = st.fds.lower_bound(static_cast<int>(std::clamp<std::int64_t>(*lo, 0, INT32_MAX)));
    auto last = *hi < *lo || *hi >= INT32_MAX ? st.fds.end() : st.fds.upper_bound(static_cast<int>(*hi));
    st.fds.erase(first, last);
  }
  void chdir() const {
    int p = info.path_index();
    std::string d = p >= 0 ? replay.path(st, e, static_cast<std::size_t>(p)) : std::string();
    st.cwd = !d.empty() && d.front() == '/' ? d : std::string();
  }
  void fchdir() const {
    FileRef f = arg_file(0);
    if (f && f->kind == OpenFile::File && !f->path.empty() && f->path.front() == '/') st.cwd = f->path;
    else if (f && !f->ref.empty() && f->ref.front() == '/') st.cwd = f->ref;
    else st.cwd.clear();
  }
  std::optional<std::uint32_t> id_arg() const {
    if (info.effect_arg >= e.args.size()) return std::nullopt;
    auto v = arg_int(e.args[info.effect_arg]);
    if (!v || *v < 0) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
  }
};

}  // namespace

void Replay::apply_call(const Event& e, std::size_t index, ProcessState& st) {
  const SyscallInfo& info = syscall_info(e.name);
  const CallEffect c{*this, e, info, st, index, process_of(e)};
  switch (info.effect) {
    case Effect::None: break;
    case Effect::Open: c.open(); break;
    case Effect::Socket: c.made(OpenFile::Socket)->family = e.args.empty() ? "" : e.args[0].str.str(); break;
    case Effect::Accept: c.accept(); break;
    case Effect::Anon:
      if (e.result.ref.empty()) c.made(OpenFile::Anon)->ref = info.anon;
      else c.made(OpenFile::Anon);
      break;
    case Effect::Dup:
      if (FileRef f = c.arg_file(0)) st.fds[c.ret()] = f;
      break;
    case Effect::DupTo:
      if (auto to = arg_fd(e, 1))
        if (FileRef f = c.arg_file(0)) st.fds[*to] = f;
      break;
    case Effect::FcntlDup:
      if (e.args.size() >= 2 && e.args[1].str.starts_with("F_DUPFD"))
        if (FileRef f = c.arg_file(0)) st.fds[c.ret()] = f;
      break;
    case Effect::Pipe:
    case Effect::SocketPair: c.pair(next_pair_++); break;
    case Effect::Close:
      if (auto n = arg_fd(e, 0)) st.fds.erase(*n);
      break;
    case Effect::CloseRange: c.close_range(); break;
    case Effect::Chdir: c.chdir(); break;
    case Effect::Fchdir: c.fchdir(); break;
    case Effect::Bind:
    case Effect::Connect:
      if (e.args.size() < 2) break;
      if (FileRef f = c.fd_arg_file())
        (info.effect == Effect::Bind ? f->local : f->remote) = absolute_unix(st, arg_sockaddr(e.args[1]));
      break;
    case Effect::SetUid:
      if (auto v = c.id_arg()) {
        st.creds.uid = *v;
        st.creds.from = where(e, index);
      }
      break;
    case Effect::SetGid:
      if (auto v = c.id_arg()) st.creds.gid = *v;
      break;
    case Effect::SetGroups:
      if (e.args.size() > info.effect_arg) st.creds.groups = arg_ids(e.args[info.effect_arg]);
      break;
  }
}

}  // namespace tracediff
