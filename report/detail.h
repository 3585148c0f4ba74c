// Internals shared by the text and HTML renderers: which rows to show,
// how to fit a call into a column, names of things. Not a public contract.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "diff/diff.h"

namespace tracediff::report {
// The differ's result is what every renderer reads.
using diff::AlignedRow;
using diff::DiffResult;
using diff::DivKind;
using diff::DivSide;
using diff::Divergence;
using diff::EnvChange;
using diff::SideInfo;
using diff::TaskPair;
}  // namespace tracediff::report

namespace tracediff::report::detail {

/// Columns a UTF-8 string takes on a terminal (one per code point: the
/// formatted calls are ASCII apart from the "…" this code inserts).
std::size_t display_width(std::string_view s);

/// `s` shortened to at most `width` columns by replacing its middle with
/// "…". The tail keeps more than the head (a file name says more than the
/// root of its path); quotes around a quoted string are kept.
std::string shorten_middle(std::string_view s, std::size_t width);

/// An argument shortened to `width`: like shorten_middle, but an fd with
/// its target ("3</etc/passwd>") keeps its number and shortens the target.
std::string shorten_arg(std::string_view s, std::size_t width);

/// `s` padded with spaces to `width` columns (never cut).
std::string pad_right(std::string_view s, std::size_t width);

/// `s` cut into pieces of at most `width` columns (the last one may be
/// shorter); an empty string gives one empty piece.
std::vector<std::string> wrap(std::string_view s, std::size_t width);

/// Like wrap(), but breaking after a space when one is past the first
/// quarter of the line (trailing spaces dropped), so that words stay whole.
std::vector<std::string> wrap_words(std::string_view s, std::size_t width);

/// A call as shown in a report: strace's form without pid, without the
/// errno's text when the errno name is there, each argument at most `cap`
/// columns (0: no cap) so long paths shrink in their middle.
std::string call_text(const Event& e, std::size_t cap = 0);

/// Fits the two sides of one aligned row into columns of `width`. Both
/// sides use the same argument cap, so an argument equal on both sides is
/// shortened identically; what still does not fit is wrapped, never cut.
/// A null side gives no lines.
void fit_pair(const Event* good, const Event* bad, std::size_t width, std::vector<std::string>& good_lines,
              std::vector<std::string>& bad_lines);

/// True when the row differs: the alignment paired it as changed or
/// one-sided, or a divergence covers it (the differ aligns on keys that
/// leave out results, so a row it pairs as Same may still diverge).
bool row_differs(const AlignedRow& row);

/// The marker of a divergent row: '|' changed, '<' good only, '>' bad only.
char row_marker(const AlignedRow& row);

/// True when this row differs and the report should show it: always for
/// significant divergences, for benign/insignificant ones only with `all`.
bool row_shown(const DiffResult& r, const AlignedRow& row, bool all);

/// True when the row is a divergence that is benign or not significant.
bool row_quiet(const DiffResult& r, const AlignedRow& row);

/// A range [begin, end) of rows of one pair to show.
struct Hunk {
  std::size_t begin = 0, end = 0;
};

/// Ranges of `n` rows covering each of `centers` (sorted) with `context`
/// rows around it, overlapping or touching ranges merged.
std::vector<Hunk> hunks_around(std::size_t n, const std::vector<std::size_t>& centers, std::size_t context);

/// The rows to show for a pair: every shown row with `context` rows around
/// it, overlapping ranges merged. Linear in the number of rows.
std::vector<Hunk> hunks(const DiffResult& r, const TaskPair& p, std::size_t context, bool all);

/// Number of rows of a pair that `row_shown` accepts.
std::size_t shown_count(const DiffResult& r, const TaskPair& p, bool all);

/// The pair's name for headings: "root" or "root/1:sh" (from TaskPair::name).
std::string pair_title(const TaskPair& p);

/// A side's description for headings: "./app --serve (exited 1)", or
/// "absent" when the task does not exist on that side.
std::string side_summary(const TaskPair& p, bool good);

/// The sentence that explains a divergence: its own explanation, or one
/// made from its kind and calls when the differ left it empty.
std::string explain(const Divergence& d);

/// A divergence's side as one line: the call with its result.
std::string side_call(const DiffResult& r, const Divergence& d, bool good);

/// What the result rests on beyond one good and one bad run: "runs: 3
/// good, 2 bad; 4 places learned as noise (they vary between good runs);
/// 31 divergences folded under their cause"; "" when there is nothing to say.
std::string runs_line(const DiffResult& r);

/// "and 75 calls that follow from it: the good side went on to open
/// yaml/*.py"; "" for a divergence nothing follows from.
std::string consequences_line(const Divergence& d);

/// Joins argv with spaces, quoting words with spaces or quotes.
std::string join_command(const std::vector<std::string>& argv);

}  // namespace tracediff::report::detail
