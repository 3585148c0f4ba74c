// diff_to_json(): the versioned contract of docs/diff-format.md. Written by
// hand (like the trace writer) so the key order is fixed and documented.
#include <fmt/format.h>

#include "model/text.h"
#include "diff/diff.h"
#include "display/format.h"

namespace tracediff::diff {
namespace {

void str(std::string& out, std::string_view s) { append_json_text(out, s); }

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
  out += R"(,"target":)";
  opt_str(out, s->target);
  out.push_back('}');
}

void str_array(std::string& out, const std::vector<std::string>& v) {
  out.push_back('[');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    str(out, v[i]);
  }
  out.push_back(']');
}

}  // namespace

void write_diff_json(const DiffResult& r, const std::function<void(std::string_view)>& sink) {
  // Pieces of about this size go to the sink.
  constexpr std::size_t kPiece = 1 << 16;
  std::string out;
  out.reserve(2 * kPiece);
  out += R"({"version":3,"good":)";
  side_obj(out, r.good_info);
  out += R"(,"bad":)";
  side_obj(out, r.bad_info);
  out += R"(,"runs":{"good":)";
  str_array(out, r.runs.good_files);
  out += R"(,"bad":)";
  str_array(out, r.runs.bad_files);
  fmt::format_to(std::back_inserter(out), R"(,"learned_noise":{},"folded":{},"standing":{}}})", r.runs.learned_noise,
                 r.runs.folded, r.standing_count());
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
    out += R"(,"field":)";
    opt_str(out, d.field);
    out += R"(,"evidence":)";
    str_array(out, d.evidence);
    out += R"(,"why":)";
    opt_str(out, d.why);
    out += R"(,"candidates":)";
    str_array(out, d.candidates);
    out += R"(,"follows":)";
    out += d.follows ? std::to_string(d.follows) : "null";
    fmt::format_to(std::back_inserter(out), R"(,"consequences":{},"consequence_summary":)", d.consequences);
    opt_str(out, d.consequence_summary);
    out += R"(,"reason":)";
    opt_str(out, d.reason);
    fmt::format_to(std::back_inserter(out), R"(,"bad_runs":{},"good_runs":{},"seen":)", d.bad_runs, d.good_runs);
    opt_str(out, d.seen);
    out.push_back('}');
    if (out.size() >= kPiece) {
      sink(out);
      out.clear();
    }
  }
  out += "],\"notes\":[";
  for (std::size_t i = 0; i < r.notes.size(); ++i) {
    if (i) out.push_back(',');
    str(out, r.notes[i]);
  }
  out += "]}\n";
  sink(out);
}

std::string diff_to_json(const DiffResult& r) {
  std::string all;
  write_diff_json(r, [&](std::string_view piece) { all += piece; });
  return all;
}

}  // namespace tracediff::diff
