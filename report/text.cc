// The terminal report. Reading order: the two sides, the most likely cause
// with both calls, the environment differences, the next divergences, then
// every process pair's side-by-side hunks. Everything fits opt.width; long
// values shrink in their middle and what cannot shrink wraps.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/detail.h"
#include "report/report.h"

namespace tracediff::report {

namespace {

using namespace detail;

/// Narrowest layout the report supports: two columns of 18 plus the gutter.
constexpr unsigned kMinWidth = 40;
/// How many divergences after the first the summary lists before "N more":
/// enough to see a pattern, few enough to stay on the first screen.
constexpr std::size_t kSummaryMax = 8;
/// Calls listed for a process that exists on one side only.
constexpr std::size_t kOneSidedCalls = 5;
/// Longest explanation shown (a lookup may list a thousand paths): the
/// middle gives way to "…", the JSON has the whole text. A few lines for
/// the cause, two for each of the others.
constexpr std::size_t kCauseChars = 600;
constexpr std::size_t kSummaryChars = 240;
/// Divergences a hunk header names before "and N more".
constexpr std::size_t kHunkTags = 4;
/// Names listed in the "same on both sides" line before "and N more".
constexpr std::size_t kSameNamesMax = 10;

class TextReport {
 public:
  TextReport(const DiffResult& r, const ReportOptions& opt)
      : r_(r), opt_(opt), width_(std::max(opt.width, kMinWidth)) {}

  std::string render() {
    if (opt_.first_only) {
      first_only();
      return std::move(out_);
    }
    header();
    cause();
    environment();
    summary();
    processes();
    return std::move(out_);
  }

 private:
  // --- styling -------------------------------------------------------------
  std::string style(std::string_view s, const char* code) const {
    if (!opt_.color || s.empty()) return std::string(s);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, s);
  }
  std::string bold(std::string_view s) const { return style(s, "1"); }
  std::string good_style(std::string_view s) const { return style(s, "32"); }
  std::string bad_style(std::string_view s) const { return style(s, "31"); }
  std::string mark_style(std::string_view s) const { return style(s, "1;33"); }
  std::string dim(std::string_view s) const { return style(s, "2"); }

  void line(std::string_view s = {}) {
    out_ += s;
    // No trailing blanks: they only make diffs of reports noisy.
    while (!out_.empty() && out_.back() == ' ') out_.pop_back();
    out_.push_back('\n');
  }

  void heading(std::string_view s) {
    line();
    line(bold(s));
  }

  using Style = std::string (TextReport::*)(std::string_view) const;

  /// Prose wrapped at word boundaries with `indent` spaces before each
  /// line; `head` replaces the indent of the first line (a hanging indent).
  void prose(std::string_view text, std::size_t indent, Style st = nullptr, std::string_view head = {}) {
    std::size_t avail = width_ > indent + 10 ? width_ - indent : 10;
    std::string cur;
    bool first = true;
    std::size_t i = 0;
    auto flush = [&] {
      std::string lead = first && !head.empty() ? pad_right(head, indent) : std::string(indent, ' ');
      line(lead + (st ? (this->*st)(cur) : cur));
      cur.clear();
      first = false;
    };
    while (i < text.size()) {
      std::size_t j = text.find(' ', i);
      if (j == std::string_view::npos) j = text.size();
      std::string_view word = text.substr(i, j - i);
      i = j + 1;
      if (word.empty()) continue;
      std::size_t need = display_width(cur) + (cur.empty() ? 0 : 1) + display_width(word);
      if (need > avail && !cur.empty()) flush();
      // A word longer than the line (a path) is shortened, not cut.
      std::string w = display_width(word) > avail ? shorten_middle(word, avail) : std::string(word);
      if (!cur.empty()) cur.push_back(' ');
      cur += w;
    }
    if (!cur.empty() || first) flush();
  }

  /// Two values side by side under the good and bad columns, each wrapped
  /// within its column; `differ` marks the row.
  void columns(std::string_view label, std::size_t lw, std::string_view gv, std::string_view bv, bool differ,
               std::size_t cw) {
    std::vector<std::string> gl = wrap_words(gv, cw), bl = wrap_words(bv, cw);
    std::size_t n = std::max(gl.size(), bl.size());
    for (std::size_t i = 0; i < n; ++i) {
      std::string g = i < gl.size() ? gl[i] : "", b = i < bl.size() ? bl[i] : "";
      std::string gs = differ ? good_style(g) : g, bs = differ ? bad_style(b) : b;
      std::string m = differ && i == 0 ? mark_style("|") : " ";
      line(fmt::format("  {}{} {} {}", pad_right(i ? "" : label, lw), pad_right(gs, cw + (display_width(gs) - display_width(g))),
                       m, bs));
    }
  }

