// The errors every stage may throw for bad input, so that cli/ can print
// them as one line and exit 2 (STYLE: exceptions are caught in cli/ only).
#pragma once

#include <stdexcept>
#include <string>

namespace tracediff {

/// A fatal input error: the message names the file (and line when known).
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The refusal to replace an output file that exists: "PATH: file exists;
/// not overwriting it (use --force)", or, when PATH is a directory (where
/// --force would not help), "PATH: is a directory (give a file name)".
/// Every writer of a file the user names refuses the same way.
class OutputExists : public InputError {
 public:
  OutputExists(const std::string& path, bool is_directory);
};

}  // namespace tracediff
