// Argument builders shared by every family, and the table of decoders.
#include "record/decode.h"
#include "model/syscalls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/stat.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_map>

#include "model/paths.h"
#include "record/syscalls.h"

namespace tracediff::record::detail {
namespace {

// argv/envp longer than this are cut (and marked so). The kernel lets
// execve's strings and pointers take up to 3/4 of _STK_LIM (6 MiB, with an
// unlimited stack), so one pointer per 8 bytes of that is the most any exec
// can pass: every real argv and environment is kept whole (`xargs` and shell
// globs pass hundreds of thousands of names), and a garbage pointer array
// still costs a bounded read.
constexpr std::size_t kMaxArrayItems = (6u << 20) / 8;
// Strings in argv/envp and paths are read whole up to PATH_MAX-like bounds;
// 128 KiB is the kernel's MAX_ARG_STRLEN.
constexpr std::size_t kMaxArgString = 131072;

Arg make(ArgKind k, std::int64_t raw, std::string str) {
  Arg a;
  a.kind = k;
  a.has_raw = true;
  a.raw = raw;
  a.str = std::move(str);
  return a;
}

Arg field(const char* name, ArgKind k, std::string str, std::int64_t raw = 0) {
  Arg a = make(k, raw, std::move(str));
  a.name = name;
  return a;
}

}  // namespace

Arg DecodeCtx::int_arg(int i) const {
  auto v = static_cast<std::int64_t>(arg(i));
  // Most int arguments are 32-bit in the kernel's prototype: show -1, not
  // 4294967295, when the upper half is garbage or zero-extended.
  if (v > INT32_MAX && v <= UINT32_MAX) v = static_cast<std::int32_t>(v);
  // A plain decimal lives in raw alone, as the strace importer stores it.
  return make(ArgKind::Int, v, "");
}

Arg DecodeCtx::uint_arg(int i) const {
  auto v = static_cast<std::int64_t>(arg(i));
  return make(ArgKind::Int, v, v < 0 ? fmt::format("{}", arg(i)) : std::string());
}

Arg DecodeCtx::hex_arg(int i) const {
  return make(ArgKind::Int, static_cast<std::int64_t>(arg(i)), arg(i) ? fmt::format("{:#x}", arg(i)) : "NULL");
}

Arg DecodeCtx::fd_arg(int i) {
  int fd = iarg(i);
  Arg a = make(ArgKind::Fd, fd, fd == AT_FDCWD ? "AT_FDCWD" : "");
  if (fd == AT_FDCWD) a.ref = task.fs ? task.fs->cwd : std::string();
  else if (fd >= 0 && task.fds) a.ref = task.fds->ref(task.tid, fd);
  return a;
}

std::size_t DecodeCtx::content_budget(int fd, std::size_t n) {
  if (content_size == 0 || fd < 0 || !task.fds) return 0;
  auto it = task.fds->fds.find(fd);
  if (it == task.fds->fds.end()) return 0;
  FdEntry& f = it->second;
  // A regular file: a path, not a device, /proc or /sys (whose contents
  // change between any two reads).
  const std::string& r = f.ref;
  if (r.empty() || r[0] != '/' || r.starts_with("/dev/") || r.starts_with("/proc/") || r.starts_with("/sys/"))
    return 0;
  std::uint64_t left = content_size > f.content ? content_size - f.content : 0;
  std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left, n));
  f.content += take;
  return take;
}

std::string DecodeCtx::dir_of(int dirfd) {
  if (dirfd == AT_FDCWD) return task.fs ? task.fs->cwd : std::string();
  if (!task.fds || dirfd < 0) return {};
  const std::string& r = task.fds->ref(task.tid, dirfd);
  return !r.empty() && r[0] == '/' ? r : std::string();
}

Arg DecodeCtx::path_at(RemoteAddr a, int dirfd) {
  Arg out;
  bool truncated = false;
  std::string s;
  if (!read_cstring(mem(), a, kMaxArgString, s, truncated)) return unreadable(a);
  out.kind = ArgKind::Path;
  out.has_raw = true;
  out.raw = static_cast<std::int64_t>(a.value);
  out.truncated = truncated;
  out.abs = s.empty() ? dir_of(dirfd) : absolute_path(s[0] == '/' ? std::string() : dir_of(dirfd), s);
  out.str = s;
  if (out.abs == out.str) out.abs = out.str;  // one shared block
  return out;
}

Arg DecodeCtx::path_arg(int i, int dirfd_index) {
  return path_at(addr(i), dirfd_index >= 0 ? iarg(dirfd_index) : AT_FDCWD);
}

Arg DecodeCtx::flags_arg(int i, FlagTable t, const char* zero) const {
  return make(ArgKind::Flags, static_cast<std::int64_t>(arg(i)), flags_to_string(arg(i), t, zero));
}

