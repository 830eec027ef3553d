#include "pgfleet/cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "command_table.hpp"
#include "pgfleet/cli/message_redaction.hpp"
#include "pgfleet/cli/options.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/fleet/stop_control.hpp"

namespace pgfleet::cli {
namespace {

const char* const kOverview =
    R"(pgfleet applies versioned SQL migrations to a fleet of PostgreSQL tenant databases.

Tenants come from the control plane (--control-plane URL, or PGFLEET_CONTROL_PLANE), a file
(--tenants FILE) or --dsn URL. Results of each run go to <results-dir>/<run_id>/.

Examples:
  pgfleet plan  --control-plane "$CP_URL"
  pgfleet apply --control-plane "$CP_URL" --concurrency 32 --per-host 8 --canary 5 --yes
  pgfleet apply --dsn postgres://app@localhost/appdb
  pgfleet apply --neon-branch --neon-project shiny-wind-028834 --control-plane "$CP_URL" --yes
  pgfleet rollback --run 20261124T050000Z-a1b2 --control-plane "$CP_URL"
  pgfleet resume 20261124T050000Z-a1b2 --control-plane "$CP_URL" --retry-failed
  pgfleet status --control-plane "$CP_URL"
  pgfleet apply --control-plane "$CP_URL" --ledger "$LEDGER_URL" --run-id release-42 --yes
  pgfleet status --run release-42 --ledger "$LEDGER_URL" --watch

Exit codes: 0 all tenants ok; 1 some tenant not ok; 2 usage, config or migrations error, or no
tenant selected (before anything is created); 3 control plane, Neon, ledger or results-directory
failure (also mid-run, e.g. disk full) or any unexpected error; 130/143 interrupted.)";

// Groups of commands: the first word of a two-word command such as "neon cleanup".
const std::map<std::string, const char*> kGroupHelp = {{"neon", "Neon helpers"}};

// A command on the command line, with the Options its flags are bound to.
struct BoundCommand {
  const CommandEntry* entry;
  CLI::App* app;
  std::unique_ptr<Options> options;
};

// `cleanup` under `neon` for "neon cleanup"; the group is made on first use.
CLI::App* add_subcommand(CLI::App& app, std::map<std::string, CLI::App*>& groups,
                         const std::string& name, const char* help) {
  const auto space = name.find(' ');
  if (space == std::string::npos) return app.add_subcommand(name, help);
  const std::string group = name.substr(0, space);
  CLI::App*& parent = groups[group];
  if (!parent) {
    parent = app.add_subcommand(group, kGroupHelp.at(group));
    parent->require_subcommand(1);
  }
  return parent->add_subcommand(name.substr(space + 1), help);
}

// Each command binds its own Options: CLI11 reads environment variables for every subcommand,
// given or not, and one shared struct would let another command's env value overwrite a flag
// of the command being run.
std::vector<BoundCommand> add_commands(CLI::App& app) {
  std::vector<BoundCommand> bound;
  std::map<std::string, CLI::App*> groups;
  for (const CommandEntry& entry : command_table()) {
    CLI::App* sub = add_subcommand(app, groups, to_string(entry.command), entry.help);
    sub->footer(std::string("Example:\n  ") + entry.example);
    auto options = std::make_unique<Options>();
    entry.add_flags(*sub, *options);
    bound.push_back({&entry, sub, std::move(options)});
  }
  return bound;
}

int run(const BoundCommand& command) {
  const Options& o = *command.options;
  if (command.entry->config_file == ConfigFile::read) {
    const bool given = !o.config.empty();
    apply_config_file(*command.app, given ? o.config : "pgfleet.json", given);
  }
  // Every flag is checked before a command touches anything (README.md, "Exit codes").
  if (command.entry->check_flags) command.entry->check_flags(o);
  StopControl::install_signal_handlers();
  return command.entry->run(o);
}

// Errors are printed through redact_message: the argument parser echoes what it refused, and a
// usage error may quote a flag's value; either may hold a password.
int report_error(const std::string& message, int exit_code) {
  std::cerr << "pgfleet: " << redact_message(message) << "\n";
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // A tenant connects with what its connection string says (README.md, "Connections"). These
  // PG* variables cannot be outvoted by a connection keyword, so they go: a service (file) that
  // can name another server, and session settings libpq sends from the environment.
  for (const char* variable :
       {"PGHOSTADDR", "PGSERVICE", "PGSERVICEFILE", "PGTZ", "PGDATESTYLE", "PGGEQO"}) {
    unsetenv(variable);
  }
  CLI::App app{kOverview, "pgfleet"};
  app.set_version_flag("--version", std::string("pgfleet ") + PGFLEET_VERSION);
  app.require_subcommand(1);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  const std::vector<BoundCommand> commands = add_commands(app);
  try {
    app.parse(argc, argv);
    for (const BoundCommand& command : commands) {
      if (command.app->parsed()) return run(command);
    }
    return exit_usage;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e) == 0 ? exit_ok : exit_usage;  // --help
    return report_error(std::string(e.what()) + "\nRun with --help for more information.",
                        exit_usage);
  } catch (const UsageError& e) {
    return report_error(e.what(), exit_usage);
  } catch (const RunError& e) {
    return report_error(e.what(), exit_run_error);
  } catch (const std::exception& e) {
    // No input, however bad, makes pgfleet abort: what nobody foresaw is a run error.
    return report_error(std::string("unexpected error: ") + e.what(), exit_run_error);
  } catch (...) {
    return report_error("unexpected error", exit_run_error);
  }
}

}  // namespace pgfleet::cli
