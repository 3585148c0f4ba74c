#include "diff/values.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "model/args.h"
#include "model/dns.h"
#include "diff/internal.h"
#include "model/syscalls.h"

namespace tracediff::diff::detail {
namespace {

// The stat fields that say something about the host: the file's type and
// permission bits, owner, group, and whether it is empty. Sizes, inodes and
// times change whenever a file is written, copied or read.
void stat_fields(const Arg& a, std::vector<Field>& out) {
  for (const Arg& f : a.items) {
    std::string_view n = f.name.view();
    if (n.starts_with("stx_")) n.remove_prefix(4);
    else if (n.starts_with("st_")) n.remove_prefix(3);
    else continue;
    if (n == "mode") {
      out.push_back({"mode", f.str, f.str});
    } else if (n == "uid" || n == "gid") {
      std::string v = f.str.empty() ? std::to_string(f.raw) : f.str.str();
      out.push_back({n == "uid" ? "owner uid" : "group gid", v, v});
    } else if (n == "size") {
      std::string v = f.str.empty() ? std::to_string(f.raw) : f.str.str();
      out.push_back({"size", v == "0" ? "empty" : "not empty", v});
    }
  }
  for (const Arg& i : a.items)
    if (i.kind == ArgKind::Struct) stat_fields(i, out);
}

std::string quote_list(const Arg& a) {
  std::string s;
  for (const Arg& i : a.items) {
    if (!s.empty()) s.push_back(' ');
    s += i.str;
  }
  return s;
}

void argv_field(const Arg& argv, normalize::Canon& canon, std::vector<Field>& out) {
  std::string canonical;
  for (const Arg& i : argv.items) {
    canon.name(i.str, canonical);
    canonical.push_back('\x1f');
  }
  out.push_back({"argv", std::move(canonical), quote_list(argv)});
}

// getsockopt(fd, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]): the error of
// a non-blocking connect, as an errno name.
std::string so_error(const Event& e) {
  if (e.args.size() < 4 || e.args[2].str != "SO_ERROR") return {};
  const Arg& v = e.args[3].items.empty() ? e.args[3] : e.args[3].items[0];
  std::string s = v.str;
  if (s.empty() && v.has_raw) s = std::to_string(v.raw);
  if (s.empty()) return {};
  if (s.front() >= '0' && s.front() <= '9') {
    int n = std::atoi(s.c_str());
    return n == 0 ? "0" : errno_name(n);
  }
  return s;
}

// The names a directory listed (getdents64: the recorder's names, or
// strace's d_name fields), as a sorted set: the order is the file system's.
// Generated names (temp files, pids in /proc) are compared canonical.
void listing_field(const Event& e, normalize::Canon& canon, std::vector<Field>& out) {
  if (e.args.size() < 2 || e.args[1].kind != ArgKind::Array || e.args[1].items.empty()) return;
  std::string dir = e.args[0].ref;
  if (dir.starts_with("/proc") || dir.starts_with("/sys") || dir.starts_with("/dev")) return;
  std::vector<std::string> names, shown;
  for (const Arg& i : e.args[1].items) {
    const Arg* n = i.kind == ArgKind::Struct ? arg_field(i, "d_name") : &i;
    if (!n || n->str == "." || n->str == "..") continue;
    std::string c;
    canon.name(dir + "/" + n->str.str(), c);
    names.push_back(std::move(c));
    shown.push_back(n->str);
  }
  std::sort(names.begin(), names.end());
  std::sort(shown.begin(), shown.end());
  std::string canonical, text;
  for (const std::string& n : names) canonical += n + '\x1f';
  for (const std::string& n : shown) text += (text.empty() ? "" : " ") + n;
  out.push_back({"listing", std::move(canonical), std::move(text)});
}

}  // namespace

std::vector<Field> fields_of(const Event& e, normalize::Canon& canon) {
  std::vector<Field> out;
  if (e.type == EventType::Process) {
    if (e.name == kProcExec && e.args.size() >= 2) argv_field(e.args[1], canon, out);
    return out;
  }
  if (!succeeded(e)) return out;
  const SyscallInfo& info = syscall_info(e.name);
  if (info.is(kClassStat)) {
    for (const Arg& a : e.args)
      if (a.kind == ArgKind::Struct) stat_fields(a, out);
    // A file with a generated name (a temp file) may or may not have been
    // written yet when it was looked at: its size says nothing.
    if (canon.generated(event_target(e))) std::erase_if(out, [](const Field& f) { return f.name == "size"; });
    return out;
  }
  if (info.is(kClassLookup))
    for (std::size_t i = 0; i < e.args.size(); ++i)
      if (info.role(i) == ArgRole::Out) {  // a link's target
        std::string c;
        canon.name(e.args[i].str, c);
        out.push_back({"target", std::move(c), e.args[i].str});
      }
  if (info.is(kClassReturnsId)) {
    std::string v = std::to_string(e.result.value);
    out.push_back({"id", v, v});
  }
  if (info.is(kClassExec)) {
    std::size_t argv = static_cast<std::size_t>(info.path_index() + 1);
    if (argv < e.args.size()) argv_field(e.args[argv], canon, out);
  }
  if (info.is(kClassNetwork))
    if (std::string err = so_error(e); !err.empty()) out.push_back({"SO_ERROR", err, err});
  if (e.name == "getdents64" || e.name == "getdents") listing_field(e, canon, out);
  return out;
}

std::uint64_t values_digest(const std::vector<Field>& fields) {
  if (fields.empty()) return 0;
  std::string s;
  for (const Field& f : fields) {
    s += f.name;
    s.push_back('=');
    s += f.canonical;
    s.push_back('\x1e');
  }
  std::uint64_t h = std::hash<std::string>()(s);
  return h ? h : 1;
}

std::vector<std::string> dns_of(const Event& e, std::string_view remote) {
  std::vector<std::string> out;
  if (e.type != EventType::Syscall) return out;
  const SyscallInfo& info = syscall_info(e.name);
  if (!info.is(kClassReads | kClassWrites) || !succeeded(e)) return out;
  bool dns = is_dns_address(remote);
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::SockAddr && is_dns_address(a.str)) dns = true;
  if (!dns) return out;
  // Each buffer on its own: sendmmsg carries the A and the AAAA query.
  std::function<void(const Arg&)> each = [&](const Arg& a) {
    if (a.kind == ArgKind::String) {
      if (auto m = decode_dns(a.str)) out.push_back(m->describe());
      return;
    }
    for (const Arg& i : a.items) each(i);
  };
  if (e.args.size() >= 2) each(e.args[1]);
  return out;
}

}  // namespace tracediff::diff::detail
