#include "model/errors.h"

#include <fmt/format.h>

namespace tracediff {

OutputExists::OutputExists(const std::string& path, bool is_directory)
    : InputError(is_directory ? fmt::format("{}: is a directory (give a file name)", path)
                              : fmt::format("{}: file exists; not overwriting it (use --force)", path)) {}

}  // namespace tracediff
