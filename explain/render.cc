// Rendering an Explanation: terminal text and the JSON of docs/explain-format.md.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "model/text.h"
#include "explain/explain.h"
#include "model/paths.h"
#include "display/format.h"

namespace tracediff::explain {
namespace {

std::string where(const ExplainLink& l) {
  std::string s = l.pid ? fmt::format("pid {}", l.pid) : std::string("the traced process");
  if (!l.process.empty()) s += fmt::format(" ({})", l.process);
  if (l.line) s += fmt::format(", line {}", l.line);
  else s += fmt::format(", event {}", l.event);
  return s;
}

// A message as a C-like string: text (including UTF-8 in any language)
// as is, control bytes and bytes that are not UTF-8 as octal escapes, as
// strace writes them, so binary garbage never reaches the terminal raw.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\{:o}", u);
    else if (u < 0x80) out.push_back(c);
    else if (std::size_t n = utf8_sequence_length(s, i)) {
      out.append(s, i, n);
      i += n;
      continue;
    } else {
      out += fmt::format("\\{:o}", u);
    }
    ++i;
  }
  return out + "\"";
}

std::string id_list(const std::vector<std::uint32_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

void json_str(std::string& out, std::string_view s) { append_json_text(out, s); }

void json_field(std::string& out, const char* key, std::string_view v, bool& first) {
  if (!first) out.push_back(',');
  first = false;
  json_str(out, key);
  out.push_back(':');
  json_str(out, v);
}

template <typename T>
void json_num(std::string& out, const char* key, T v, bool& first) {
  if (!first) out.push_back(',');
  first = false;
  json_str(out, key);
  out += fmt::format(":{}", v);
}

void json_ids(std::string& out, const char* key, const std::vector<std::uint32_t>& v, bool& first) {
  if (!first) out.push_back(',');
  first = false;
  json_str(out, key);
  out += ":[" + id_list(v) + "]";
}



// The directories a search went through, without the loader's per-CPU
// variants (glibc-hwcaps/x86-64-v3, tls, x86_64) that make a list of 45
// paths out of five directories.
std::vector<std::string> search_dirs(const std::vector<std::string>& paths) {
  std::vector<std::string> dirs;
  for (const std::string& p : paths) {
    std::string d = p.substr(0, p.find_last_of('/'));
    for (bool again = true; again;) {
      again = false;
      std::string last = d.substr(d.find_last_of('/') + 1);
      std::string parent = d.substr(0, d.find_last_of('/'));
      if (last == "tls" || last == "x86_64" || last == "glibc-hwcaps" ||
          parent.ends_with("/glibc-hwcaps")) {
        d = parent;
        again = !d.empty();
      }
    }
    if (d.empty()) d = "/";
    if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
  }
  return dirs;
}

}  // namespace

std::string render_explanation_text(const Explanation& x, const std::string& trace_file) {
  std::string out = fmt::format("tracediff explain: {}\n", trace_file);
  constexpr const char* kPad = "          ";
  for (const ExplainLink& l : x.chain) {
    switch (l.kind) {
      case ExplainLink::Kind::Message:
        out += fmt::format("message   {}\n", quoted(l.text));
        out += fmt::format("{}written to {} by {}{}\n", kPad, l.channel, where(l),
                           l.exit.empty() ? std::string() : ", which " + l.exit);
        out += fmt::format("{}{}\n", kPad, l.call);
        break;
      case ExplainLink::Kind::Received:
        out += fmt::format("received  {}\n", l.call);
        out += fmt::format("{}by {}, from {}\n", kPad, where(l), l.channel);
        break;
      case ExplainLink::Kind::Sent:
        out += fmt::format("sent      {}\n", l.call);
        out += fmt::format("{}by {}, on {}\n", kPad, where(l), l.channel);
        break;
      case ExplainLink::Kind::Child:
        out += fmt::format("child     {}, which {}\n", where(l), l.exit);
        if (!l.text.empty()) out += fmt::format("{}and said {}\n", kPad, quoted(l.text));
        break;
      case ExplainLink::Kind::Cause:
        out += fmt::format("cause     {}\n", l.call);
        out += fmt::format("{}in {}\n", kPad, where(l));
        if (!l.path.empty())
          out += fmt::format("{}path    {}{}\n", kPad, l.path,
                             l.cwd.empty() ? std::string() : fmt::format("  (relative to the cwd {})", l.cwd));
        if (!l.err.empty())
          out += fmt::format("{}error   {}{}\n", kPad, l.err, l.err_text.empty() ? "" : " (" + l.err_text + ")");
        if (l.uid) {
          std::string c = fmt::format("uid {}", *l.uid);
          if (l.gid) c += fmt::format(" gid {}", *l.gid);
          if (l.groups) c += fmt::format(" groups [{}]", id_list(*l.groups));
          if (!l.creds_from.empty()) c += fmt::format("  ({})", l.creds_from == "header" ? "the recording's user"
                                                                  : l.creds_from == "snapshot" ? "at the call"
                                                                                               : "set by " + l.creds_from);
          out += fmt::format("{}caller  {}\n", kPad, c);
        }
        if (l.perm) {
          for (const PathComponent& c : l.perm->components) {
            if (c.exists)
              out += fmt::format("{}  {:<7} {:>11} {:04o}  {}{}\n", kPad, c.type, fmt::format("{}:{}", c.uid, c.gid),
                                 c.mode, c.path, c.readonly_mount ? "  (read-only mount)" : "");
            else
              out += fmt::format("{}  {:<7} {:>11} {:>4}  {}\n", kPad, "absent", "", "", c.path);
          }
        }
        if (!l.tried.empty()) {
          std::vector<std::string> dirs = search_dirs(l.tried);
          out += fmt::format("{}tried   {} in {} ({} paths)\n", kPad, basename_of(l.tried.front()),
                             fmt::join(dirs, ", "), l.tried.size());
        }
        if (!l.hint.empty()) out += fmt::format("{}why     {}\n", kPad, l.hint);
        break;
    }
  }
  for (const std::string& n : x.notes) out += fmt::format("note: {}\n", n);
  out += fmt::format("{}: {}\n", x.found ? "cause" : "no cause found", x.summary);
  return out;
}

