// Sniffing: is this file a strace log? Judged by the importer's own grammar
// rather than by a pattern, so that whatever imports is recognised and
// whatever is recognised imports.
#include "strace/importer.h"

namespace tracediff::strace {

bool looks_like_strace(std::string_view text) {
  // The first line must be strace output and most of the following ones
  // too (the program's own stderr may be mixed in).
  bool cut = !text.empty() && text.back() != '\n';
  detail::Importer im(ImportOptions{}, [](Event&&) {});
  // Enough lines to judge by, few enough to be instant on any file.
  constexpr std::uint32_t kMaxLines = 64;
  std::uint32_t lines = 0;
  bool first_ok = false, seen_first = false;
  detail::for_each_line(text, [&](std::string_view line, std::uint32_t n, bool) {
    if (lines >= kMaxLines) return;
    // A line cut by the end of the sample is no evidence either way.
    if (cut && line.data() + line.size() == text.data() + text.size()) return;
    if (detail::trim_right(line).empty()) return;
    std::uint32_t before = im.unparsed();
    im.line(line, n);
    ++lines;
    if (!seen_first) {
      seen_first = true;
      first_ok = im.unparsed() == before;
    }
  });
  return first_ok && im.unparsed() * 2 <= lines;
}

}  // namespace tracediff::strace
