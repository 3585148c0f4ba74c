// Each subcommand registers itself on the app and runs from a callback.
// A command returns its exit status through CommandResult; exceptions
// (InputError, system_error) are turned into one-line errors in main.cc.
#pragma once

#include <CLI/CLI.hpp>

namespace tracediff::cli {

/// Where a subcommand leaves the process exit status.
struct CommandResult {
  int status = 0;
};

void add_import(CLI::App& app, CommandResult& out);
void add_show(CLI::App& app, CommandResult& out);

}  // namespace tracediff::cli
