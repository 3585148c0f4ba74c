// What `tracediff --version` prints.
#pragma once

#include <string>

namespace tracediff::cli {

/// The version, the git revision built from ("unknown" outside a git
/// checkout), how it was built (static or dynamic, the C library, the
/// compiler) and the parts compiled in, one item per line.
std::string version_text();

}  // namespace tracediff::cli
