// Rule "families": calls that do the same thing under different names
// become one call with one argument shape, because which name a program
// uses depends on its libc version, not on the host's behaviour: glibc 2.26
// moved open to openat, 2.33 moved stat to newfstatat, fork became clone.
// The canonical name is the one current glibc uses on x86_64.
#include <string_view>
#include <unordered_map>

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

bool mentions(const Arg& a, std::string_view word) {
  if (a.str.find(word) != std::string::npos) return true;
  for (const Arg& i : a.items)
    if (mentions(i, word)) return true;
  return false;
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

void families_event(Event& e) {
  if (e.type != EventType::Syscall) return;
  std::vector<Arg>& a = e.args;
  const std::string n = e.name;
  if (n == "open") {
    a.insert(a.begin(), at_fdcwd());
    e.name = "openat";
  } else if (n == "creat") {
    a.insert(a.begin(), at_fdcwd());
    a.insert(a.begin() + 2, flags("O_WRONLY|O_CREAT|O_TRUNC"));
    e.name = "openat";
  } else if (n == "openat2") {
    if (a.size() >= 3) {
      std::string f = "O_RDONLY";
      for (const Arg& i : a[2].items)
        if (i.name == "flags") f = i.str;
      a.resize(2);
      a.push_back(flags(f));
    }
    e.name = "openat";
  } else if (n == "stat" || n == "stat64" || n == "lstat" || n == "lstat64") {
    a.insert(a.begin(), at_fdcwd());
    a.push_back(flags(n[0] == 'l' ? "AT_SYMLINK_NOFOLLOW" : "0"));
    e.name = "newfstatat";
  } else if (n == "fstat" || n == "fstat64") {
    Arg empty;
    empty.kind = ArgKind::Path;
    a.insert(a.begin() + (a.empty() ? 0 : 1), empty);
    a.push_back(flags("AT_EMPTY_PATH"));
    e.name = "newfstatat";
  } else if (n == "fstatat64") {
    e.name = "newfstatat";
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
    e.name = "newfstatat";
  } else if (n == "access") {
    a.insert(a.begin(), at_fdcwd());
    e.name = "faccessat";
  } else if (n == "faccessat2") {
    if (a.size() >= 4 && (a[3].str == "0" || a[3].str.empty())) a.resize(3);
    e.name = "faccessat";
  } else if (n == "fork" || n == "vfork" || n == "clone" || n == "clone3") {
    bool thread = false;
    for (const Arg& x : a) thread = thread || mentions(x, "CLONE_THREAD");
    a.clear();
    // Only what matters across libcs: a thread or a process.
    a.push_back(flags(thread ? "CLONE_THREAD" : "SIGCHLD"));
    e.name = "clone";
  } else if (n == "dup2") {
    a.push_back(flags("0"));
    e.name = "dup3";
  } else if (n == "pipe") {
    a.push_back(flags("0"));
    e.name = "pipe2";
  } else if (n == "getdents") {
    e.name = "getdents64";
  } else if (n == "waitpid") {
    e.name = "wait4";
  }
}

void rule_families(Trace& t, NormalizeContext&) {
  for (Event& e : t.events) families_event(e);
}

}  // namespace tracediff::normalize::detail
