// tracediff: why does this work on that machine and not on this one?
#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "cli/commands.h"
#include "cli/describe.h"
#include "cli/output.h"
#include "cli/version.h"
#include "model/errors.h"

namespace tracediff::cli {
std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> registry;
  return registry;
}
}  // namespace tracediff::cli

int main(int argc, char** argv) {
  using namespace tracediff;
  // A closed pipe (`tracediff show t | head`) ends quietly: writes fail with
  // EPIPE instead of killing us, and the output code stops on that.
  signal(SIGPIPE, SIG_IGN);

  CLI::App app{
      "tracediff: record what a program asks of its system on a host where it works and on one\n"
      "where it fails, then show the difference, culprit first.\n\n"
      "  tracediff record -o good.trace -- ./app     # on the good host\n"
      "  tracediff record -o bad.trace -- ./app      # on the bad host\n"
      "  tracediff diff good.trace bad.trace         # what differs, most likely cause first\n\n"
      "Every command that reads a trace also reads a strace log (strace -f -o LOG ...).",
      "tracediff"};
  app.set_version_flag("--version", cli::version_text());
  app.require_subcommand(1);
  app.fallthrough(false);

  cli::CommandResult result;
  auto& commands = cli::command_registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const cli::CommandEntry& a, const cli::CommandEntry& b) { return a.order < b.order; });
  for (const cli::CommandEntry& c : commands) c.add(app, result);
  // Hidden: the command line as JSON, what the man pages and completion are
  // generated from at build time (packaging/gen_docs.py).
  app.add_flag_callback("--describe-cli", [&app] {
       cli::out(cli::describe_cli_json(app));
       cli::out_flush();
       throw CLI::Success();
     })->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::Success&) {
    return 0;
  } catch (const CLI::ParseError& e) {
    // Usage errors: one line plus a pointer to --help; status 2 like diff(1).
    fmt::print(stderr, "tracediff: {}\nRun 'tracediff --help' for usage.\n", e.what());
    return 2;
  } catch (const InputError& e) {
    fmt::print(stderr, "tracediff: {}\n", e.what());
    return 2;
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::broken_pipe) return result.status;
    fmt::print(stderr, "tracediff: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tracediff: {}\n", e.what());
    return 2;
  }
  return result.status;
}