Arg DecodeCtx::enum_arg(int i, FlagTable t) const {
  return make(ArgKind::Flags, static_cast<std::int64_t>(arg(i)), enum_to_string(arg(i), t));
}

Arg DecodeCtx::open_flags_arg(int i) const {
  return make(ArgKind::Flags, static_cast<std::int64_t>(arg(i)), open_flags_to_string(arg(i)));
}

Arg DecodeCtx::mode_arg(int i) const {
  return make(ArgKind::Int, static_cast<std::int64_t>(arg(i) & 07777777),
              mode_to_string(static_cast<std::uint32_t>(arg(i))));
}

Arg DecodeCtx::data_arg(RemoteAddr a, std::size_t len) {
  if (len == 0) return make(ArgKind::String, static_cast<std::int64_t>(a.value), "");
  std::size_t want = std::min(len, data_size);
  Arg out = make(ArgKind::String, static_cast<std::int64_t>(a.value), "");
  std::string data;
  if (want > 0 && !read_memory(mem(), a, want, data)) return unreadable(a);
  out.str = data;
  out.truncated = len > want;
  return out;
}

Arg DecodeCtx::cstring_arg(RemoteAddr a, std::size_t max) {
  Arg out = make(ArgKind::String, static_cast<std::int64_t>(a.value), "");
  if (a.null()) return make(ArgKind::Other, 0, "NULL");
  std::string s;
  if (!read_cstring(mem(), a, max, s, out.truncated)) return unreadable(a);
  out.str = s;
  return out;
}

Arg DecodeCtx::string_array_arg(RemoteAddr a) {
  if (a.null()) return make(ArgKind::Other, 0, "NULL");
  Arg out = make(ArgKind::Array, static_cast<std::int64_t>(a.value), "");
  // Pointers are read in batches: one process_vm_readv per 64 entries
  // instead of one per entry; the strings all together (read_cstrings).
  constexpr std::size_t kBatch = 64;
  std::vector<std::uint64_t> ptrs;
  bool ended = false;
  for (std::size_t i = 0; i < kMaxArrayItems && !ended; i += kBatch) {
    std::string raw;
    if (!read_memory(mem(), RemoteAddr{a.value + i * 8}, kBatch * 8, raw) || raw.size() < 8) {
      if (i == 0) return unreadable(a);
      out.truncated = true;
      break;
    }
    for (std::size_t j = 0; j + 8 <= raw.size(); j += 8) {
      std::uint64_t p;
      std::memcpy(&p, raw.data() + j, 8);
      if (p == 0) {
        ended = true;
        break;
      }
      ptrs.push_back(p);
    }
  }
  if (!ended) out.truncated = true;
  std::vector<std::string> strs;
  std::vector<bool> ok, cut;
  read_cstrings(mem(), ptrs, kMaxArgString, strs, ok, cut);
  out.items.reserve(ptrs.size());
  for (std::size_t i = 0; i < ptrs.size(); ++i) {
    if (!ok[i]) {
      out.items.push_back(unreadable(RemoteAddr{ptrs[i]}));
      continue;
    }
    Arg s = make(ArgKind::String, static_cast<std::int64_t>(ptrs[i]), std::move(strs[i]));
    s.truncated = cut[i];
    out.items.push_back(std::move(s));
  }
  return out;
}

Arg DecodeCtx::sockaddr_arg(RemoteAddr a, std::uint64_t len) {
  if (a.null()) return make(ArgKind::Other, 0, "NULL");
  std::string buf;
  len = std::min<std::uint64_t>(len, sizeof(sockaddr_storage));
  if (len < sizeof(sa_family_t) || !read_memory(mem(), a, len, buf) || buf.size() < sizeof(sa_family_t))
    return unreadable(a);
  sockaddr_storage ss{};
  std::memcpy(&ss, buf.data(), buf.size());
  std::string s;
  switch (ss.ss_family) {
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
      std::size_t plen = buf.size() - offsetof(sockaddr_un, sun_path);
      if (plen == 0) s = "AF_UNIX:";
      else if (un->sun_path[0] == '\0') s = "AF_UNIX:@" + std::string(un->sun_path + 1, plen - 1);
      else s = "AF_UNIX:" + std::string(un->sun_path, strnlen(un->sun_path, plen));
      break;
    }
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
      char ip[INET_ADDRSTRLEN] = "?";
      inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
      s = fmt::format("AF_INET:{}:{}", ip, ntohs(in->sin_port));
      break;
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      char ip[INET6_ADDRSTRLEN] = "?";
      inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
      s = fmt::format("AF_INET6:[{}]:{}", ip, ntohs(in6->sin6_port));
      break;
    }
    default:
      s = enum_to_string(ss.ss_family, kAddressFamilies);
  }
  return make(ArgKind::SockAddr, static_cast<std::int64_t>(a.value), std::move(s));
}