  /// `label` then a value that wraps under itself.
  void labelled(std::string_view label, std::size_t label_width, std::string_view value,
                Style st = nullptr) {
    std::size_t avail = width_ > label_width + 12 ? width_ - label_width : 12;
    std::vector<std::string> pieces = wrap_words(value, avail);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      std::string lab = i == 0 ? pad_right(label, label_width) : std::string(label_width, ' ');
      line(lab + (st ? (this->*st)(pieces[i]) : pieces[i]));
    }
  }

  // --- sections ------------------------------------------------------------
  void header() {
    const SideInfo& g = r_.good_info;
    const SideInfo& b = r_.bad_info;
    prose(fmt::format("tracediff: {} (good) vs {} (bad)", g.file, b.file), 0, &TextReport::bold);
    std::size_t lw = 11;
    std::size_t cw = (width_ - 2 - lw - 3) / 2;
    auto row = [&](std::string_view label, const std::string& gv, const std::string& bv, bool differ) {
      columns(label, lw, gv, bv, differ, cw);
    };
    line();
    line(fmt::format("  {}{}   {}", std::string(lw, ' '), pad_right(bold("good"), cw + styled_extra("good", true, "1")),
                     bold("bad")));
    auto sys = [](const SideInfo& s) {
      std::string os = s.os.empty() ? "" : s.os;
      std::string k = s.kernel.empty() ? "" : "Linux " + s.kernel;
      if (os.empty() && k.empty()) return std::string("unknown");
      if (os.empty() || k.empty()) return os + k;
      return os + ", " + k;
    };
    auto known = [](const std::string& s) { return s.empty() ? std::string("unknown") : s; };
    auto cmd = [](const SideInfo& s) { return s.command.empty() ? std::string("unknown") : join_command(s.command); };
    row("file", g.file, b.file, false);
    row("host", known(g.host), known(b.host), g.host != b.host);
    row("system", sys(g), sys(b), sys(g) != sys(b));
    row("command", cmd(g), cmd(b), g.command != b.command);
    row("exit", g.exit.describe(), b.exit.describe(), !(g.exit == b.exit));
    if (g.source != b.source && !g.source.empty() && !b.source.empty())
      row("source", g.source, b.source, true);
    if (std::string runs = runs_line(r_); !runs.empty()) prose(runs, 2);
    for (const std::string& n : r_.notes) prose("note: " + n, 2);
  }

  /// Bytes of escape codes that styling adds (padding counts columns of
  /// the styled string, so the escapes are added to the width).
  std::size_t styled_extra(std::string_view s, bool styled, const char* code = "32") const {
    if (!opt_.color || !styled || s.empty()) return 0;
    return display_width(style(s, code)) - display_width(s);
  }

  const Divergence* most_likely() const {
    for (const Divergence& d : r_.divergences)
      if (d.significant && !d.benign) return &d;
    return nullptr;
  }

  std::size_t quiet_count() const {
    std::size_t n = 0;
    for (const Divergence& d : r_.divergences) n += d.benign || !d.significant;
    return n;
  }

  std::size_t folded_count() const {
    std::size_t n = 0;
    for (const Divergence& d : r_.divergences) n += d.significant && !d.benign && d.follows;
    return n;
  }

  void hidden_lines(std::size_t quiet) {
    if (opt_.all) return;
    if (std::size_t f = folded_count())
      prose(fmt::format("{} divergence{} that follow{} from {} cause hidden (--all shows them).", f, f == 1 ? "" : "s",
                        f == 1 ? "s" : "", f == 1 ? "its" : "their"),
            2);
    if (quiet)
      prose(fmt::format("{} benign or insignificant divergence{} hidden (--all shows them).", quiet, quiet == 1 ? "" : "s"),
            2);
  }

