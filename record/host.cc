// The host snapshot written into a recording's header: everything about the
// machine and the caller that commonly explains "works here, fails there".
#include <fmt/format.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "record/decode.h"
#include "record/internal.h"
#include "record/proc_status.h"
#include "record/record.h"
#include "record/syscalls.h"

extern char** environ;

namespace tracediff::record {
namespace {

std::string read_small(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string unquote(std::string v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    v = v.substr(1, v.size() - 2);
  return v;
}

std::string limit_value(rlim_t v) { return v == RLIM_INFINITY ? "unlimited" : fmt::format("{}", v); }

// One summary line per mount: "mountpoint fstype rw|ro[,noexec][,nosuid]
// [,nodev]". Pseudo file
// systems under /proc and /sys are left out: they are the same everywhere
// and drown the mounts that matter.
std::vector<std::string> mount_summary() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string id, parent, dev, root, point, opts;
    ls >> id >> parent >> dev >> root >> point >> opts;
    std::string tok;
    while (ls >> tok && tok != "-") {
    }
    std::string fstype;
    ls >> fstype;
    if (point.rfind("/proc/", 0) == 0 || point.rfind("/sys/", 0) == 0 || point.rfind("/dev/", 0) == 0) continue;
    bool ro = opts == "ro" || opts.rfind("ro,", 0) == 0;
    // Of the other options, those that make a call fail: a program or a
    // library on a noexec mount cannot run or be mapped for execution.
    std::string extra;
    for (const char* o : {"noexec", "nosuid", "nodev"})
      if (("," + opts + ",").find(std::string(",") + o + ",") != std::string::npos) extra += std::string(",") + o;
    out.push_back(fmt::format("{} {} {}{}", point, fstype, ro ? "ro" : "rw", extra));
  }
  return out;
}

#if TRACEDIFF_STATIC
// A static binary does not call getpwuid: glibc would load the host's NSS
// modules (libnss_*.so), built for whatever glibc that host has, which can
// crash us or fail. The "files" source is read directly instead; a user
// known only to LDAP, sssd or systemd's dynamic users gets no name (the
// header has no user and home then, as for an unknown uid; the uid is there).
void lookup_user(uid_t uid, std::optional<std::string>& name, std::optional<std::string>& home) {
  std::ifstream in("/etc/passwd");
  std::string line;
  while (std::getline(in, line)) {
    // name:password:uid:gid:gecos:home:shell
    std::array<std::string, 7> f;
    std::size_t i = 0, start = 0;
    for (; i < f.size(); ++i) {
      std::size_t colon = line.find(':', start);
      f[i] = line.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (i < 6 || f[2].empty() || f[2].size() > 10 || f[2].find_first_not_of("0123456789") != std::string::npos)
      continue;  // not an entry (a comment, a NIS "+" line): skipped, as glibc does
    if (std::strtoull(f[2].c_str(), nullptr, 10) != uid) continue;
    name = f[0];
    home = f[5];
    return;
  }
}
#else
void lookup_user(uid_t uid, std::optional<std::string>& name, std::optional<std::string>& home) {
  if (passwd* pw = getpwuid(uid)) {
    name = pw->pw_name;
    home = pw->pw_dir;
  }
}
#endif

std::string lsm_status() {
  std::vector<std::string> parts;
  std::string enforce = read_small("/sys/fs/selinux/enforce");
  if (!enforce.empty()) parts.push_back(enforce == "1" ? "selinux enforcing" : "selinux permissive");
  std::string aa = read_small("/sys/module/apparmor/parameters/enabled");
  if (aa == "Y") {
    std::string mode = read_small("/sys/module/apparmor/parameters/mode");
    parts.push_back(mode.empty() ? "apparmor enabled" : "apparmor " + mode);
  }
  std::string list = read_small("/sys/kernel/security/lsm");
  if (parts.empty()) return list.empty() ? "none" : "lsm " + list;
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

namespace detail {

std::vector<std::string> proc_environ(pid_t pid) {
  std::string all = read_small(fmt::format("/proc/{}/environ", pid));
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    if (end > start) out.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace detail

HostInfo snapshot_host() {
  HostInfo h;
  utsname u{};
  if (uname(&u) == 0) {
    h.hostname = u.nodename;
    h.kernel = fmt::format("{} {}", u.release, u.version);
  }
  h.arch = syscall_arch();
  {
    std::ifstream in("/etc/os-release");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("ID=", 0) == 0) h.os_id = unquote(line.substr(3));
      else if (line.rfind("VERSION_ID=", 0) == 0) h.os_version = unquote(line.substr(11));
    }
  }
  h.uid = geteuid();
  h.gid = getegid();
  lookup_user(geteuid(), h.user, h.home);
  {
    std::vector<gid_t> gs(static_cast<std::size_t>(std::max(getgroups(0, nullptr), 0)));
    int n = getgroups(static_cast<int>(gs.size()), gs.data());
    std::vector<std::uint32_t> groups;
    for (int i = 0; i < n; ++i) groups.push_back(gs[i]);
    h.groups = std::move(groups);
  }
  if (std::optional<detail::ProcStatus> st = detail::read_own_status()) {
    if (!st->cap_eff.empty()) h.capabilities = st->cap_eff;
    h.umask = st->umask;
  }
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd)) h.cwd = cwd;
  static constexpr std::array<std::pair<int, const char*>, 16> kLimits = {{
      {RLIMIT_AS, "as"}, {RLIMIT_CORE, "core"}, {RLIMIT_CPU, "cpu"}, {RLIMIT_DATA, "data"},
      {RLIMIT_FSIZE, "fsize"}, {RLIMIT_LOCKS, "locks"}, {RLIMIT_MEMLOCK, "memlock"},
      {RLIMIT_MSGQUEUE, "msgqueue"}, {RLIMIT_NICE, "nice"}, {RLIMIT_NOFILE, "nofile"},
      {RLIMIT_NPROC, "nproc"}, {RLIMIT_RSS, "rss"}, {RLIMIT_RTPRIO, "rtprio"},
      {RLIMIT_RTTIME, "rttime"}, {RLIMIT_SIGPENDING, "sigpending"}, {RLIMIT_STACK, "stack"},
  }};
  for (auto [res, name] : kLimits) {
    rlimit rl{};
    if (getrlimit(res, &rl) == 0) h.limits[name] = Limit{limit_value(rl.rlim_cur), limit_value(rl.rlim_max)};
  }
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  h.env = std::move(env);
  h.mounts = mount_summary();
  h.lsm = lsm_status();
  return h;
}

}  // namespace tracediff::record
