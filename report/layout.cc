#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "report/detail.h"
#include "display/format.h"

namespace tracediff::report::detail {

namespace {

constexpr std::string_view kEllipsis = "…";

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/// Byte offsets where each code point starts, plus s.size() at the end.
std::vector<std::size_t> code_points(std::string_view s) {
  std::vector<std::size_t> cps;
  cps.reserve(s.size() + 1);
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!is_continuation(static_cast<unsigned char>(s[i]))) cps.push_back(i);
  cps.push_back(s.size());
  return cps;
}

/// Middle shortening of an unquoted string.
std::string shorten_plain(std::string_view s, std::size_t width) {
  std::vector<std::size_t> cps = code_points(s);
  std::size_t n = cps.size() - 1;
  if (n <= width) return std::string(s);
  if (width == 0) return "";
  if (width == 1) return std::string(kEllipsis);
  std::size_t keep = width - 1;
  // The tail is worth more than the head ("/very/lo…/config.json").
  std::size_t tail = (keep * 3 + 4) / 5;
  std::size_t head = keep - tail;
  // Start the tail at a path separator when one is near, so that it reads
  // as whole components ("…/config.json", not "…g/config.json").
  for (std::size_t k = 1; k <= tail / 3 && k < tail; ++k) {
    if (s[cps[n - tail + k]] == '/') {
      tail -= k;
      head += k;
      break;
    }
  }
  std::string out(s.substr(0, cps[head]));
  out += kEllipsis;
  out += s.substr(cps[n - tail]);
  return out;
}

/// Smallest cap an argument is shortened to before wrapping takes over:
/// below this a path stops saying which file it is ("/usr/s…/libc.mo").
constexpr std::size_t kMinCap = 20;

std::vector<std::string> format_args(const Event& e) {
  display::FormatOptions fo;
  fo.show_pid = false;
  std::vector<std::string> out;
  out.reserve(e.args.size());
  for (const Arg& a : e.args) out.push_back(display::format_arg(a, fo));
  return out;
}

/// A result in two parts: the value with its fd annotation (which may be
/// shortened like an argument) and the rest (errno, notes) which may not.
struct ResultText {
  std::string head, tail;
};

ResultText result_text(const Event& e) {
  display::FormatOptions fo;
  fo.show_pid = false;
  fo.show_refs = false;
  Result res = e.result;
  // The errno's text repeats its name at twice the width; the name is what
  // people search for. Other notes ("Timeout", "flags O_RDWR") stay.
  if (!res.err.empty() && !res.note.empty()) {
    int num = res.errnum ? res.errnum : errno_number(res.err);
    if (num && res.note == std::strerror(num)) res.note.clear();
  }
  std::string all = display::format_result(res, fo);
  if (res.state != ResultState::Returned) return {all, ""};
  std::string value = res.str.empty() ? fmt::format("{}", res.value) : res.str.str();
  if (!all.starts_with(value)) return {all, ""};
  ResultText out{value, all.substr(value.size())};
  // openat(..., "/etc/x", ...) = 3</etc/x> says the path twice; once is
  // enough in a column.
  bool repeats_path = false;
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::Path && (a.str == res.ref || a.abs == res.ref)) repeats_path = true;
  if (!res.ref.empty() && !repeats_path) out.head += "<" + res.ref + ">";
  return out;
}

std::string assemble(const Event& e, const std::vector<std::string>& args, const ResultText& result,
                     std::size_t cap) {
  std::string out = e.name;
  out.push_back('(');
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) out += ", ";
    out += cap ? shorten_arg(args[i], cap) : args[i];
  }
  out += ") = ";
  out += cap ? shorten_arg(result.head, cap) : result.head;
  out += result.tail;
  return out;
}

std::size_t longest(const std::vector<std::string>& args) {
  std::size_t m = 0;
  for (const std::string& a : args) m = std::max(m, display_width(a));
  return m;
}

}  // namespace

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += !is_continuation(static_cast<unsigned char>(c));
  return n;
}

std::string shorten_middle(std::string_view s, std::size_t width) {
  if (display_width(s) <= width) return std::string(s);
  // A quoted string keeps its quotes (and strace's "..." after them), so it
  // still reads as a string.
  if (s.size() >= 2 && s.front() == '"') {
    std::size_t q = s.rfind('"');
    if (q > 0) {
      std::string_view inner = s.substr(1, q - 1), suffix = s.substr(q);
      std::size_t fixed = 1 + display_width(suffix);
      if (width > fixed + 1) return "\"" + shorten_plain(inner, width - fixed) + std::string(suffix);
    }
  }
  return shorten_plain(s, width);
}