  void cause_body(const Divergence& d) {
    prose(shorten_middle(explain(d), kCauseChars), 2);
    std::size_t lw = 8;
    std::string gc = side_call(r_, d, true), bc = side_call(r_, d, false);
    // The two calls are shortened together so that what is equal stays
    // equal; the cause is worth a line each even on a narrow terminal.
    const Event* ge = event_of(d, true);
    const Event* be = event_of(d, false);
    std::vector<std::string> gl, bl;
    std::size_t avail = width_ - lw;
    if (ge || be) fit_pair(ge, be, avail, gl, bl);
    if (!ge) gl = wrap_words(gc.empty() ? "(no such call)" : gc, avail);
    if (!be) bl = wrap_words(bc.empty() ? "(no such call)" : bc, avail);
    for (std::size_t i = 0; i < gl.size(); ++i)
      line(pad_right(i ? "" : "  good", lw) + good_style(gl[i]));
    for (std::size_t i = 0; i < bl.size(); ++i)
      line(pad_right(i ? "" : "  bad", lw) + bad_style(bl[i]));
    // The candidates, unless the explanation already names them all.
    bool named = !d.candidates.empty();
    for (const std::string& c : d.candidates) named = named && explain(d).find(c) != std::string::npos;
    if (!d.candidates.empty() && !named) {
      std::string tried;
      for (const std::string& c : d.candidates) tried += (tried.empty() ? "" : ", ") + c;
      labelled("  tried", lw, tried);
    }
    if (d.pair >= 0 && static_cast<std::size_t>(d.pair) < r_.pairs.size())
      labelled("  where", lw,
               fmt::format("{}, row {} (below)", pair_title(r_.pairs[d.pair]), d.row + 1));
    if (!d.seen.empty()) labelled("  seen", lw, d.seen);
    if (d.consequences) prose(consequences_line(d) + (opt_.all ? "" : " (--all lists them)"), 2);
  }

  const Event* event_of(const Divergence& d, bool good) const {
    const std::optional<DivSide>& s = good ? d.good : d.bad;
    const diff::SideTrace& t = good ? r_.good : r_.bad;
    // As recorded (s->shown) when the differ filled it in; a result built
    // by hand may have only the normalized event.
    if (s && s->has_event && s->event < t.events.size()) return s->shown.name.empty() ? &t.events[s->event] : &s->shown;
    return nullptr;
  }

  void cause() {
    const Divergence* d = most_likely();
    if (!d) {
      heading("No significant divergence");
      std::size_t q = quiet_count();
      if (q) prose(fmt::format("The traces differ only in {} benign or insignificant way{}{}.", q, q == 1 ? "" : "s",
                               opt_.all ? " (listed below)" : " (--all shows them)"),
                   2);
      else prose("Once normalized, both sides made the same calls with the same results.", 2);
      return;
    }
    line();
    prose(fmt::format("Most likely cause (#{} {}{})", d->rank, to_string(d->kind), d->process.empty() ? "" : ", " + d->process),
          0, &TextReport::bold);
    cause_body(*d);
  }

  void first_only() {
    const Divergence* d = most_likely();
    if (!d) {
      line("No significant divergence.");
      return;
    }
    prose(fmt::format("Most likely cause (#{} {}{})", d->rank, to_string(d->kind), d->process.empty() ? "" : ", " + d->process),
          0, &TextReport::bold);
    cause_body(*d);
  }

  void environment() {
    std::vector<const EnvChange*> sig, quiet;
    for (const EnvChange& c : r_.env) (c.significant ? sig : quiet).push_back(&c);
    if (sig.empty() && quiet.empty()) return;
    heading("Environment differences");
    auto key_of = [](const EnvChange& c) {
      return c.key == c.category || c.key.empty() ? c.category : c.category + " " + c.key;
    };
    std::size_t kw = 0;
    for (const EnvChange& c : r_.env) kw = std::max(kw, display_width(key_of(c)));
    kw = std::min<std::size_t>(kw, width_ / 4);
    std::size_t prefix = 4 + kw + 1;
    std::size_t cw = (width_ - prefix - 3) / 2;
    auto list = [&](const std::vector<const EnvChange*>& cs) {
      for (const EnvChange* c : cs) {
        // + only on the bad side, - only on the good side, ~ changed.
        char m = !c->good ? '+' : !c->bad ? '-' : '~';
        std::string gv = c->good ? shorten_middle(*c->good, cw) : "(absent)";
        std::string bv = c->bad ? shorten_middle(*c->bad, cw) : "(absent)";
        std::string gs = c->good ? good_style(gv) : dim(gv);
        std::string bs = c->bad ? bad_style(bv) : dim(bv);
        line(fmt::format("  {} {} {} | {}", mark_style(std::string(1, m)), pad_right(shorten_middle(key_of(*c), kw), kw),
                         pad_right(gs, cw + (display_width(gs) - display_width(gv))), bs));
      }
    };
    list(sig);
    if (quiet.empty()) return;
    if (!opt_.all) {
      prose(fmt::format("{} insignificant difference{} hidden (--all shows them).", quiet.size(), quiet.size() == 1 ? "" : "s"),
            2);
      return;
    }
    prose("insignificant:", 2, &TextReport::dim);
    list(quiet);
  }

