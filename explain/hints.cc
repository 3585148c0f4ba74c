// What an error means here: one sentence from the evidence the trace has.
#include "explain/search.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/syscalls.h"

namespace tracediff::explain::detail {

namespace {

bool may(const PathComponent& c, std::uint32_t uid, std::uint32_t gid,
         const std::vector<std::uint32_t>& groups, unsigned bit) {
  if (uid == 0) return bit != 1 || (c.mode & 0111) || c.type == "dir";
  if (c.uid == uid) return c.mode & (bit << 6);
  if (c.gid == gid || std::find(groups.begin(), groups.end(), c.gid) != groups.end()) return c.mode & (bit << 3);
  return c.mode & bit;
}

std::string ids(const ExplainLink& l) {
  std::string s = fmt::format("uid {}", *l.uid);
  if (l.gid) s += fmt::format(" gid {}", *l.gid);
  return s;
}

}  // namespace

std::string hint(const ExplainLink& l, const Event& e) {
  const std::string& err = l.err;
  bool creating = false;
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::Flags && a.str.find("O_CREAT") != std::string::npos) creating = true;
  if (syscall_is(e.name, kClassCreates)) creating = true;
  if (l.perm) {
    const PermSnapshot& p = *l.perm;
    // Only existing components say anything about permissions; a
    // snapshot may also list the missing ones (exists == false).
    std::vector<const PathComponent*> have;
    for (const PathComponent& c : p.components)
      if (c.exists) have.push_back(&c);
    if (!have.empty()) {
      const PathComponent& deepest = *have.back();
      bool target_exists = deepest.path == l.path;
      if (err == "EACCES" || err == "EPERM") {
        for (const PathComponent* c : have) {
          bool is_target = c->path == l.path;
          if (!is_target && c->type == "dir" && !may(*c, p.uid, p.gid, p.groups, 1))
            return fmt::format("{} may not enter {} (owner {}:{}, mode {:04o})", ids(l), c->path, c->uid, c->gid,
                               c->mode);
        }
        if (!target_exists && creating && deepest.path == dirname_of(l.path) &&
            !may(deepest, p.uid, p.gid, p.groups, 2))
          return fmt::format("{} may not create files in {} (owner {}:{}, mode {:04o})", ids(l), deepest.path,
                             deepest.uid, deepest.gid, deepest.mode);
        if (target_exists)
          return fmt::format("{} is owned by {}:{} with mode {:04o}; the caller is {}", deepest.path, deepest.uid,
                             deepest.gid, deepest.mode, ids(l));
      }
      if (err == "EROFS") return fmt::format("{} is on a read-only mount", deepest.path);
      if (err == "ENOENT" && !target_exists) {
        const std::string& dir = deepest.path;
        std::string rest = l.path.size() > dir.size() ? l.path.substr(dir == "/" ? 1 : dir.size() + 1) : "";
        std::string missing = rest.substr(0, rest.find('/'));
        if (!missing.empty()) return fmt::format("{}/{} does not exist", dir == "/" ? "" : dir, missing);
      }
    }
  }
  if (err == "ENOENT" && creating && !l.path.empty())
    return fmt::format("{} does not exist", dirname_of(l.path));
  if (err == "ENOENT" && !l.path.empty())
    return l.tried.empty() ? fmt::format("{} does not exist", l.path)
                           : fmt::format("{} was not found in any of the {} places tried",
                                         basename_of(l.path), l.tried.size());
  if ((err == "EACCES" || err == "EPERM") && !l.path.empty()) {
    std::string who = l.uid ? ids(l) : std::string("the caller");
    if (creating)
      return fmt::format("{} may not create files in {}: check its owner and mode", who, dirname_of(l.path));
    return fmt::format("{} may not access {}: check the owner and mode of it and its directories", who, l.path);
  }
  if (err == "EROFS") return fmt::format("{} is on a read-only file system", l.path);
  if (err == "EADDRINUSE") return fmt::format("another socket is already bound to {}", l.path);
  if (err == "ECONNREFUSED") return fmt::format("nothing is listening on {}", l.path);
  if (err == "ENOSPC") return "the file system is full";
  return {};
}

}  // namespace tracediff::explain::detail
