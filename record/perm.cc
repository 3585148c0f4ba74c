// Permission snapshots: what a person needs to see why a path call failed.
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <string_view>
#include <unistd.h>

#include <fcntl.h>
#include <sys/syscall.h>

#include "record/internal.h"
#include "record/syscalls.h"

namespace tracediff::record::detail {
namespace {

// The effective ids and groups from /proc/TID/status, read in one go: this
// runs once per process that fails a path call, and C++ streams made it
// the recorder's most expensive per-process step.
void read_creds(pid_t tid, Creds& c) {
  c.valid = true;
  char buf[8192];
  int fd = ::open(fmt::format("/proc/{}/status", tid).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return;
  std::string_view text(buf, static_cast<std::size_t>(n));
  // "Uid:\treal\teffective\tsaved\tfs": the second number.
  auto numbers = [](std::string_view line) {
    std::vector<std::uint32_t> out;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] < '0' || line[i] > '9')) ++i;
      if (i >= line.size()) break;
      std::uint32_t v = 0;
      while (i < line.size() && line[i] >= '0' && line[i] <= '9') v = v * 10 + static_cast<std::uint32_t>(line[i++] - '0');
      out.push_back(v);
    }
    return out;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.starts_with("Uid:")) {
      if (auto v = numbers(line.substr(4)); v.size() >= 2) c.uid = v[1];
    } else if (line.starts_with("Gid:")) {
      if (auto v = numbers(line.substr(4)); v.size() >= 2) c.gid = v[1];
    } else if (line.starts_with("Groups:")) {
      c.groups = numbers(line.substr(7));
      break;  // Groups comes after Uid and Gid
    }
  }
}

const char* type_of(mode_t m) {
  if (S_ISDIR(m)) return "dir";
  if (S_ISREG(m)) return "file";
  if (S_ISLNK(m)) return "symlink";
  return "other";
}

}  // namespace

bool wants_perm_snapshot(int err) {
  return err == EACCES || err == EPERM || err == EROFS || err == ENOENT || err == ENOTDIR || err == ELOOP;
}

bool changes_file_system(int nr, const std::uint64_t args[6]) {
  if (nr == SYS_open) return args[1] & O_CREAT;
  if (nr == SYS_openat) return args[2] & O_CREAT;
  const SyscallInfo* i = syscall_info(nr);
  return i && i->is(kClassChangesFs);
}

const std::string* view_of(pid_t tid, PermCache& cache) {
  // Tasks in the same mount namespace with the same root see the same tree.
  if (auto it = cache.views.find(tid); it != cache.views.end()) return &it->second;
  struct stat ns, rt;
  if (stat(fmt::format("/proc/{}/ns/mnt", tid).c_str(), &ns) != 0 ||
      stat(fmt::format("/proc/{}/root", tid).c_str(), &rt) != 0)
    return nullptr;
  return &cache.views.emplace(tid, fmt::format("{}:{}:{}:", ns.st_ino, rt.st_dev, rt.st_ino)).first->second;
}

PermSnapshot snapshot_permissions(pid_t tid, const std::string& abs, Creds& creds, PermCache* cache) {
  if (!creds.valid) read_creds(tid, creds);
  PermSnapshot s;
  s.uid = creds.uid;
  s.gid = creds.gid;
  s.groups = creds.groups;
  if (abs.empty() || abs[0] != '/') return s;
  // Seen through /proc/TID/root so that a task in another mount namespace
  // or chroot is judged by its own view of the tree.
  const std::string root = fmt::format("/proc/{}/root", tid);
  std::string key_prefix;
  if (cache) {
    if (const std::string* v = view_of(tid, *cache))
      key_prefix = *v;
    else
      cache = nullptr;
  }
  std::string prefix;
  std::size_t pos = 0;
  while (true) {
    std::string comp = prefix.empty() ? "/" : prefix;
    std::string key;
    if (cache) {
      key = key_prefix + comp;
      if (auto it = cache->components.find(key); it != cache->components.end()) {
        s.components.push_back(it->second);
        if (!it->second.exists) break;
        if (pos >= abs.size() || abs == "/") break;
        std::size_t next = abs.find('/', pos + 1);
        if (next == std::string::npos) next = abs.size();
        prefix = abs.substr(0, next);
        pos = next;
        continue;
      }
    }
    PathComponent pc;
    pc.path = comp;
    struct stat st;
    if (lstat((root + comp).c_str(), &st) != 0) {
      pc.exists = false;
      if (cache) cache->components.emplace(key, pc);
      s.components.push_back(std::move(pc));
      break;
    }
    pc.exists = true;
    pc.type = type_of(st.st_mode);
    pc.uid = st.st_uid;
    pc.gid = st.st_gid;
    pc.mode = st.st_mode & 07777;
    struct statvfs vfs;
    if (statvfs((root + comp).c_str(), &vfs) == 0) pc.readonly_mount = vfs.f_flag & ST_RDONLY;
    if (cache) cache->components.emplace(key, pc);
    s.components.push_back(std::move(pc));
    if (pos >= abs.size() || abs == "/") break;
    std::size_t next = abs.find('/', pos + 1);
    if (next == std::string::npos) next = abs.size();
    prefix = abs.substr(0, next);
    pos = next;
    if (prefix.empty()) break;
  }
  return s;
}

}  // namespace tracediff::record::detail