  void summary() {
    const Divergence* first = most_likely();
    std::vector<const Divergence*> rest;
    for (const Divergence& d : r_.divergences) {
      if (&d == first) continue;
      if (opt_.all || (d.significant && !d.benign && !d.follows)) rest.push_back(&d);
    }
    std::size_t q = quiet_count();
    if (rest.empty()) {
      if (first && (q || folded_count()) && !opt_.all) {
        line();
        hidden_lines(q);
      }
      return;
    }
    heading("Other divergences");
    // Divergences that say the same thing (a loop failing the same way a
    // thousand times) are one line with a count, so the list shows variety.
    struct Group {
      const Divergence* first;
      std::size_t count;
    };
    std::vector<Group> groups;
    std::map<std::string, std::size_t> by_text;
    for (const Divergence* d : rest) {
      std::string key = d->process + "\n" + to_string(d->kind) + "\n" + explain(*d);
      auto [it, fresh] = by_text.emplace(key, groups.size());
      if (fresh) groups.push_back({d, 1});
      else ++groups[it->second].count;
    }
    std::size_t n = std::min(groups.size(), kSummaryMax);
    for (std::size_t i = 0; i < n; ++i) {
      const Divergence& d = *groups[i].first;
      std::string tag = fmt::format("#{} {}", d.rank, to_string(d.kind));
      std::string text = shorten_middle(explain(d), kSummaryChars);
      if (d.benign) text += " (benign)";
      else if (!d.reason.empty()) text += " (" + d.reason + ")";
      else if (!d.significant) text += " (insignificant)";
      else if (d.follows) text += fmt::format(" (follows from #{})", d.follows);
      if (groups[i].count > 1) text += fmt::format(" [{} times]", groups[i].count);
      if (!d.seen.empty() && d.significant && r_.runs.bad_files.size() > 1) text += " (" + d.seen + ")";
      if (d.consequences) text += "; " + consequences_line(d);
      std::string head = fmt::format("  {:<16} ", tag);
      std::string who = d.process.empty() ? "" : d.process + ": ";
      prose(who + text, display_width(head), d.benign || !d.significant ? &TextReport::dim : nullptr, head);
    }
    std::size_t more = 0;
    for (std::size_t i = n; i < groups.size(); ++i) more += groups[i].count;
    if (more) prose(fmt::format("... and {} more (see the processes below).", more), 2);
    hidden_lines(q);
  }

  // --- processes -----------------------------------------------------------
  void processes() {
    if (r_.pairs.empty()) return;
    std::vector<std::string> same;
    for (std::size_t i = 0; i < r_.pairs.size(); ++i) {
      const TaskPair& p = r_.pairs[i];
      if (p.good_tid == 0 || p.bad_tid == 0) {
        one_sided(p);
        continue;
      }
      bool exit_differs = !(p.good_exit == p.bad_exit);
      if (shown_count(r_, p, opt_.all) == 0 && !exit_differs) {
        same.push_back(pair_title(p));
        continue;
      }
      pair_section(p);
    }
    if (!same.empty()) {
      line();
      std::string names;
      for (std::size_t i = 0; i < same.size() && i < kSameNamesMax; ++i) names += (i ? ", " : "") + same[i];
      if (same.size() > kSameNamesMax) names += fmt::format(" and {} more", same.size() - kSameNamesMax);
      prose(fmt::format("Same on both sides ({} process{}): {}", same.size(), same.size() == 1 ? "" : "es", names), 0);
    }
  }

  void pair_heading(const TaskPair& p) {
    line();
    std::string title = fmt::format("== {} ", pair_title(p));
    if (p.divergence_count)
      title += fmt::format("({} divergence{}) ", p.divergence_count, p.divergence_count == 1 ? "" : "s");
    std::size_t w = display_width(title);
    if (w < width_) title.append(width_ - w, '=');
    line(bold(title));
    std::size_t lw = 6;
    labelled("good", lw, side_summary(p, true), p.good_tid ? &TextReport::good_style : &TextReport::dim);
    labelled("bad", lw, side_summary(p, false), p.bad_tid ? &TextReport::bad_style : &TextReport::dim);
    if (p.approximate) prose("note: aligned approximately (too large for the exact alignment)", 0);
  }

