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
#include "record/proc_status.h"
#include "record/syscalls.h"

namespace tracediff::record::detail {
namespace {

// The effective ids and groups of task `tid`; a task that is gone leaves
// them unknown (0), as before any snapshot could be taken.
void read_creds(pid_t tid, Creds& c) {
  c.valid = true;
  std::optional<ProcStatus> st = read_proc_status(tid);
  if (!st) return;
  if (st->uid_count >= 2) c.uid = st->euid();
  if (st->gid_count >= 2) c.gid = st->egid();
  c.groups = std::move(st->groups);
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