Arg DecodeCtx::stat_arg(RemoteAddr a) {
  struct stat st;
  if (!read_value(mem(), a, st)) return unreadable(a);
  Arg out = make(ArgKind::Struct, static_cast<std::int64_t>(a.value), "");
  out.items.push_back(field("st_mode", ArgKind::Flags, stat_mode_to_string(st.st_mode), st.st_mode));
  out.items.push_back(field("st_uid", ArgKind::Int, "", st.st_uid));
  out.items.push_back(field("st_gid", ArgKind::Int, "", st.st_gid));
  out.items.push_back(field("st_size", ArgKind::Int, "", st.st_size));
  return out;
}

Arg DecodeCtx::statx_arg(RemoteAddr a) {
  struct statx st;
  if (!read_value(mem(), a, st)) return unreadable(a);
  Arg out = make(ArgKind::Struct, static_cast<std::int64_t>(a.value), "");
  out.items.push_back(field("stx_mode", ArgKind::Flags, stat_mode_to_string(st.stx_mode), st.stx_mode));
  out.items.push_back(field("stx_uid", ArgKind::Int, "", st.stx_uid));
  out.items.push_back(field("stx_gid", ArgKind::Int, "", st.stx_gid));
  out.items.push_back(field("stx_size", ArgKind::Int, "", static_cast<std::int64_t>(st.stx_size)));
  return out;
}

Arg DecodeCtx::unreadable(RemoteAddr a) {
  Arg out = make(ArgKind::Unreadable, static_cast<std::int64_t>(a.value), fmt::format("{:#x}", a.value));
  return out;
}

Arg DecodeCtx::other(std::string s) {
  Arg a;
  a.kind = ArgKind::Other;
  a.str = std::move(s);
  return a;
}

void DecodeCtx::track_fd(int fd, std::string ref, bool cloexec) {
  if (!task.fds) return;
  if (ref.empty()) {
    // The decoder could not name it: take the kernel's word for it.
    task.fds->close(fd);
    ref = task.fds->ref(task.tid, fd);
  }
  task.ev.result.ref = ref;
  task.fds->set(fd, std::move(ref), cloexec);
}

Arg DecodeCtx::fd_pair_arg(int i, const int (&fds)[2], const std::string (&refs)[2], bool cloexec) {
  Arg arr = hex_arg(i);
  arr.kind = ArgKind::Array;
  arr.str.clear();
  for (int k = 0; k < 2; ++k) {
    track_fd(fds[k], refs[k], cloexec);
    Arg a;
    a.kind = ArgKind::Fd;
    a.has_raw = true;
    a.raw = fds[k];
    a.ref = task.ev.result.ref;
    arr.items.push_back(std::move(a));
  }
  // The call returns 0, not an fd: the referents belong to the array.
  task.ev.result.ref.clear();
  return arr;
}

const std::vector<const Decoder*>& decoder_table() {
  static const std::vector<Decoder> all = [] {
    std::vector<Decoder> v;
    for (auto fam : {file_decoders, fd_decoders, process_decoders, net_decoders, creds_decoders, misc_decoders}) {
      auto f = fam();
      v.insert(v.end(), f.begin(), f.end());
    }
    return v;
  }();
  static const std::vector<const Decoder*> table = [] {
    std::vector<const Decoder*> t(syscall_count(), nullptr);
    for (const Decoder& d : all) {
      int nr = syscall_number(d.name);
      if (nr >= 0) t[nr] = &d;
    }
    return t;
  }();
  return table;
}

int raw_arg_count(int nr) {
  // A raw record shows what the kernel reads and nothing more.
  const SyscallInfo* i = syscall_info(nr);
  return i ? i->nargs : 6;
}

const InternedString& syscall_event_name(int nr) {
  static const std::vector<InternedString> names = [] {
    std::vector<InternedString> v(static_cast<std::size_t>(syscall_count()));
    for (int n = 0; n < syscall_count(); ++n) {
      std::string_view s = syscall_name(n);
      v[static_cast<std::size_t>(n)] = s.empty() ? InternedString(fmt::format("syscall_{}", n)) : InternedString(s);
    }
    return v;
  }();
  return names[static_cast<std::size_t>(nr)];
}

Event& reset_event(Event& e, pid_t tid, pid_t tgid, EventType type, std::string_view name, std::int64_t ts) {
  e.type = type;
  e.tid = tid;
  e.pid = tgid;
  e.ts_ns = ts;
  e.dur_ns = -1;
  e.name = name;
  e.args.clear();
  e.result = Result{};
  e.proc = ProcInfo{};
  e.perm.reset();
  return e;
}

}  // namespace tracediff::record::detail
