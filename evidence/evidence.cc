#include "evidence/evidence.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/paths.h"
#include "model/syscalls.h"

namespace tracediff::evidence {
namespace {

bool may(const PathComponent& c, std::uint32_t uid, std::uint32_t gid, const std::vector<std::uint32_t>& groups,
         unsigned bit) {
  if (uid == 0) return bit != 1 || (c.mode & 0111) || c.type == "dir";
  if (c.uid == uid) return c.mode & (bit << 6);
  if (c.gid == gid || std::find(groups.begin(), groups.end(), c.gid) != groups.end()) return c.mode & (bit << 3);
  return c.mode & bit;
}

std::string ids(const Caller& c) {
  std::string s = fmt::format("uid {}", *c.uid);
  if (c.gid) s += fmt::format(" gid {}", *c.gid);
  return s;
}

bool has_flag(const Event& e, std::string_view flag) {
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::Flags && a.str.find(flag) != std::string::npos) return true;
  return false;
}

// The sentence the snapshot supports, when it has the components.
std::string why_from_snapshot(const PermSnapshot& p, std::string_view err, const std::string& path, bool creating,
                              const Caller& who) {
  // Only existing components say anything about permissions; a snapshot
  // may also list the missing ones (exists == false).
  std::vector<const PathComponent*> have;
  for (const PathComponent& c : p.components)
    if (c.exists) have.push_back(&c);
  if (have.empty()) return {};
  const PathComponent& deepest = *have.back();
  bool target_exists = deepest.path == path;
  if (err == "EACCES" || err == "EPERM") {
    for (const PathComponent* c : have) {
      bool is_target = c->path == path;
      if (!is_target && c->type == "dir" && !may(*c, p.uid, p.gid, p.groups, 1))
        return fmt::format("{} may not enter {} (owner {}:{}, mode {:04o})", ids(who), c->path, c->uid, c->gid,
                           c->mode);
    }
    if (!target_exists && creating && deepest.path == dirname_of(path) && !may(deepest, p.uid, p.gid, p.groups, 2))
      return fmt::format("{} may not create files in {} (owner {}:{}, mode {:04o})", ids(who), deepest.path,
                         deepest.uid, deepest.gid, deepest.mode);
    if (target_exists)
      return fmt::format("{} is owned by {}:{} with mode {:04o}; the caller is {}", deepest.path, deepest.uid,
                         deepest.gid, deepest.mode, ids(who));
  }
  if (err == "EROFS") return fmt::format("{} is on a read-only mount", deepest.path);
  if (err == "ENOENT" && !target_exists) {
    const std::string& dir = deepest.path;
    std::string rest = path.size() > dir.size() ? path.substr(dir == "/" ? 1 : dir.size() + 1) : "";
    std::string missing = rest.substr(0, rest.find('/'));
    if (!missing.empty()) return fmt::format("{}/{} does not exist", dir == "/" ? "" : dir, missing);
  }
  return {};
}

std::string why(const Event& e, std::string_view err, const std::string& path, const Caller& who,
                const std::vector<std::string>& tried) {
  bool creating = creates(e);
  if (e.perm)
    if (std::string w = why_from_snapshot(*e.perm, err, path, creating, who); !w.empty()) return w;
  if (err == "ENOENT" && creating && !path.empty()) return fmt::format("{} does not exist", dirname_of(path));
  if (err == "ENOENT" && !path.empty())
    return tried.empty() ? fmt::format("{} does not exist", path)
                         : fmt::format("{} was not found in any of the {} places tried", basename_of(path),
                                       tried.size());
  if ((err == "EACCES" || err == "EPERM") && !path.empty()) {
    std::string w = who.uid ? ids(who) : std::string("the caller");
    if (creating) return fmt::format("{} may not create files in {}: check its owner and mode", w, dirname_of(path));
    return fmt::format("{} may not access {}: check the owner and mode of it and its directories", w, path);
  }
  if (err == "EROFS") return fmt::format("{} is on a read-only file system", path);
  const SyscallInfo& info = syscall_info(e.name);
  bool exec_map = info.is(kClassMaps) && has_flag(e, "PROT_EXEC");
  if (err == "EPERM" && exec_map)
    return fmt::format("{} may not be mapped for execution: its file system is mounted noexec, or a security "
                       "policy forbids it", path.empty() ? std::string("the memory") : path);
  if ((err == "EAGAIN" || err == "EWOULDBLOCK") && (has_flag(e, "LOCK_") || has_flag(e, "F_SETLK")))
    return fmt::format("another process holds a lock on {}", path.empty() ? std::string("the file") : path);
  if ((err == "EAGAIN" || err == "EWOULDBLOCK") && info.is(kClassClone))
    return "no new process could be made: the user has reached RLIMIT_NPROC (processes of the user), or the "
           "system its limit of tasks";
  if (err == "ENOMEM" && info.is(kClassMaps))
    return "the memory could not be mapped: the address-space limit (RLIMIT_AS) is reached, or memory is exhausted";
  if (err == "EMFILE") return "the process has reached RLIMIT_NOFILE (open files)";
  if (err == "EADDRINUSE") return fmt::format("another socket is already bound to {}", path);
  if (err == "ECONNREFUSED") return fmt::format("nothing is listening on {}", path);
  if (err == "ENOSPC") {
    // Not a disk: the per-user limits of watches, which say ENOSPC too
    // (file watchers failing with "no space" on a host with room).
    if (e.name.view().starts_with("inotify_add_watch"))
      return "the user's inotify watches are used up (sysctl fs.inotify.max_user_watches)";
    if (e.name == "epoll_ctl") return "the user's epoll watches are used up (sysctl fs.epoll.max_user_watches)";
    // A file system can run out of inodes with space to spare: df -h then
    // shows room while every new file fails.
    if (creating && !path.empty())
      return fmt::format("the file system of {} has no space or no inodes left (df -h, df -i)", dirname_of(path));
    if (!path.empty()) return fmt::format("the file system of {} is full (df -h)", path);
    return "the file system is full";
  }
  return {};
}

}  // namespace