  void one_sided(const TaskPair& p) {
    bool good = p.good_tid != 0;
    pair_heading(p);
    std::string side = good ? "good" : "bad";
    prose(fmt::format("only on the {} side; its first calls:", side), 2);
    std::size_t shown = 0;
    std::size_t cw = width_ - 4;
    for (const AlignedRow& row : p.rows) {
      std::int64_t ev = good ? row.good : row.bad;
      const diff::SideTrace& t = good ? r_.good : r_.bad;
      if (ev < 0 || static_cast<std::size_t>(ev) >= t.events.size()) continue;
      if (shown == kOneSidedCalls) break;
      std::vector<std::string> gl, bl;
      const Event* e = &t.events[ev];
      fit_pair(good ? e : nullptr, good ? nullptr : e, cw, gl, bl);
      const std::vector<std::string>& ls = good ? gl : bl;
      for (std::size_t i = 0; i < ls.size(); ++i)
        line(fmt::format("  {} {}", i ? ' ' : (good ? '<' : '>'), good ? good_style(ls[i]) : bad_style(ls[i])));
      ++shown;
    }
    std::size_t total = 0;
    for (const AlignedRow& row : p.rows) total += (good ? row.good : row.bad) >= 0;
    if (total > shown) line(fmt::format("  ... {} more event{}", total - shown, total - shown == 1 ? "" : "s"));
  }

  void gap(std::size_t n) {
    if (n) line(dim(fmt::format("  ... {} same row{} ...", n, n == 1 ? "" : "s")));
  }

  void pair_section(const TaskPair& p) {
    pair_heading(p);
    std::vector<Hunk> hs = hunks(r_, p, opt_.context, opt_.all);
    std::size_t cw = (width_ - 3) / 2;
    std::size_t prev = 0;
    std::vector<std::string> gl, bl;
    for (const Hunk& h : hs) {
      gap(h.begin - prev);
      hunk_header(p, h);
      for (std::size_t i = h.begin; i < h.end; ++i) row(p.rows[i], cw, gl, bl);
      prev = h.end;
    }
    gap(p.rows.size() - prev);
  }

  void hunk_header(const TaskPair& p, const Hunk& h) {
    // Names the first few divergences in the hunk; a merged hunk can hold
    // thousands, and the header must stay one line of constant cost each.
    std::vector<int> named;
    std::size_t others = 0;
    int last = -1;
    for (std::size_t i = h.begin; i < h.end; ++i) {
      int d = p.rows[i].divergence;
      if (d < 0 || d == last || static_cast<std::size_t>(d) >= r_.divergences.size()) continue;
      if (!row_shown(r_, p.rows[i], opt_.all)) continue;
      last = d;
      if (std::find(named.begin(), named.end(), d) != named.end()) continue;
      if (named.size() < kHunkTags) named.push_back(d);
      else ++others;
    }
    std::string text = fmt::format("@@ rows {}-{} of {}", h.begin + 1, h.end, p.rows.size());
    for (std::size_t i = 0; i < named.size(); ++i) {
      const Divergence& dv = r_.divergences[named[i]];
      text += fmt::format("{}#{} {}", i ? ", " : ": ", dv.rank, to_string(dv.kind));
    }
    if (others) text += fmt::format(" and {} more", others);
    prose(text + " @@", 0, &TextReport::dim);
  }

  void row(const AlignedRow& row, std::size_t cw, std::vector<std::string>& gl, std::vector<std::string>& bl) {
    const Event* g = row.good >= 0 && static_cast<std::size_t>(row.good) < r_.good.events.size() ? &r_.good.events[row.good] : nullptr;
    const Event* b = row.bad >= 0 && static_cast<std::size_t>(row.bad) < r_.bad.events.size() ? &r_.bad.events[row.bad] : nullptr;
    fit_pair(g, b, cw, gl, bl);
    bool differs = row_differs(row);
    bool quiet = differs && row_quiet(r_, row);
    // The marker reads without colour: | changed, < good only, > bad only,
    // ~ a benign or insignificant difference.
    char m = ' ';
    if (differs) m = quiet ? '~' : row_marker(row);
    std::size_t n = std::max(gl.size(), bl.size());
    for (std::size_t i = 0; i < n; ++i) {
      std::string gs = i < gl.size() ? gl[i] : "";
      std::string bs = i < bl.size() ? bl[i] : "";
      std::string gst = gs, bst = bs;
      if (differs && !quiet) {
        gst = good_style(gs);
        bst = bad_style(bs);
      } else if (quiet) {
        gst = dim(gs);
        bst = dim(bs);
      }
      std::string mark = i == 0 ? (m == ' ' ? std::string(" ") : mark_style(std::string(1, m))) : std::string(" ");
      line(fmt::format("{} {} {}", pad_right(gst, cw + (display_width(gst) - display_width(gs))), mark, bst));
    }
  }

  const DiffResult& r_;
  const ReportOptions& opt_;
  std::size_t width_;
  std::string out_;
};

}  // namespace

std::string render_text(const DiffResult& r, const ReportOptions& opt) { return TextReport(r, opt).render(); }

}  // namespace tracediff::report
