#include "model/args.h"

#include <fmt/format.h>

#include <charconv>

#include "model/syscalls.h"

namespace tracediff {
namespace {

bool parse_int(std::string_view s, std::int64_t& out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (auto lt = s.find('<'); lt != std::string_view::npos) s = s.substr(0, lt);  // "3</etc/x>"
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string field_text(const Arg& a, std::string_view name) {
  const Arg* f = arg_field(a, name);
  return f ? f->str.str() : std::string();
}

// Strips a wrapper like htons(8080) or inet_addr("1.2.3.4").
std::string unwrap(std::string s) {
  auto l = s.find('('), r = s.rfind(')');
  if (l != std::string::npos && r != std::string::npos && r > l) s = s.substr(l + 1, r - l - 1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

void collect_strings(const Arg& a, std::string& out) {
  if (a.kind == ArgKind::String) {
    out += a.str;
    return;
  }
  for (const Arg& i : a.items) collect_strings(i, out);
}

}  // namespace

std::optional<std::int64_t> arg_int(const Arg& a) {
  if (a.has_raw && (a.kind == ArgKind::Fd || a.kind == ArgKind::Int)) return a.raw;
  std::int64_t v;
  if (parse_int(a.str, v)) return v;
  if (a.has_raw) return a.raw;
  return std::nullopt;
}

std::optional<int> arg_fd(const Event& e, std::size_t i) {
  if (i >= e.args.size()) return std::nullopt;
  auto v = arg_int(e.args[i]);
  if (!v || *v < 0 || *v > (1 << 30)) return std::nullopt;
  return static_cast<int>(*v);
}

std::vector<std::uint32_t> arg_ids(const Arg& a) {
  std::vector<std::uint32_t> out;
  for (const Arg& i : a.items)
    if (auto v = arg_int(i)) out.push_back(static_cast<std::uint32_t>(*v));
  return out;
}

const Arg* arg_field(const Arg& a, std::string_view name) {
  for (const Arg& i : a.items)
    if (i.name == name) return &i;
  return nullptr;
}

std::string arg_sockaddr(const Arg& a) {
  if (a.kind == ArgKind::SockAddr) return a.str;
  if (a.kind != ArgKind::Struct) return {};
  std::string fam = field_text(a, "sa_family");
  if (fam == "AF_UNIX" || fam == "AF_LOCAL") return "AF_UNIX:" + unwrap(field_text(a, "sun_path"));
  if (fam == "AF_INET")
    return fmt::format("AF_INET:{}:{}", unwrap(field_text(a, "sin_addr")), unwrap(field_text(a, "sin_port")));
  if (fam == "AF_INET6")
    return fmt::format("AF_INET6:[{}]:{}", unwrap(field_text(a, "sin6_addr")), unwrap(field_text(a, "sin6_port")));
  return fam.empty() ? std::string() : fam + ":?";
}

bool arg_mentions(const Arg& a, std::string_view word) {
  if (a.str.find(word) != std::string::npos) return true;
  for (const Arg& i : a.items)
    if (arg_mentions(i, word)) return true;
  return false;
}

std::string call_data(const Event& e) {
  if (e.args.size() < 2) return {};
  std::string out;
  collect_strings(e.args[1], out);
  // A read's buffer only holds what was returned.
  if (syscall_is(e.name, kClassReads) && e.result.state == ResultState::Returned && e.result.value >= 0 &&
      out.size() > static_cast<std::size_t>(e.result.value))
    out.resize(static_cast<std::size_t>(e.result.value));
  return out;
}

}  // namespace tracediff
