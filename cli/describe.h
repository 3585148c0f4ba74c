// The command line as data, for the man pages and shell completion
// (packaging/gen_docs.py): the same strings `--help` prints, so that what
// is generated from them cannot drift from the help.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace tracediff::cli {

/// `app` and its subcommands as one JSON object: name, description, footer,
/// options (names, type as --help shows it, default, description, how many
/// values, required, positional) and subcommands. Hidden options are left out.
std::string describe_cli_json(const CLI::App& app);

}  // namespace tracediff::cli
