// The HTML report: one self-contained page (inline CSS and script, no
// network). Only hunks around divergences are emitted, with markers for
// the rows left out, so a pair of million-event traces still gives a page
// a browser opens at once. Every piece of trace text goes through escape().
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/detail.h"
#include "report/report.h"

namespace tracediff::report {

namespace {

using namespace detail;

/// Gaps of unchanged rows up to this size are emitted hidden and can be
/// expanded in place; longer ones only say how many rows they hold. Big
/// enough to read a function's worth of calls, small enough that a page
/// stays proportional to its divergences.
constexpr std::size_t kExpandableGap = 30;
/// Most divergent rows the page shows; past this it says how many more
/// there are and points to the JSON. A browser stays responsive with a
/// few tens of thousands of table rows.
constexpr std::size_t kMaxRows = 20000;

/// Characters of an explanation shown before the rest is folded away.
constexpr std::size_t kWhyChars = 300;
/// Divergences listed in the ranked table: the ones worth reading come
/// first, and a thousand is more than anyone reads.
constexpr std::size_t kMaxListed = 1000;

constexpr DivKind kAllKinds[] = {DivKind::Result, DivKind::Path, DivKind::OnlyGood, DivKind::OnlyBad,
                                 DivKind::Exit,   DivKind::Env,  DivKind::Data};

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

constexpr const char* kStyle = R"CSS(
:root{--good:#e6f4ea;--good-b:#1e7e34;--bad:#fdecea;--bad-b:#b3261e;--line:#d9dde3;--muted:#5f6b7a;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2328;background:var(--bg)}
main{max-width:1600px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:20px;margin:0 0 8px}
h2{font-size:16px;margin:0 0 8px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:14px 0}
code,.mono,td.call{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
table{border-collapse:collapse}
.sides{width:100%}
.sides th,.sides td{text-align:left;padding:3px 10px 3px 0;vertical-align:top}
.sides th{color:var(--muted);font-weight:600;width:90px}
.sides td{width:45%;word-break:break-all}
.sides td.differ.g{background:var(--good)}.sides td.differ.b{background:var(--bad)}
.cause{border:2px solid var(--bad-b);background:#fffafa}
.cause h2{color:var(--bad-b)}
.cause p.why{font-size:16px;margin:4px 0 10px}
.calls{width:100%}
.calls th{width:60px;text-align:left;color:var(--muted);padding:4px 8px 4px 0;vertical-align:top}
.calls td{padding:5px 8px;border-radius:4px;overflow-wrap:anywhere;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:13px}
.calls tr.g td{background:var(--good)}.calls tr.b td{background:var(--bad)}
.tried{color:var(--muted);margin:8px 0 0}
a{color:#0b57d0;text-decoration:none}a:hover{text-decoration:underline}
.jump{display:inline-block;margin-top:8px;font-weight:600}
.env{width:100%}.env th,.env td{text-align:left;padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:top}
.env td.v{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all;width:38%}
.env td.g{background:var(--good)}.env td.b{background:var(--bad)}.env td.absent{background:none;color:var(--muted);font-style:italic}
.mark{font-weight:700;color:#9a6700;text-align:center;width:18px}
.filters{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;margin:0 0 10px;padding:8px 10px;background:var(--bg);border-radius:6px}
.filters label{cursor:pointer;user-select:none}
.divwrap{max-height:460px;overflow:auto}
.times{display:inline-block;margin-left:6px;padding:0 6px;border-radius:10px;background:#eef1f5;font-size:12px;color:var(--muted)}
.divs{width:100%}.divs th,.divs td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
.divs th{color:var(--muted);font-weight:600}
.kind{display:inline-block;padding:0 6px;border-radius:10px;font-size:12px;background:#eef1f5;white-space:nowrap}
.k-result{background:#fde2e1}.k-path{background:#fff1c2}.k-only-good{background:#dff3e4}.k-only-bad{background:#fde2e1}
.k-exit{background:#e8defc}.k-env{background:#dbeafe}.k-data{background:#eef1f5}
tr.quiet,tbody.quiet tr{color:var(--muted)}
.hide-quiet .quiet{display:none}
.quiet-note{display:none;color:var(--muted)}.hide-quiet .quiet-note{display:block}
.hidden{display:none!important}
.tree ul{list-style:none;margin:0;padding-left:20px}.tree>ul{padding-left:0}
.tree li{margin:3px 0}
.tree .side{color:var(--muted)}
.count{display:inline-block;min-width:20px;padding:0 6px;border-radius:10px;background:var(--bad-b);color:#fff;font-size:12px;text-align:center}
.count.zero{background:#c9ced6}
.pair h2 a{color:inherit}
.pairsides{display:grid;grid-template-columns:1fr 1fr;gap:8px;margin:0 0 8px;font-size:13px}
.pairsides div{padding:4px 8px;border-radius:4px;background:var(--bg);word-break:break-all}
.sbs{width:100%;table-layout:fixed}
.sbs col.n{width:64px}.sbs col.m{width:22px}
.sbs th{text-align:left;color:var(--muted);font-weight:600;padding:2px 6px;border-bottom:1px solid var(--line)}
.sbs td{padding:1px 6px;vertical-align:top;border-bottom:1px solid #f0f2f5}
.sbs td.n{color:var(--muted);text-align:right;font-size:11px;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.sbs td.call{overflow-wrap:anywhere;white-space:pre-wrap}
tr.chg td.g,tr.og td.g{background:var(--good)}tr.chg td.b,tr.ob td.b{background:var(--bad)}
tr.chg td.g,tr.og td.g{box-shadow:inset 3px 0 var(--good-b)}tr.chg td.b,tr.ob td.b{box-shadow:inset 3px 0 var(--bad-b)}
tr.quiet td.g,tr.quiet td.b{background:#f3f4f6;box-shadow:none}
tr.target td{outline:2px solid #f9ab00;outline-offset:-2px}
tbody.gap td{color:var(--muted);text-align:center;font-style:italic;background:var(--bg);padding:3px}
tbody.gap td button{font:inherit;color:#0b57d0;background:none;border:0;cursor:pointer;padding:0}
.note{color:var(--muted);font-style:italic}
.consequences summary{cursor:pointer;color:var(--muted)}
details.more{display:inline}details.more summary{display:inline;cursor:pointer;color:#0b57d0;font-size:12px}
details.more[open] summary{display:none}
.muted{color:var(--muted)}
)CSS";

constexpr const char* kScript = R"JS(
(function(){
  var body=document.body;
  function apply(){
    var off={};
    document.querySelectorAll('input[data-kind-filter]').forEach(function(c){off[c.getAttribute('data-kind-filter')]=!c.checked;});
    var quiet=document.getElementById('show-quiet');
    if(quiet&&quiet.checked)body.classList.remove('hide-quiet');else body.classList.add('hide-quiet');
    document.querySelectorAll('[data-kind]').forEach(function(e){e.classList.toggle('hidden',!!off[e.getAttribute('data-kind')]);});
    document.querySelectorAll('tbody.hunk').forEach(function(tb){
      var rows=tb.querySelectorAll('tr[data-kind]');
      if(!rows.length)return;
      var any=false;
      rows.forEach(function(r){if(!r.classList.contains('hidden')&&!(r.classList.contains('quiet')&&body.classList.contains('hide-quiet')))any=true;});
      tb.classList.toggle('hidden',!any);
    });
  }
  document.querySelectorAll('.filters input').forEach(function(c){c.addEventListener('change',apply);});
  document.querySelectorAll('tbody.gap button').forEach(function(b){
    b.addEventListener('click',function(){
      var rows=document.getElementById(b.getAttribute('data-rows'));
      if(rows){rows.classList.remove('hidden');b.closest('tbody').classList.add('hidden');}
    });
  });
  function reveal(){
    var id=location.hash.slice(1);if(!id)return;
    var t=document.getElementById(id);if(!t)return;
    document.querySelectorAll('tr.target').forEach(function(r){r.classList.remove('target');});
    if(t.tagName==='TR'){
      var tb=t.closest('tbody');
      // A link to a hidden row shows it: the reader asked for it.
      if(t.classList.contains('quiet')||(tb&&tb.classList.contains('quiet'))){var q=document.getElementById('show-quiet');if(q){q.checked=true;}}
      var k=t.getAttribute('data-kind');
      if(k){var f=document.querySelector('input[data-kind-filter="'+k+'"]');if(f)f.checked=true;}
      apply();
      t.classList.add('target');
      t.scrollIntoView({block:'center'});
    }
    // What the reader was sent to, and whether it is on screen (checked by
    // the browser test, handy when debugging a page).
    body.setAttribute('data-target',id+(t.offsetParent!==null?' visible':' hidden'));
  }
  window.addEventListener('hashchange',reveal);
  apply();
  reveal();
})();
)JS";

class HtmlReport {
 public:
  HtmlReport(const DiffResult& r, const ReportOptions& opt) : r_(r), opt_(opt) {
    // Where each divergence's anchor goes: its first row in its pair.
    anchor_.assign(r.pairs.size(), {});
    for (std::size_t i = 0; i < r.divergences.size(); ++i) {
      const Divergence& d = r.divergences[i];
      if (d.pair < 0 || static_cast<std::size_t>(d.pair) >= r.pairs.size()) continue;
      if (d.row >= r.pairs[d.pair].rows.size()) continue;
      anchor_[d.pair].push_back({d.row, i});
    }
    for (auto& a : anchor_) std::sort(a.begin(), a.end());
  }

  std::string render() {
    const SideInfo& g = r_.good_info;
    const SideInfo& b = r_.bad_info;
    out_ += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
    out_ += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out_ += fmt::format("<title>tracediff: {} vs {}</title>\n", escape(g.file), escape(b.file));
    out_ += "<style>";
    out_ += kStyle;
    out_ += "</style></head>\n<body class=\"hide-quiet\"><main>\n";
    // The process sections go first (into their own buffer): they decide
    // which rows the page holds, and only those may be linked to.
    std::string head = std::move(out_);
    out_.clear();
    emitted_.assign(r_.divergences.size(), false);
    for (std::size_t i = 0; i < r_.pairs.size(); ++i) pair(i);
    std::string pairs = std::move(out_);
    out_ = std::move(head);
    header();
    cause();
    environment();
    divergences();
    tree();
    out_ += pairs;
    out_ += "</main>\n<script>";
    out_ += kScript;
    out_ += "</script>\n</body></html>\n";
    return std::move(out_);
  }

 private:
  void header() {
    const SideInfo& g = r_.good_info;
    const SideInfo& b = r_.bad_info;
    out_ += "<section class=\"head\" id=\"sides\">\n";
    out_ += fmt::format("<h1>tracediff: <span class=\"mono\">{}</span> (good) vs <span class=\"mono\">{}</span> (bad)</h1>\n",
                        escape(g.file), escape(b.file));
    out_ += "<table class=\"sides\"><tr><th></th><th>good</th><th>bad</th></tr>\n";
    auto sys = [](const SideInfo& s) {
      std::string k = s.kernel.empty() ? "" : "Linux " + s.kernel;
      if (s.os.empty() && k.empty()) return std::string("unknown");
      if (s.os.empty() || k.empty()) return s.os + k;
      return s.os + ", " + k;
    };
    auto known = [](const std::string& s) { return s.empty() ? std::string("unknown") : s; };
    auto cmd = [](const SideInfo& s) { return s.command.empty() ? std::string("unknown") : join_command(s.command); };
    auto row = [&](const char* label, const std::string& gv, const std::string& bv, bool mono) {
      bool differ = gv != bv && std::string_view(label) != "file";
      const char* m = mono ? " mono" : "";
      out_ += fmt::format("<tr><th>{}</th><td class=\"g{}{}\">{}</td><td class=\"b{}{}\">{}</td></tr>\n", label,
                          differ ? " differ" : "", m, escape(gv), differ ? " differ" : "", m, escape(bv));
    };
    row("file", g.file, b.file, true);
    row("host", known(g.host), known(b.host), false);
    row("system", sys(g), sys(b), false);
    row("command", cmd(g), cmd(b), true);
    row("exit", g.exit.describe(), b.exit.describe(), false);
    if (g.source != b.source) row("source", known(g.source), known(b.source), false);
    out_ += "</table>\n";
    if (std::string runs = runs_line(r_); !runs.empty()) out_ += fmt::format("<p class=\"note runs\">{}</p>\n", escape(runs));
    for (const std::string& n : r_.notes) out_ += fmt::format("<p class=\"note\">note: {}</p>\n", escape(n));
    out_ += "</section>\n";
  }

  const Divergence* most_likely() const {
    for (const Divergence& d : r_.divergences)
      if (d.significant && !d.benign) return &d;
    return nullptr;
  }

  std::size_t index_of(const Divergence* d) const { return static_cast<std::size_t>(d - r_.divergences.data()); }

  std::string link_to(std::size_t div) const {
    if (div >= emitted_.size() || !emitted_[div]) return "";
    return fmt::format("#d{}", div);
  }

  void cause() {
    const Divergence* d = most_likely();
    if (!d) {
      out_ += "<section class=\"cause none\" id=\"cause\"><h2>No significant divergence</h2>\n";
      std::size_t q = r_.divergences.size();
      if (q)
        out_ += fmt::format("<p class=\"why\">The traces differ only in {} benign or insignificant way{} "
                            "(tick <em>benign and insignificant</em> below to see them).</p>\n",
                            q, q == 1 ? "" : "s");
      else out_ += "<p class=\"why\">Once normalized, both sides made the same calls with the same results.</p>\n";
      out_ += "</section>\n";
      return;
    }
    out_ += "<section class=\"cause\" id=\"cause\">\n";
    out_ += fmt::format("<h2>Most likely cause <span class=\"kind k-{0}\">#{1} {0}</span> <span class=\"muted\">{2}</span></h2>\n",
                        to_string(d->kind), d->rank, escape(d->process));
    out_ += fmt::format("<p class=\"why\">{}</p>\n", why(explain(*d)));
    std::string gc = side_call(r_, *d, true), bc = side_call(r_, *d, false);
    out_ += "<table class=\"calls\">\n";
    out_ += fmt::format("<tr class=\"g\"><th>good</th><td>{}</td></tr>\n", gc.empty() ? "<em>(no such call)</em>" : escape(gc));
    out_ += fmt::format("<tr class=\"b\"><th>bad</th><td>{}</td></tr>\n", bc.empty() ? "<em>(no such call)</em>" : escape(bc));
    out_ += "</table>\n";
    // The candidates, unless the explanation already names them all.
    bool named = !d->candidates.empty();
    for (const std::string& c : d->candidates) named = named && explain(*d).find(c) != std::string::npos;
    if (!d->candidates.empty() && !named) {
      out_ += "<p class=\"tried\">tried: ";
      for (std::size_t i = 0; i < d->candidates.size(); ++i)
        out_ += fmt::format("{}<code>{}</code>", i ? ", " : "", escape(d->candidates[i]));
      out_ += "</p>\n";
    }
    if (!d->seen.empty()) out_ += fmt::format("<p class=\"seen\">seen {}</p>\n", escape(d->seen));
    out_ += consequences(index_of(d));
    std::string l = link_to(index_of(d));
    if (!l.empty())
      out_ += fmt::format("<a class=\"jump\" href=\"{}\">Show its rows in {} &darr;</a>\n", l,
                          escape(pair_title(r_.pairs[d->pair])));
    out_ += "</section>\n";
  }

  /// What follows from divergence `cause`, folded: one line that opens
  /// onto the list (each with its rows, when the page holds them).
  std::string consequences(std::size_t cause) const {
    const Divergence& c = r_.divergences[cause];
    if (!c.consequences) return "";
    std::string out = fmt::format("<details class=\"consequences\"{}><summary>{}</summary><ul>\n",
                                  opt_.all ? " open" : "", escape(consequences_line(c)));
    for (std::size_t i = 0; i < r_.divergences.size(); ++i) {
      const Divergence& d = r_.divergences[i];
      if (d.follows != c.rank) continue;
      std::string l = link_to(i);
      out += fmt::format("<li><span class=\"kind k-{0}\">#{1} {0}</span> {2}{3}</li>\n", to_string(d.kind), d.rank,
                         why(explain(d)), l.empty() ? std::string() : fmt::format(" <a href=\"{}\">rows</a>", l));
    }
    return out + "</ul></details>\n";
  }

  /// An explanation, escaped; a long one (a lookup listing a thousand
  /// paths) shows its start and folds the rest into a <details>.
  static std::string why(const std::string& text) {
    if (text.size() <= kWhyChars) return escape(text);
    std::size_t cut = text.rfind(' ', kWhyChars);
    if (cut == std::string::npos || cut < kWhyChars / 2) cut = kWhyChars;
    while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;  // whole UTF-8 characters
    return fmt::format("{} <details class=\"more\"><summary>{} more characters</summary>{}</details>",
                       escape(text.substr(0, cut)), text.size() - cut, escape(text.substr(cut)));
  }

  void environment() {
    if (r_.env.empty()) return;
    out_ += "<section id=\"env\"><h2>Environment differences</h2>\n<table class=\"env\">\n";
    out_ += "<tr><th></th><th>what</th><th>name</th><th>good</th><th>bad</th></tr>\n";
    for (const EnvChange& c : r_.env) {
      char m = !c.good ? '+' : !c.bad ? '-' : '~';
      out_ += fmt::format("<tr class=\"{}\"><td class=\"mark\">{}</td><td>{}</td><td class=\"mono\">{}</td>",
                          c.significant ? "" : "quiet", m, escape(c.category),
                          escape(c.key == c.category ? "" : c.key));
      auto cell = [&](const std::optional<std::string>& v, const char* cls) {
        if (v) out_ += fmt::format("<td class=\"v {}\">{}</td>", cls, escape(*v));
        else out_ += "<td class=\"v absent\">absent</td>";
      };
      cell(c.good, "g");
      cell(c.bad, "b");
      out_ += "</tr>\n";
    }
    out_ += "</table>\n</section>\n";
  }

  void filters() {
    bool present[std::size(kAllKinds)] = {};
    for (const Divergence& d : r_.divergences) present[static_cast<int>(d.kind)] = true;
    out_ += "<div class=\"filters\"><strong>Show:</strong>\n";
    for (DivKind k : kAllKinds) {
      if (!present[static_cast<int>(k)]) continue;
      out_ += fmt::format("<label><input type=\"checkbox\" checked data-kind-filter=\"{0}\"> <span class=\"kind k-{0}\">{0}</span></label>\n",
                          to_string(k));
    }
    std::size_t q = 0;
    for (const Divergence& d : r_.divergences) q += d.benign || !d.significant;
    out_ += fmt::format("<label><input type=\"checkbox\" id=\"show-quiet\"{}> benign and insignificant ({})</label>\n",
                        opt_.all ? " checked" : "", q);
    out_ += "</div>\n";
  }

  void divergences() {
    if (r_.divergences.empty()) return;
    out_ += "<section id=\"divergences\"><h2>Divergences, most likely cause first</h2>\n";
    filters();
    out_ += "<div class=\"divwrap\"><table class=\"divs\"><tr><th>#</th><th>kind</th><th>process</th><th>call</th><th>why</th><th></th></tr>\n";
    // Divergences that say the same thing (a loop failing the same way a
    // thousand times) share a line with a count; the link goes to the first.
    std::vector<std::pair<std::size_t, std::size_t>> groups;  // first index, count
    std::map<std::string, std::size_t> by_text;
    for (std::size_t i = 0; i < r_.divergences.size(); ++i) {
      const Divergence& d = r_.divergences[i];
      if (d.significant && d.follows) continue;  // under its cause's line
      std::string key = fmt::format("{}\n{}\n{}\n{}", d.process, to_string(d.kind), d.benign || !d.significant, explain(d));
      auto [it, fresh] = by_text.emplace(key, groups.size());
      if (fresh) groups.push_back({i, 1});
      else ++groups[it->second].second;
    }
    std::size_t n = std::min(groups.size(), kMaxListed);
    for (std::size_t gi = 0; gi < n; ++gi) {
      std::size_t i = groups[gi].first;
      const Divergence& d = r_.divergences[i];
      bool quiet = d.benign || !d.significant;
      std::string l = link_to(i);
      std::string times = groups[gi].second > 1 ? fmt::format(" <span class=\"times\">&times;{}</span>", groups[gi].second) : "";
      out_ += fmt::format(
          "<tr data-kind=\"{0}\" class=\"{1}\"><td>{2}</td><td><span class=\"kind k-{0}\">{0}</span>{3}</td><td class=\"mono\">{4}</td>"
          "<td class=\"mono\">{5}</td><td>{6}{8}</td><td>{7}</td></tr>\n",
          to_string(d.kind), quiet ? "quiet" : "", d.rank,
          d.benign ? std::string(" benign") : !d.reason.empty() ? " " + escape(d.reason) : !d.significant ? std::string(" insignificant") : std::string(),
          escape(d.process), escape(d.syscall), why(explain(d)),
          l.empty() ? std::string() : fmt::format("<a href=\"{}\">rows</a>", l), times);
      if (d.consequences)
        out_ += fmt::format("<tr data-kind=\"{}\"><td></td><td colspan=\"5\">{}</td></tr>\n", to_string(d.kind),
                            consequences(i));
    }
    std::size_t more = 0;
    for (std::size_t gi = n; gi < groups.size(); ++gi) more += groups[gi].second;
    if (more)
      out_ += fmt::format("<tr><td colspan=\"6\" class=\"note\">and {} more (<code>--format json</code> lists them all)</td></tr>\n",
                          more);
    out_ += "</table></div>\n</section>\n";
  }

  void tree() {
    if (r_.pairs.empty()) return;
    std::vector<std::vector<std::size_t>> kids(r_.pairs.size());
    std::vector<std::size_t> roots;
    for (std::size_t i = 0; i < r_.pairs.size(); ++i) {
      int p = r_.pairs[i].parent;
      // A parent must come first (roots first, then depth-first), which
      // also rules out cycles in a malformed result.
      if (p >= 0 && static_cast<std::size_t>(p) < i) kids[p].push_back(i);
      else roots.push_back(i);
    }
    out_ += "<section id=\"processes\" class=\"tree\"><h2>Processes (good | bad)</h2>\n<ul>\n";
    // Iterative walk: a deep process chain must not overflow the stack.
    std::vector<std::pair<std::size_t, std::size_t>> stack;  // node, next child
    for (std::size_t root : roots) {
      stack.push_back({root, 0});
      item(root);
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next == 0 && !kids[node].empty()) out_ += "<ul>\n";
        if (next < kids[node].size()) {
          std::size_t c = kids[node][next++];
          item(c);
          stack.push_back({c, 0});
        } else {
          if (!kids[node].empty()) out_ += "</ul>\n";
          out_ += "</li>\n";
          stack.pop_back();
        }
      }
    }
    out_ += "</ul>\n</section>\n";
  }

  void item(std::size_t i) {
    const TaskPair& p = r_.pairs[i];
    out_ += fmt::format("<li><span class=\"count{}\" title=\"significant divergences\">{}</span> <a class=\"mono\" href=\"#pair-{}\">{}</a> "
                        "<span class=\"side\">{} | {}</span>",
                        p.divergence_count ? "" : " zero", p.divergence_count, i, escape(pair_title(p)),
                        escape(side_summary(p, true)), escape(side_summary(p, false)));
  }

  std::string cell(const diff::SideTrace& t, std::int64_t ev) const {
    if (ev < 0 || static_cast<std::size_t>(ev) >= t.events.size()) return "";
    return escape(call_text(t.events[ev]));
  }

  void row(std::size_t pi, std::size_t ri) {
    const TaskPair& p = r_.pairs[pi];
    const AlignedRow& row = p.rows[ri];
    std::string id;
    // The anchor ids of divergences that start at this row (the first one
    // gets the id; the others are pointed at the same row).
    auto& anchors = anchor_[pi];
    auto it = std::lower_bound(anchors.begin(), anchors.end(), std::pair<std::size_t, std::size_t>{ri, 0});
    if (it != anchors.end() && it->first == ri) id = fmt::format(" id=\"d{}\"", it->second);
    for (auto j = it; j != anchors.end() && j->first == ri; ++j) {
      // Ids must be unique: a second divergence on this row points to it
      // through an empty element placed after the table.
      if (j != it) extra_ids_ += fmt::format("<span id=\"d{}\"></span>", j->second);
      emitted_[j->second] = true;
    }
    char m = row_differs(row) ? row_marker(row) : ' ';
    const char* cls = m == '<' ? "og" : m == '>' ? "ob" : "chg";
    std::string attrs;
    if (m != ' ') {
      std::string kind = "data";
      bool quiet = row_quiet(r_, row);
      if (row.divergence >= 0 && static_cast<std::size_t>(row.divergence) < r_.divergences.size())
        kind = to_string(r_.divergences[row.divergence].kind);
      else if (row.op == AlignedRow::OnlyGood) kind = "only-good";
      else if (row.op == AlignedRow::OnlyBad) kind = "only-bad";
      attrs = fmt::format(" class=\"{}{}\" data-kind=\"{}\"", cls, quiet ? " quiet" : "", kind);
    }
    auto num = [](std::int64_t ev) { return ev >= 0 ? fmt::format("{}", ev + 1) : std::string(); };
    out_ += fmt::format("<tr{}{}><td class=\"n\">{}</td><td class=\"call g\">{}</td><td class=\"mark\">{}</td>"
                        "<td class=\"n\">{}</td><td class=\"call b\">{}</td></tr>\n",
                        id, attrs, num(row.good), cell(r_.good, row.good), m == ' ' ? "" : escape(std::string(1, m)),
                        num(row.bad), cell(r_.bad, row.bad));
  }

  void gap(std::size_t pi, std::size_t from, std::size_t to) {
    std::size_t n = to - from;
    if (!n) return;
    const TaskPair& p = r_.pairs[pi];
    // A one-sided task's rows all differ: the ones left out are "more".
    const char* what = p.good_tid == 0 || p.bad_tid == 0 ? "more" : "unchanged";
    if (n <= kExpandableGap) {
      std::string id = fmt::format("g{}-{}", pi, from);
      out_ += fmt::format("<tbody class=\"gap\"><tr><td colspan=\"5\"><button type=\"button\" data-rows=\"{}\">&#8943; {} {} row{} (show)</button></td></tr></tbody>\n",
                          id, n, what, n == 1 ? "" : "s");
      out_ += fmt::format("<tbody id=\"{}\" class=\"hidden\">\n", id);
      for (std::size_t i = from; i < to; ++i) row(pi, i);
      out_ += "</tbody>\n";
    } else {
      out_ += fmt::format("<tbody class=\"gap\"><tr><td colspan=\"5\">&#8943; {} {} rows (rows {}&ndash;{}) not included</td></tr></tbody>\n",
                          n, what, from + 1, to);
    }
  }

  void pair(std::size_t pi) {
    const TaskPair& p = r_.pairs[pi];
    bool one_sided = p.good_tid == 0 || p.bad_tid == 0;
    // Centers: every divergent row (benign ones are hidden by the filter,
    // so the page can show them without being rendered again) and every
    // row a divergence links to. A one-sided task is divergent throughout:
    // its first calls say what it was, the rest is in the trace.
    std::vector<std::size_t> centers;
    if (one_sided) {
      if (!p.rows.empty()) centers.push_back(0);
    } else {
      for (std::size_t i = 0; i < p.rows.size(); ++i)
        if (row_differs(p.rows[i])) centers.push_back(i);
    }
    for (const auto& a : anchor_[pi]) centers.push_back(a.first);
    std::sort(centers.begin(), centers.end());
    centers.erase(std::unique(centers.begin(), centers.end()), centers.end());
    std::vector<Hunk> hs = hunks_around(p.rows.size(), centers, opt_.context);
    out_ += fmt::format("<section class=\"pair\" id=\"pair-{}\">\n<h2><a href=\"#pair-{}\">{}</a> <span class=\"count{}\">{}</span></h2>\n",
                        pi, pi, escape(pair_title(p)), p.divergence_count ? "" : " zero", p.divergence_count);
    out_ += fmt::format("<div class=\"pairsides\"><div><strong>good:</strong> {}</div><div><strong>bad:</strong> {}</div></div>\n",
                        escape(side_summary(p, true)), escape(side_summary(p, false)));
    if (p.approximate) out_ += "<p class=\"note\">aligned approximately (too large for the exact alignment)</p>\n";
    if (one_sided) out_ += fmt::format("<p>Only on the {} side.</p>\n", p.good_tid ? "good" : "bad");
    if (hs.empty()) {
      out_ += fmt::format("<p class=\"muted\">Same on both sides ({} rows).</p>\n</section>\n", p.rows.size());
      return;
    }
    bool loud = one_sided;
    for (const Hunk& h : hs)
      for (std::size_t i = h.begin; i < h.end && !loud; ++i) loud = row_shown(r_, p.rows[i], false);
    if (!loud)
      out_ += "<p class=\"quiet-note\">Only benign or insignificant differences here "
              "(tick <em>benign and insignificant</em> above to see them).</p>\n";
    out_ += loud ? "<table class=\"sbs\">" : "<table class=\"sbs quiet\">";
    out_ += "<colgroup><col class=\"n\"><col><col class=\"m\"><col class=\"n\"><col></colgroup>\n"
            "<thead><tr><th>#</th><th>good</th><th></th><th>#</th><th>bad</th></tr></thead>\n";
    std::size_t prev = 0;
    bool full = false;
    for (const Hunk& h : hs) {
      if (rows_emitted_ >= kMaxRows) {
        full = true;
        break;
      }
      gap(pi, prev, h.begin);
      bool quiet = true;
      for (std::size_t i = h.begin; i < h.end; ++i)
        if (row_shown(r_, p.rows[i], false)) quiet = false;
      out_ += fmt::format("<tbody class=\"hunk{}\">\n", quiet && !one_sided ? " quiet" : "");
      std::size_t i = h.begin;
      for (; i < h.end && rows_emitted_ < kMaxRows; ++i, ++rows_emitted_) row(pi, i);
      out_ += "</tbody>\n";
      prev = i;
      if (i < h.end) {
        full = true;
        break;
      }
    }
    if (full)
      out_ += fmt::format("<tbody class=\"gap\"><tr><td colspan=\"5\">&#8943; rows {}&ndash;{} not included: the page shows at most {} rows "
                          "(<code>--format json</code> has them all)</td></tr></tbody>\n",
                          prev + 1, p.rows.size(), kMaxRows);
    else gap(pi, prev, p.rows.size());
    out_ += "</table>\n";
    out_ += extra_ids_;
    extra_ids_.clear();
    out_ += "</section>\n";
  }

  const DiffResult& r_;
  const ReportOptions& opt_;
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> anchor_;  // per pair: (row, divergence)
  std::string extra_ids_;
  std::vector<bool> emitted_;  // per divergence: its anchor row is on the page
  std::size_t rows_emitted_ = 0;
  std::string out_;
};

}  // namespace

std::string render_html(const DiffResult& r, const ReportOptions& opt) { return HtmlReport(r, opt).render(); }

}  // namespace tracediff::report
