// Subcommands register themselves: each cmd_*.cc file defines one or more
// commands with TRACEDIFF_COMMAND, and main.cc adds them all in `order`.
// A command leaves its exit status in CommandResult; exceptions (InputError,
// system_error) become one-line errors in main.cc.
#pragma once

#include <CLI/CLI.hpp>

#include <vector>

namespace tracediff::cli {

/// Where a subcommand leaves the process exit status.
struct CommandResult {
  int status = 0;
};

using AddCommand = void (*)(CLI::App& app, CommandResult& out);

struct CommandEntry {
  int order;        ///< position in --help: record 10, import 20, redact 25, show 30, normalize 40, diff 50, explain 60
  AddCommand add;
};

/// Every registered command.
std::vector<CommandEntry>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(int order, AddCommand add) { command_registry().push_back({order, add}); }
};

/// For byte counts (-s): CLI11 would turn "-5" into 2^64-5 for an unsigned
/// option, and its own NonNegativeNumber prints DBL_MAX in the message.
inline const CLI::Validator kByteCount(
    [](const std::string& v) {
      bool digits = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
      return digits ? std::string() : "'" + v + "' is not a number of bytes (0 or more)";
    },
    "");

#define TRACEDIFF_COMMAND(order, fn) \
  static const ::tracediff::cli::CommandRegistrar registrar_##fn(order, fn)

}  // namespace tracediff::cli
