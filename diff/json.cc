// diff_to_json(): the versioned contract of docs/diff-format.md. Written by
// hand (like the trace writer) so the key order is fixed and documented.
#include <fmt/format.h>

#include "diff/diff.h"

namespace tracediff {
namespace {

// Length of the valid UTF-8 sequence at s[i], 0 if it is not one.
std::size_t utf8_len(std::string_view s, std::size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (!n || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  return n;
}

void str(std::string& out, std::string_view s) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\t': out += "\\t"; continue;
      case '\r': out += "\\r"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (std::size_t n = utf8_len(s, i)) {
      out.append(s.substr(i, n));
      i += n - 1;
    } else {
      // A byte that is not UTF-8 (binary data): shown as its Latin-1 code
      // point so the document stays valid JSON.
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    }
  }
  out.push_back('"');
}

void opt_str(std::string& out, const std::string& s) {
  if (s.empty()) out += "null";
  else str(out, s);
}

void exit_obj(std::string& out, const ExitStatus& e) {
  switch (e.kind) {
    case ExitStatus::Exited:
      fmt::format_to(std::back_inserter(out), R"({{"status":"exited","code":{}}})", e.code);
      return;
    case ExitStatus::Killed:
      out += R"({"status":"killed","signal":)";
      str(out, signal_name(e.signal));
      out += e.core ? R"(,"core":true})" : R"(,"core":false})";
      return;
    case ExitStatus::Unknown:
      break;
  }
  out += R"({"status":"unknown"})";
}

void side_obj(std::string& out, const SideInfo& s) {
  out += R"({"file":)";
  str(out, s.file);
  out += R"(,"host":)";
  opt_str(out, s.host);
  out += R"(,"command":[)";
  for (std::size_t i = 0; i < s.command.size(); ++i) {
    if (i) out.push_back(',');
    str(out, s.command[i]);
  }
  out += R"(],"exit":)";
  exit_obj(out, s.exit);
  out.push_back('}');
}

void div_side(std::string& out, const std::optional<DivSide>& s) {
  if (!s) {
    out += "null";
    return;
  }
  out += R"({"call":)";
  str(out, s->call);
  out += R"(,"path":)";
  opt_str(out, s->path);
  out += R"(,"result":)";
  opt_str(out, s->result);
  out += R"(,"errno":)";
  if (s->err) str(out, *s->err);
  else out += "null";
  out.push_back('}');
}

}  // namespace

std::string diff_to_json(const DiffResult& r) {
  std::string out;
  out.reserve(256 + r.divergences.size() * 400);
  out += R"({"version":1,"good":)";
  side_obj(out, r.good_info);
  out += R"(,"bad":)";
  side_obj(out, r.bad_info);
  out += R"(,"divergences":[)";
  for (std::size_t i = 0; i < r.divergences.size(); ++i) {
    const Divergence& d = r.divergences[i];
    if (i) out.push_back(',');
    out += "\n";
    fmt::format_to(std::back_inserter(out), R"({{"rank":{},"kind":"{}","significant":{},"process":)", d.rank,
                   to_string(d.kind), d.significant ? "true" : "false");
    opt_str(out, d.process);
    out += R"(,"syscall":)";
    opt_str(out, d.kind == DivKind::Env ? std::string() : d.syscall);
    out += R"(,"good":)";
    div_side(out, d.good);
    out += R"(,"bad":)";
    div_side(out, d.bad);
    out += R"(,"explanation":)";
    str(out, d.explanation);
    out.push_back('}');
  }
  out += "]}\n";
  return out;
}

}  // namespace tracediff
