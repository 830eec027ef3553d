#include "pgfleet/cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <tuple>

#include "pgfleet/cli/commands.hpp"
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
  pgfleet status --control-plane "$CP_URL"

Exit codes: 0 all tenants ok; 1 some tenant not ok; 2 usage, config or migrations error;
3 control plane, Neon or results-directory failure before any tenant ran; 130/143 interrupted.)";

struct Command {
  const char* name;
  const char* help;
  const char* example;
  std::function<int(const Options&)> run;
};

CLI::App* add_command(CLI::App& app, const Command& c) {
  CLI::App* sub = app.add_subcommand(c.name, c.help);
  sub->footer(std::string("Example:\n  ") + c.example);
  return sub;
}

}  // namespace

int main(int argc, char** argv) {
  // Every tenant's server is named by its own connection string; these would override it.
  unsetenv("PGHOSTADDR");
  unsetenv("PGSERVICE");
  CLI::App app{kOverview, "pgfleet"};
  app.set_version_flag("--version", std::string("pgfleet ") + PGFLEET_VERSION);
  app.require_subcommand(1);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // Each subcommand binds its own Options: CLI11 reads environment variables for every
  // subcommand, given or not, and one shared struct would let another command's env value
  // overwrite a flag of the command being run.
  std::vector<std::unique_ptr<Options>> per_command;

  const std::vector<Command> commands = {
      {"plan",
       "Show, per tenant, the current version, pending migrations and drift; changes nothing",
       "pgfleet plan --control-plane \"$CP_URL\" --target 0012", cmd_plan},
      {"apply", "Apply pending migrations up to --target (default: latest)",
       "pgfleet apply --control-plane \"$CP_URL\" --concurrency 32 --canary 5 --yes", cmd_apply},
      {"status", "Fleet census: tenants per version, dirty, drifted, unreachable",
       "pgfleet status --control-plane \"$CP_URL\"", cmd_status},
      {"rollback", "Run a run's rollback scripts (--run) or apply .down files until --target",
       "pgfleet rollback --run 20261124T050000Z-a1b2 --control-plane \"$CP_URL\" --yes",
       cmd_rollback},
      {"repair", "Resolve a dirty (pending) history row after a human looked",
       "pgfleet repair --tenant acme --version 0007 --mark removed --control-plane \"$CP_URL\"",
       cmd_repair},
      {"baseline", "Record --version V (and all before it) as applied without running them",
       "pgfleet baseline --version 0003 --dsn postgres://app@db1/acme", cmd_baseline},
      {"lint", "Check the migrations directory: names, pairs, directives, dangerous DDL",
       "pgfleet lint --migrations ./migrations", cmd_lint},
      {"new", "Write the next <version>_NAME.up.sql / .down.sql pair",
       "pgfleet new add_invoices_index", cmd_new},
  };
  std::vector<std::tuple<CLI::App*, const Command*, Options*>> subs;
  for (const Command& c : commands) {
    Options& o = *per_command.emplace_back(std::make_unique<Options>());
    CLI::App* sub = add_command(app, c);
    add_output_flags(*sub, o);
    const std::string name = c.name;
    if (name != "lint" && name != "new") {
      add_tenant_flags(*sub, o);
      add_run_flags(*sub, o);
    }
    if (name == "plan" || name == "apply") {
      sub->add_option("--target", o.target, "Apply up to this version (default: latest)");
      add_neon_flags(*sub, o);
    }
    if (name == "rollback") {
      auto* run = sub->add_option("--run", o.rollback_run, "Run id whose rollback scripts to run");
      auto* target = sub->add_option("--target", o.target, "Version to roll back to");
      run->excludes(target);
    }
    if (name == "repair") {
      sub->add_option("--tenant", o.tenant, "Tenant id")->required();
      sub->add_option("--version", o.version, "The dirty version")->required();
      sub->add_option("--mark", o.mark, "applied | removed")
          ->required()
          ->check(CLI::IsMember({"applied", "removed"}));
    }
    if (name == "baseline") {
      sub->add_option("--version", o.version, "Highest version to record as applied")->required();
    }
    if (name == "new") sub->add_option("name", o.name, "Slug: [A-Za-z0-9_-]+")->required();
    subs.emplace_back(sub, &c, &o);
  }
  Options& cleanup_options = *per_command.emplace_back(std::make_unique<Options>());
  CLI::App* neon = app.add_subcommand("neon", "Neon helpers");
  neon->require_subcommand(1);
  CLI::App* cleanup = neon->add_subcommand(
      "cleanup", "Delete leftover pgfleet-preflight-* branches (needs NEON_API_KEY)");
  cleanup->footer(
      "Example:\n  pgfleet neon cleanup --neon-project shiny-wind-028834 --older-than 2h");
  Options& o = cleanup_options;
  cleanup->add_option("--neon-project", o.neon_project, "Neon project id")->required();
  cleanup
      ->add_option("--older-than", o.older_than,
                   "Only branches created longer ago than this; younger ones may belong to a "
                   "preflight still running (0 = all)")
      ->capture_default_str();
  cleanup->add_option("--neon-api", o.neon_api, "Neon API base URL")->envname("NEON_API_HOST");
  cleanup->add_flag("-q,--quiet", o.quiet, "Only errors");

  try {
    app.parse(argc, argv);
    for (auto& [sub, command, options] : subs) {
      if (!sub->parsed()) continue;
      const bool given = !options->config.empty();
      apply_config_file(*sub, given ? options->config : "pgfleet.json", given);
      StopControl::install_signal_handlers();
      return command->run(*options);
    }
    if (cleanup->parsed()) {
      StopControl::install_signal_handlers();
      return cmd_neon_cleanup(cleanup_options);
    }
    return exit_usage;
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_usage;
  } catch (const UsageError& e) {
    std::cerr << "pgfleet: " << e.what() << "\n";
    return exit_usage;
  } catch (const RunError& e) {
    std::cerr << "pgfleet: " << e.what() << "\n";
    return exit_run_error;
  }
}

}  // namespace pgfleet::cli