std::string shorten_arg(std::string_view s, std::size_t width) {
  if (display_width(s) <= width) return std::string(s);
  // "3</etc/passwd>": keep the number and the brackets, shorten the path.
  std::size_t lt = s.find('<');
  if (lt != std::string_view::npos && lt > 0 && s.back() == '>' &&
      s.substr(0, lt).find_first_not_of("0123456789-") == std::string_view::npos) {
    std::size_t fixed = lt + 2;
    if (width > fixed + 2) return std::string(s.substr(0, lt + 1)) + shorten_plain(s.substr(lt + 1, s.size() - lt - 2), width - fixed) + ">";
  }
  return shorten_middle(s, width);
}

std::string pad_right(std::string_view s, std::size_t width) {
  std::string out(s);
  std::size_t w = display_width(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

std::vector<std::string> wrap_words(std::string_view s, std::size_t width) {
  std::vector<std::string> out;
  if (width == 0) width = 1;
  std::vector<std::size_t> cps = code_points(s);
  std::size_t n = cps.size() - 1;
  std::size_t i = 0;
  while (n - i > width) {
    // Break after the last space past the first quarter of the line, so
    // that arguments and errno names stay whole; else break hard.
    std::size_t cut = i + width;
    for (std::size_t k = i + width; k > i + width / 4; --k) {
      if (s[cps[k - 1]] == ' ') {
        cut = k;
        break;
      }
    }
    std::string piece(s.substr(cps[i], cps[cut] - cps[i]));
    while (!piece.empty() && piece.back() == ' ') piece.pop_back();
    out.push_back(std::move(piece));
    i = cut;
    while (i < n && s[cps[i]] == ' ') ++i;
  }
  out.emplace_back(s.substr(cps[i]));
  return out;
}

std::vector<std::string> wrap(std::string_view s, std::size_t width) {
  std::vector<std::string> out;
  if (width == 0) width = 1;
  std::vector<std::size_t> cps = code_points(s);
  std::size_t n = cps.size() - 1;
  for (std::size_t i = 0; i < n; i += width) {
    std::size_t j = std::min(n, i + width);
    out.emplace_back(s.substr(cps[i], cps[j] - cps[i]));
  }
  if (out.empty()) out.emplace_back();
  return out;
}

std::string call_text(const Event& e, std::size_t cap) {
  if (e.type != EventType::Syscall) {
    display::FormatOptions fo;
    fo.show_pid = false;
    return display::format_event(e, fo);
  }
  return assemble(e, format_args(e), result_text(e), cap);
}

void fit_pair(const Event* good, const Event* bad, std::size_t width, std::vector<std::string>& good_lines,
              std::vector<std::string>& bad_lines) {
  good_lines.clear();
  bad_lines.clear();
  struct Side {
    const Event* e;
    std::vector<std::string> args;
    ResultText result;
    std::string full;
  };
  Side sides[2] = {{good, {}, {}, {}}, {bad, {}, {}, {}}};
  bool overflow = false;
  std::size_t max_arg = 0;
  for (Side& s : sides) {
    if (!s.e) continue;
    if (s.e->type == EventType::Syscall) {
      s.args = format_args(*s.e);
      s.result = result_text(*s.e);
      s.full = assemble(*s.e, s.args, s.result, 0);
      max_arg = std::max({max_arg, longest(s.args), display_width(s.result.head)});
    } else {
      s.full = call_text(*s.e);
    }
    overflow = overflow || display_width(s.full) > width;
  }
  std::size_t cap = 0;
  if (overflow && max_arg > kMinCap) {
    // The largest cap with which both sides fit; the same cap on both
    // sides keeps equal arguments equal.
    auto fits = [&](std::size_t c) {
      for (Side& s : sides)
        if (s.e && s.e->type == EventType::Syscall && display_width(assemble(*s.e, s.args, s.result, c)) > width)
          return false;
      return true;
    };
    std::size_t lo = kMinCap, hi = max_arg;  // fits(hi) is false
    if (!fits(lo)) {
      // It wraps whatever the cap: shortening further would lose text
      // without saving a line, so arguments only shrink to one line each.
      cap = std::max(kMinCap, width > 2 ? width - 2 : width);  // room for ", "
      if (cap >= max_arg) cap = 0;
    } else {
      while (hi - lo > 1) {
        std::size_t mid = (lo + hi) / 2;
        (fits(mid) ? lo : hi) = mid;
      }
      cap = lo;
    }
  }
  for (int i = 0; i < 2; ++i) {
    Side& s = sides[i];
    if (!s.e) continue;
    std::string text = cap && s.e->type == EventType::Syscall ? assemble(*s.e, s.args, s.result, cap) : s.full;
    (i == 0 ? good_lines : bad_lines) = wrap_words(text, width);
  }
}

bool row_quiet(const DiffResult& r, const AlignedRow& row) {
  if (row.divergence < 0 || static_cast<std::size_t>(row.divergence) >= r.divergences.size()) return false;
  const Divergence& d = r.divergences[row.divergence];
  return d.benign || !d.significant;
}

bool row_differs(const AlignedRow& row) { return row.op != AlignedRow::Same || row.divergence >= 0; }

char row_marker(const AlignedRow& row) {
  switch (row.op) {
    case AlignedRow::OnlyGood: return '<';
    case AlignedRow::OnlyBad: return '>';
    default: return '|';
  }
}

bool row_shown(const DiffResult& r, const AlignedRow& row, bool all) {
  if (!row_differs(row)) return false;
  return all || !row_quiet(r, row);
}

std::vector<Hunk> hunks_around(std::size_t n, const std::vector<std::size_t>& centers, std::size_t context) {
  std::vector<Hunk> out;
  for (std::size_t i : centers) {
    if (i >= n) continue;
    std::size_t b = i > context ? i - context : 0;
    std::size_t e = std::min(n, i + context + 1);
    if (!out.empty() && b <= out.back().end) out.back().end = std::max(out.back().end, e);
    else out.push_back({b, e});
  }
  return out;
}

std::vector<Hunk> hunks(const DiffResult& r, const TaskPair& p, std::size_t context, bool all) {
  std::vector<std::size_t> centers;
  for (std::size_t i = 0; i < p.rows.size(); ++i)
    if (row_shown(r, p.rows[i], all)) centers.push_back(i);
  return hunks_around(p.rows.size(), centers, context);
}

std::size_t shown_count(const DiffResult& r, const TaskPair& p, bool all) {
  std::size_t n = 0;
  for (const AlignedRow& row : p.rows) n += row_shown(r, row, all);
  return n;
}

std::string pair_title(const TaskPair& p) { return p.name.empty() ? std::string("(unnamed task)") : p.name; }

std::string side_summary(const TaskPair& p, bool good) {
  std::int32_t tid = good ? p.good_tid : p.bad_tid;
  if (tid == 0) return "absent";
  const std::string& cmd = good ? p.good_command : p.bad_command;
  const ExitStatus& ex = good ? p.good_exit : p.bad_exit;
  std::string out = cmd.empty() ? fmt::format("task {}", tid) : cmd;
  return fmt::format("{} ({})", out, ex.describe());
}

std::string side_call(const DiffResult& r, const Divergence& d, bool good) {
  const std::optional<DivSide>& s = good ? d.good : d.bad;
  if (!s) return "";
  const diff::SideTrace& t = good ? r.good : r.bad;
  if (s->has_event && s->event < t.events.size())
    return call_text(s->shown.name.empty() ? t.events[s->event] : s->shown);
  return s->call;
}

std::string runs_line(const DiffResult& r) {
  std::vector<std::string> parts;
  const diff::RunStats& s = r.runs;
  if (s.good_files.size() > 1 || s.bad_files.size() > 1)
    parts.push_back(fmt::format("runs: {} good, {} bad", s.good_files.size(), s.bad_files.size()));
  if (s.good_files.size() > 1)
    parts.push_back(fmt::format("{} place{} learned as noise (they vary between good runs)", s.learned_noise,
                                s.learned_noise == 1 ? "" : "s"));
  if (s.folded)
    parts.push_back(fmt::format("{} divergence{} folded under {} cause", s.folded, s.folded == 1 ? "" : "s",
                                s.folded == 1 ? "its" : "their"));
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string consequences_line(const Divergence& d) {
  if (!d.consequences) return "";
  std::string out = fmt::format("and {} call{} that follow{} from it", d.consequences, d.consequences == 1 ? "" : "s",
                                d.consequences == 1 ? "s" : "");
  if (!d.consequence_summary.empty()) out += ": " + d.consequence_summary;
  return out;
}

std::string explain(const Divergence& d) {
  if (!d.explanation.empty()) return d.explanation;
  std::string where = d.process.empty() ? "" : fmt::format(" in {}", d.process);
  auto res = [](const std::optional<DivSide>& s) {
    if (!s) return std::string("nothing");
    return s->err ? fmt::format("{} {}", s->result, *s->err) : s->result;
  };
  switch (d.kind) {
    case DivKind::Result:
      return fmt::format("{}{} returned {} on the good side but {} on the bad side.", d.syscall, where, res(d.good),
                         res(d.bad));
    case DivKind::Path: return fmt::format("{}{} used a different path on each side.", d.syscall, where);
    case DivKind::OnlyGood: return fmt::format("{}{} happened only on the good side.", d.syscall, where);
    case DivKind::OnlyBad: return fmt::format("{}{} happened only on the bad side.", d.syscall, where);
    case DivKind::Exit: return fmt::format("The process{} ended differently.", where);
    case DivKind::Env: return "The environment differs.";
    case DivKind::Data: return fmt::format("{}{} read or wrote different data.", d.syscall, where);
  }
  return "";
}

std::string join_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out.push_back(' ');
    bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?") == std::string::npos;
    if (plain) {
      out += a;
    } else {
      out.push_back('\'');
      for (char c : a) {
        if (c == '\'') out += "'\\''";
        else out.push_back(c);
      }
      out.push_back('\'');
    }
  }
  return out;
}

}  // namespace tracediff::report::detail
