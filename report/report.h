// report: renders a DiffResult for people (terminal text, HTML page).
// Renderers never re-run the alignment; they only read the result.
#pragma once

#include <string>

#include "diff/diff.h"

namespace tracediff::report {

struct ReportOptions {
  unsigned width = 120;   ///< terminal columns
  unsigned context = 3;   ///< rows of unchanged context around a divergence (-C)
  bool color = false;
  bool all = false;       ///< show benign divergences too
  bool first_only = false;  ///< only the most likely cause
};

/// The terminal report (ANSI colour when opt.color).
std::string render_text(const diff::DiffResult& r, const ReportOptions& opt);
/// One self-contained HTML page.
std::string render_html(const diff::DiffResult& r, const ReportOptions& opt);

}  // namespace tracediff::report