std::string explanation_to_json(const Explanation& x, const std::string& trace_file) {
  std::string out = "{";
  bool first = true;
  json_num(out, "version", 1, first);
  json_field(out, "trace", trace_file, first);
  out += fmt::format(",\"found\":{}", x.found ? "true" : "false");
  json_field(out, "message", x.message, first);
  json_field(out, "summary", x.summary, first);
  out += ",\"chain\":[";
  for (std::size_t i = 0; i < x.chain.size(); ++i) {
    const ExplainLink& l = x.chain[i];
    if (i) out.push_back(',');
    out.push_back('{');
    bool f = true;
    json_field(out, "kind", to_string(l.kind), f);
    json_num(out, "pid", l.pid, f);
    json_num(out, "tid", l.tid, f);
    json_field(out, "process", l.process, f);
    json_num(out, "event", l.event, f);
    json_num(out, "line", l.line, f);
    json_field(out, "call", l.call, f);
    if (l.kind != ExplainLink::Kind::Cause) {
      json_field(out, "text", l.text, f);
      json_field(out, "channel", l.channel, f);
      if (!l.exit.empty()) json_field(out, "exit", l.exit, f);
    } else {
      json_field(out, "syscall", l.syscall, f);
      json_field(out, "path", l.path, f);
      json_field(out, "cwd", l.cwd, f);
      json_field(out, "errno", l.err, f);
      json_field(out, "error", l.err_text, f);
      if (l.uid) json_num(out, "uid", *l.uid, f);
      if (l.gid) json_num(out, "gid", *l.gid, f);
      if (l.groups) json_ids(out, "groups", *l.groups, f);
      if (!l.creds_from.empty()) json_field(out, "ids_from", l.creds_from, f);
      if (l.perm) {
        out += ",\"perm\":{";
        bool g = true;
        json_num(out, "uid", l.perm->uid, g);
        json_num(out, "gid", l.perm->gid, g);
        json_ids(out, "groups", l.perm->groups, g);
        out += ",\"components\":[";
        for (std::size_t k = 0; k < l.perm->components.size(); ++k) {
          const PathComponent& c = l.perm->components[k];
          if (k) out.push_back(',');
          out.push_back('{');
          bool h = true;
          json_field(out, "path", c.path, h);
          out += fmt::format(",\"exists\":{}", c.exists ? "true" : "false");
          json_field(out, "type", c.type, h);
          json_num(out, "uid", c.uid, h);
          json_num(out, "gid", c.gid, h);
          json_field(out, "mode", fmt::format("{:04o}", c.mode), h);
          out += fmt::format(",\"readonly_mount\":{}", c.readonly_mount ? "true" : "false");
          out.push_back('}');
        }
        out += "]}";
      }
      out += ",\"tried\":[";
      for (std::size_t k = 0; k < l.tried.size(); ++k) {
        if (k) out.push_back(',');
        json_str(out, l.tried[k]);
      }
      out.push_back(']');
      json_field(out, "hint", l.hint, f);
    }
    out.push_back('}');
  }
  out += "],\"notes\":[";
  for (std::size_t i = 0; i < x.notes.size(); ++i) {
    if (i) out.push_back(',');
    json_str(out, x.notes[i]);
  }
  out += "]}\n";
  return out;
}

}  // namespace tracediff::explain