bool creates(const Event& e) { return has_flag(e, "O_CREAT") || syscall_is(e.name, kClassCreates); }

std::string action(const Event& e, std::string_view target) {
  std::string t(target);
  auto on = [&](const char* verb) { return t.empty() ? std::string(verb) : fmt::format("{} {}", verb, t); };
  if (e.type == EventType::Process) return e.name == kProcExec ? on("executing") : std::string(e.name.view());
  const SyscallInfo& info = syscall_info(e.name);
  if (info.is(kClassExec)) return on("executing");
  if (info.is(kClassClone)) return "starting a process";
  if (creates(e)) {
    if (info.effect == Effect::Bind) return on("binding to");
    if (e.name.view().starts_with("rename")) return on("renaming");
    return on("creating");
  }
  switch (info.effect) {
    case Effect::Open: return on("opening");
    case Effect::Connect: return on("connecting to");
    case Effect::Bind: return on("binding to");
    case Effect::Accept: return on("accepting a connection on");
    case Effect::Chdir:
    case Effect::Fchdir: return on("entering");
    case Effect::Socket: return "creating a socket";
    case Effect::SetUid:
    case Effect::SetGid:
    case Effect::SetGroups: return "changing the caller's ids";
    default: break;
  }
  if (info.is(kClassMemory)) return on("mapping");
  if (info.is(kClassStat) || info.is(kClassLookup)) return on("looking up");
  if (info.is(kClassReads)) return on("reading");
  if (info.is(kClassWrites)) return on("writing");
  if (info.is(kClassChangesFs)) return on("changing");
  if (info.is(kClassDesc) && (has_flag(e, "LOCK_") || has_flag(e, "F_SETLK") || has_flag(e, "F_OFD_SETLK")))
    return on("locking");
  return t.empty() ? std::string(e.name.view()) : fmt::format("{} on {}", e.name.view(), t);
}

std::string limit_of(const Event& e, std::string_view err) {
  const SyscallInfo& info = syscall_info(e.name);
  if ((err == "EAGAIN" || err == "EWOULDBLOCK") && info.is(kClassClone)) return "nproc";
  if (err == "EMFILE") return "nofile";
  if (err == "ENOMEM" && info.is(kClassMemory)) return "as";
  if (err == "EFBIG") return "fsize";
  return {};
}

std::string limit_label(std::string_view name) {
  if (name == "nproc") return "RLIMIT_NPROC (processes of the user)";
  if (name == "nofile") return "RLIMIT_NOFILE (open files)";
  if (name == "as") return "RLIMIT_AS (address space)";
  if (name == "fsize") return "RLIMIT_FSIZE (file size)";
  std::string up(name);
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "RLIMIT_" + up;
}

Evidence of_failure(const Event& e, std::string_view err, const std::string& path, const Caller& who,
                    const HostInfo& host, const std::vector<std::string>& tried) {
  Evidence x;
  x.action = action(e, path);
  Caller c = who;
  if (e.perm) {
    c.uid = e.perm->uid;
    c.gid = e.perm->gid;
    c.groups = e.perm->groups;
    for (const PathComponent& p : e.perm->components) {
      if (!p.exists) {
        x.facts.push_back(fmt::format("{}: does not exist", p.path));
        break;
      }
      x.facts.push_back(fmt::format("{}: {}, owner {}:{}, mode {:04o}{}", p.path, p.type, p.uid, p.gid, p.mode,
                                    p.readonly_mount ? ", read-only mount" : ""));
    }
  }
  if (c.uid) {
    std::string s = fmt::format("caller: uid {}", *c.uid);
    if (c.gid) s += fmt::format(", gid {}", *c.gid);
    if (c.groups) s += fmt::format(", groups {}", c.groups->empty() ? "none" : fmt::format("{}", fmt::join(*c.groups, ",")));
    x.facts.push_back(s);
  }
  // The mount a path is on, when its options are why the call failed.
  const SyscallInfo& info = syscall_info(e.name);
  bool exec_map = info.is(kClassMaps) && has_flag(e, "PROT_EXEC");
  if (!path.empty() && path[0] == '/' && (err == "EROFS" || ((err == "EPERM" || err == "EACCES") && (exec_map || info.is(kClassExec))))) {
    std::string best, line;
    for (const std::string& m : host.mounts) {
      std::string point = m.substr(0, m.find(' '));
      bool under = path == point || point == "/" || path.starts_with(point + "/");
      if (under && point.size() >= best.size()) {
        best = point;
        line = m;
      }
    }
    if (!line.empty()) {
      x.facts.push_back(fmt::format("{} is on the mount {}", path, line));
      if (line.find("noexec") != std::string::npos && err != "EROFS")
        x.why = fmt::format("{} is mounted noexec: nothing on it may be executed or mapped for execution", best);
    }
  }
  if (std::string lim = limit_of(e, err); !lim.empty()) {
    auto it = host.limits.find(lim);
    if (it != host.limits.end())
      x.facts.push_back(fmt::format("{}: {} (hard {})", limit_label(lim), it->second.soft, it->second.hard));
  }
  if (x.why.empty()) x.why = why(e, err, path, c, tried);
  return x;
}

}  // namespace tracediff::evidence
