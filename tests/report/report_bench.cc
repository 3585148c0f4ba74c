// Times the renderers on a 1,000,000-event-per-side DiffResult against a
// yardstick measured in the same run: formatting every event of one side
// once (what `tracediff show` does). Run by bench/report.sh.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "report/report.h"
#include "tests/report/fixtures.h"
#include "display/format.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tracediff;
  std::size_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  std::size_t every = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 10'000;
  auto t0 = std::chrono::steady_clock::now();
  diff::DiffResult r = testing::big_result(events, every);
  double build = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  std::size_t bytes = 0;
  display::FormatOptions fo;
  for (const Event& e : r.good.events) bytes += display::format_event(e, fo).size();
  double yard = seconds_since(t0);

  report::ReportOptions opt;
  t0 = std::chrono::steady_clock::now();
  std::string text = report::render_text(r, opt);
  double text_s = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  std::string html = report::render_html(r, opt);
  double html_s = seconds_since(t0);
  opt.all = true;
  opt.context = 20;
  t0 = std::chrono::steady_clock::now();
  std::string text_all = report::render_text(r, opt);
  double text_all_s = seconds_since(t0);

  fmt::print("events per side        {}\n", events);
  fmt::print("divergences            {}\n", r.divergences.size());
  fmt::print("build DiffResult       {:.3f} s (not part of the report)\n", build);
  fmt::print("yardstick: format all  {:.3f} s ({} MB)\n", yard, bytes >> 20);
  fmt::print("render_text            {:.3f} s  {:>9} bytes  ratio {:.3f}\n", text_s, text.size(), text_s / yard);
  fmt::print("render_text -C20 --all {:.3f} s  {:>9} bytes  ratio {:.3f}\n", text_all_s, text_all.size(),
             text_all_s / yard);
  fmt::print("render_html            {:.3f} s  {:>9} bytes  ratio {:.3f}\n", html_s, html.size(), html_s / yard);
  return 0;
}
