// Placeholder until the importer lands: detection only.
#include "trace/strace.h"

#include <fmt/format.h>

#include "trace/io.h"

namespace tracediff {

bool looks_like_strace(std::string_view text) {
  return text.find("(") != std::string_view::npos &&
         (text.find(") = ") != std::string_view::npos || text.find("+++ ") != std::string_view::npos);
}

Trace import_strace_text(std::string_view, const std::string& file, const ImportOptions&) {
  throw InputError(fmt::format("{}: strace import is not available in this build", file));
}

Trace import_strace_file(const std::string& path) {
  return import_strace_text(read_file_decompressed(path), path);
}

Trace import_strace_set(const std::vector<std::string>& paths) {
  return import_strace_text({}, paths.at(0));
}

}  // namespace tracediff
