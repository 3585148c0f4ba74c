// Rule "families": calls that do the same thing under different names
// become one call with one argument shape, because which name a program
// uses depends on its libc version, not on the host's behaviour: glibc 2.26
// moved open to openat, 2.33 moved stat to newfstatat, fork became clone.
// The canonical name is the one current glibc uses on x86_64.
#include <string_view>
#include <unordered_map>

#include "model/args.h"
#include "model/syscalls.h"
#include "normalize/rules.h"

namespace tracediff::normalize::detail {
namespace {

Arg at_fdcwd() {
  Arg a;
  a.kind = ArgKind::Fd;
  a.has_raw = true;
  a.raw = -100;  // AT_FDCWD's value on Linux
  a.str = "AT_FDCWD";
  return a;
}

Arg flags(std::string s) {
  Arg a;
  a.kind = ArgKind::Flags;
  a.str = std::move(s);
  return a;
}

// statx fields carry the same owner and mode as stat's: rename them so the
// data comparison sees one shape.
void statx_fields_as_stat(Arg& a) {
  static const std::unordered_map<std::string_view, const char*> names = {
      {"stx_mode", "st_mode"}, {"stx_uid", "st_uid"}, {"stx_gid", "st_gid"}, {"stx_rdev_major", "st_rdev_major"}};
  auto it = names.find(a.name);
  if (it != names.end()) a.name = it->second;
  for (Arg& i : a.items) statx_fields_as_stat(i);
}

std::string without_token(std::string s, std::string_view tok) {
  for (std::string_view sep : {"|", ""}) {
    std::string t = std::string(tok) + std::string(sep);
    auto p = s.find(t);
    if (p != std::string::npos) {
      s.erase(p, t.size());
      if (!s.empty() && s.back() == '|') s.pop_back();
      return s.empty() ? "0" : s;
    }
  }
  return s;
}

}  // namespace

// How a call's arguments are laid out as its family's: the canonical name
// comes from the syscall table (SyscallInfo::family); the shapes are
// decoded here, call by call, as a decoder would.
void reshape(const SyscallInfo& info, std::string_view n, ArgList& a) {
  const std::string_view family = info.family;
  if (info.is(kClassClone)) {
    bool thread = false;
    for (const Arg& x : a) thread = thread || arg_mentions(x, "CLONE_THREAD");
    a.clear();
    // Only what matters across libcs: a thread or a process.
    a.push_back(flags(thread ? "CLONE_THREAD" : "SIGCHLD"));
  } else if (n == "creat") {
    a.insert(a.begin(), at_fdcwd());
    a.insert(a.begin() + 2, flags("O_WRONLY|O_CREAT|O_TRUNC"));
  } else if (n == "openat2") {
    if (a.size() >= 3) {
      std::string f = "O_RDONLY";
      for (const Arg& i : a[2].items)
        if (i.name == "flags") f = i.str;
      a.resize(2);
      a.push_back(flags(f));
    }
  } else if (n == "statx") {
    // statx(dirfd, path, flags, mask, buf) -> newfstatat(dirfd, path, buf, flags)
    if (a.size() >= 5) {
      Arg f = std::move(a[2]);
      f.str = without_token(f.str, "AT_STATX_SYNC_AS_STAT");
      Arg buf = std::move(a[4]);
      statx_fields_as_stat(buf);
      a.resize(2);
      a.push_back(std::move(buf));
      a.push_back(std::move(f));
    }
  } else if (n == "faccessat2") {
    if (a.size() >= 4 && (a[3].str == "0" || a[3].str.empty())) a.resize(3);
  } else if (info.role(0) == ArgRole::Path && info.dirfd_index() < 0 && syscall_info(family).dirfd_index() == 0) {
    // open, stat, lstat, access: the same call relative to AT_FDCWD.
    a.insert(a.begin(), at_fdcwd());
    if (info.is(kClassStat)) a.push_back(flags(n.starts_with("l") ? "AT_SYMLINK_NOFOLLOW" : "0"));
  } else if (info.is(kClassStat) && info.role(0) == ArgRole::Fd && info.role(0) != syscall_info(family).role(0)) {
    // fstat: the fd itself, named by an empty path.
    Arg empty;
    empty.kind = ArgKind::Path;
    a.insert(a.begin() + (a.empty() ? 0 : 1), empty);
    a.push_back(flags("AT_EMPTY_PATH"));
  } else if (syscall_info(family).nargs > info.nargs && info.effect != Effect::None) {
    // dup2 -> dup3, pipe -> pipe2: the flags the newer call takes.
    a.push_back(flags("0"));
  }
}

void families_event(Event& e) {
  if (e.type != EventType::Syscall) return;
  const SyscallInfo& info = syscall_info(e.name);
  if (info.family.empty() || (info.family == info.name && !info.is(kClassClone))) return;
  reshape(info, info.name, e.args);
  e.name = info.family;
}

void rule_families(Trace& t, NormalizeContext&) {
  for (Event& e : t.events) families_event(e);
}

}  // namespace tracediff::normalize::detail
