// Unit tests of the renderers' rules: fitting, shortening, escaping, size.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "report/detail.h"
#include "report/report.h"
#include "tests/report/fixtures.h"

namespace tracediff::testing {
namespace {

using report::detail::display_width;
using report::detail::shorten_middle;

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

TEST(Shorten, KeepsShortStrings) { EXPECT_EQ(shorten_middle("/etc/foo", 20), "/etc/foo"); }

TEST(Shorten, CutsTheMiddleAndKeepsTheFileName) {
  std::string s = shorten_middle("/very/long/path/to/the/config.json", 22);
  EXPECT_EQ(display_width(s), 22u);
  EXPECT_EQ(s, "/very/lon…/config.json");
}

TEST(Shorten, KeepsQuotesAndStraceEllipsis) {
  std::string s = shorten_middle("\"/very/long/path/to/the/config.json\"...", 24);
  EXPECT_EQ(display_width(s), 24u);
  EXPECT_EQ(s.front(), '"');
  EXPECT_TRUE(s.ends_with("\"...")) << s;
  EXPECT_NE(s.find("…"), std::string::npos);
}

TEST(Shorten, NeverSplitsAUtf8Character) {
  std::string s = shorten_middle("/home/zoë/ünïcödé/ßßßßßßßßß/file", 12);
  EXPECT_EQ(display_width(s), 12u);
  // Valid UTF-8: every lead byte is followed by the right continuation bytes.
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    ASSERT_LE(i + len, s.size());
    for (std::size_t k = 1; k < len; ++k) ASSERT_EQ(static_cast<unsigned char>(s[i + k]) & 0xC0, 0x80);
    i += len;
  }
}

TEST(FitPair, EqualArgumentsShortenedAlike) {
  std::string p = "/very/long/installation/prefix/share/foo/conf.d/production/config.json";
  Event g = sys("openat", {path_arg(p), flags_arg("O_RDONLY")}, ok(3));
  Event b = sys("openat", {path_arg(p), flags_arg("O_RDONLY")}, fail("ENOENT"));
  std::vector<std::string> gl, bl;
  report::detail::fit_pair(&g, &b, 50, gl, bl);
  ASSERT_EQ(gl.size(), 1u);
  ASSERT_EQ(bl.size(), 1u);
  EXPECT_LE(display_width(gl[0]), 50u);
  EXPECT_LE(display_width(bl[0]), 50u);
  auto arg0 = [](const std::string& s) { return s.substr(0, s.find(", O_RDONLY")); };
  EXPECT_EQ(arg0(gl[0]), arg0(bl[0]));
  EXPECT_NE(gl[0].find("config.json"), std::string::npos) << gl[0];
  EXPECT_TRUE(bl[0].ends_with("= -1 ENOENT")) << bl[0];
}

TEST(FitPair, WrapsWhatCannotShrinkInsteadOfCutting) {
  Event g = sys("rt_sigaction", {flags_arg("SIGRTMIN|SIGRTMAX|SIGCHLD|SIGPIPE|SIGTERM|SIGINT")}, ok(0));
  std::vector<std::string> gl, bl;
  report::detail::fit_pair(&g, nullptr, 16, gl, bl);
  EXPECT_TRUE(bl.empty());
  std::string joined;
  for (const std::string& l : gl) {
    EXPECT_LE(display_width(l), 16u);
    for (char c : l)
      if (c != ' ') joined.push_back(c);
  }
  // Shortened in the middle to the smallest cap, then wrapped at spaces:
  // the end of the call (its result) is still there.
  EXPECT_TRUE(joined.ends_with(")=0")) << joined;
  EXPECT_GT(gl.size(), 1u);
}

TEST(CallText, DropsTheErrnoTextButKeepsOtherNotes) {
  Event e = sys("openat", {path_arg("/x")}, fail("ENOENT"));
  EXPECT_EQ(report::detail::call_text(e), "openat(\"/x\") = -1 ENOENT");
  Result t = ok(0);
  t.note = "Timeout";
  EXPECT_EQ(report::detail::call_text(sys("poll", {}, t)), "poll() = 0 (Timeout)");
}

TEST(Text, EveryLineFitsTheWidth) {
  for (const auto& [name, make] : fixtures()) {
    diff::DiffResult r = make();
    for (unsigned w : {40u, 60u, 80u, 120u, 200u}) {
      for (bool all : {false, true}) {
        report::ReportOptions o;
        o.width = w;
        o.all = all;
        for (const std::string& l : lines_of(report::render_text(r, o)))
          EXPECT_LE(display_width(l), w) << name << " at width " << w << ": " << l;
      }
    }
  }
}

TEST(Text, ColourOnlyWhenAsked) {
  diff::DiffResult r = fixtures().at("result")();
  report::ReportOptions o;
  EXPECT_EQ(report::render_text(r, o).find('\x1b'), std::string::npos);
  o.color = true;
  std::string c = report::render_text(r, o);
  EXPECT_NE(c.find("\x1b[31m"), std::string::npos);
  // Without its escapes the coloured report is the plain one.
  std::string stripped = std::regex_replace(c, std::regex("\x1b\\[[0-9;]*m"), "");
  o.color = false;
  EXPECT_EQ(stripped, report::render_text(r, o));
}

TEST(Text, MarkersShowDivergentRowsWithoutColour) {
  std::string t = report::render_text(fixtures().at("result")(), {});
  EXPECT_NE(t.find(" | openat("), std::string::npos);
  EXPECT_NE(t.find(" <\n"), std::string::npos);
  EXPECT_NE(t.find(" > write(2,"), std::string::npos);
}

TEST(Text, CauseComesBeforeEverythingElse) {
  std::string t = report::render_text(fixtures().at("several-processes")(), {});
  std::size_t cause = t.find("Most likely cause");
  ASSERT_NE(cause, std::string::npos);
  EXPECT_LT(cause, t.find("== root"));
  EXPECT_NE(t.find("EACCES", cause), std::string::npos);
  // Benign ones are hidden, and the report says so.
  EXPECT_EQ(t.find("extra.d"), std::string::npos);
  EXPECT_NE(t.find("hidden (--all shows them)"), std::string::npos);
  report::ReportOptions all;
  all.all = true;
  EXPECT_NE(report::render_text(fixtures().at("several-processes")(), all).find("extra.d"), std::string::npos);
}

TEST(Text, FirstOnlyIsTheCause) {
  report::ReportOptions o;
  o.first_only = true;
  std::string t = report::render_text(fixtures().at("result")(), o);
  EXPECT_TRUE(t.starts_with("Most likely cause")) << t;
  EXPECT_EQ(t.find("=="), std::string::npos);
  EXPECT_EQ(report::render_text(fixtures().at("no-divergence")(), o), "No significant divergence.\n");
}

TEST(Html, EscapesEverything) {
  std::string h = report::render_html(fixtures().at("hostile-text")(), {});
  EXPECT_EQ(h.find("<script>alert"), std::string::npos);
  EXPECT_NE(h.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;"), std::string::npos);
  EXPECT_EQ(h.find("good<&>"), std::string::npos);
  EXPECT_NE(h.find("X&lt;y&gt;"), std::string::npos);
  // Exactly one script element: ours.
  std::size_t n = 0;
  for (std::size_t p = h.find("<script"); p != std::string::npos; p = h.find("<script", p + 1)) ++n;
  EXPECT_EQ(n, 1u);
}

TEST(Html, MarkersAreEscaped) {
  std::string h = report::render_html(fixtures().at("several-processes")(), {});
  EXPECT_NE(h.find("<td class=\"mark\">&lt;</td>"), std::string::npos);
  EXPECT_EQ(h.find("<td class=\"mark\"><</td>"), std::string::npos);
  std::string o = report::render_html(fixtures().at("only-bad")(), {});
  EXPECT_NE(o.find("<td class=\"mark\">&gt;</td>"), std::string::npos);
}

TEST(Html, LongExplanationsFoldAway) {
  diff::DiffResult r = fixtures().at("result")();
  std::string tried;
  for (int i = 0; i < 1000; ++i) tried += " /opt/foo/data" + std::to_string(i);
  r.divergences[0].explanation = "looking up data: tried" + tried;
  std::string h = report::render_html(r, {});
  EXPECT_NE(h.find("more characters</summary>"), std::string::npos);
  EXPECT_NE(h.find("/opt/foo/data999"), std::string::npos);  // folded, not lost
  report::ReportOptions o;
  std::string t = report::render_text(r, o);
  EXPECT_NE(t.find("…"), std::string::npos);
  EXPECT_LT(t.size(), 8000u);
}

TEST(Html, SelfContained) {
  for (const auto& [name, make] : fixtures()) {
    std::string h = report::render_html(make(), {});
    EXPECT_EQ(h.find("http://"), std::string::npos) << name;
    EXPECT_EQ(h.find("https://"), std::string::npos) << name;
    EXPECT_EQ(h.find(" src="), std::string::npos) << name;
    EXPECT_EQ(h.find("<link"), std::string::npos) << name;
    EXPECT_TRUE(h.ends_with("</html>\n")) << name;
  }
}

TEST(Html, EveryDivergenceLinksToARowThatExists) {
  for (const auto& [name, make] : fixtures()) {
    diff::DiffResult r = make();
    std::string h = report::render_html(r, {});
    std::smatch m;
    std::regex link("href=\"#(d[0-9]+)\"");
    for (auto it = std::sregex_iterator(h.begin(), h.end(), link); it != std::sregex_iterator(); ++it) {
      std::string id = (*it)[1];
      EXPECT_NE(h.find("id=\"" + id + "\""), std::string::npos) << name << ": no target for #" << id;
    }
  }
  std::string h = report::render_html(fixtures().at("result")(), {});
  EXPECT_NE(h.find("href=\"#d0\""), std::string::npos);
  EXPECT_NE(h.find("<tr id=\"d0\" class=\"chg\" data-kind=\"result\">"), std::string::npos);
}

TEST(Html, BenignRowsAreCollapsedByDefault) {
  std::string h = report::render_html(fixtures().at("several-processes")(), {});
  EXPECT_NE(h.find("<body class=\"hide-quiet\">"), std::string::npos);
  EXPECT_NE(h.find("<tbody class=\"hunk quiet\">"), std::string::npos);
  EXPECT_NE(h.find("extra.d"), std::string::npos);
}

TEST(Big, MillionEventPairStaysBounded) {
  // 1,000,000 events a side, a divergence every 100,000 rows.
  diff::DiffResult r = big_result(1'000'000, 100'000);
  ASSERT_EQ(r.pairs[0].rows.size(), 1'000'000u);
  report::ReportOptions o;
  std::string h = report::render_html(r, o);
  // 10 hunks of 7 rows plus markers; each row is a few hundred bytes.
  EXPECT_LT(h.size(), 200'000u);
  EXPECT_NE(h.find("99993 unchanged rows (rows 50005&ndash;149997) not included"), std::string::npos);
  std::string t = report::render_text(r, o);
  EXPECT_LT(t.size(), 50'000u);
  EXPECT_NE(t.find("... 99993 same rows ..."), std::string::npos);
}

TEST(Big, ManyDivergencesAreCappedInHtml) {
  // Every other row diverges: the page stops at its row limit and says so.
  diff::DiffResult r = big_result(200'000, 2);
  std::string h = report::render_html(r, {});
  EXPECT_LT(h.size(), 30'000'000u);
  EXPECT_NE(h.find("--format json</code> has them all"), std::string::npos);
}

}  // namespace
}  // namespace tracediff::testing
