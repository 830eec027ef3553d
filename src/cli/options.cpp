#include "pgfleet/cli/options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pgfleet/cli/usage_error.hpp"

namespace pgfleet::cli {
namespace {

// PGFLEET_<FLAG_NAME>: every long flag can come from the environment too.
std::string env_name(const std::string& flag) {
  std::string env = "PGFLEET_";
  for (char c : flag) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return env;
}

template <typename T>
CLI::Option* opt(CLI::App& cmd, const std::string& flag, T& value, const std::string& help) {
  return cmd.add_option("--" + flag, value, help)->envname(env_name(flag));
}

}  // namespace

void add_tenant_flags(CLI::App& cmd, Options& o) {
  auto* g = &cmd;
  opt(*g, "control-plane", o.control_plane, "Control-plane database URL")
      ->envname("PGFLEET_CONTROL_PLANE");
  opt(*g, "tenant-query", o.tenant_query,
      "SQL returning id, connection_string [, schema, neon_project_id]; "
      "$1 = PGFLEET_CONTROL_PLANE_KEY when set");
  opt(*g, "tenants", o.tenants_file, "JSON array or JSON Lines file of tenants ('-' = stdin)");
  cmd.add_option("--dsn", o.dsns, "A tenant database URL (repeatable); its id is the dbname");
  opt(*g, "only", o.only, "Only these tenant ids (comma-separated)")->delimiter(',');
  opt(*g, "exclude", o.exclude, "Skip these tenant ids (comma-separated)")->delimiter(',');
  opt(*g, "shard", o.shard, "Run shard K of N (0-based), by a stable hash of the id: K/N");
}

void add_run_flags(CLI::App& cmd, Options& o) {
  opt(cmd, "concurrency", o.concurrency, "Tenants (connections) at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  opt(cmd, "per-host", o.per_host, "Tenants at once per database host:port (0 = no cap)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  opt(cmd, "connect-timeout", o.connect_timeout, "Connect deadline per attempt")
      ->capture_default_str();
  opt(cmd, "lock-timeout", o.lock_timeout, "lock_timeout of each migration")->capture_default_str();
  opt(cmd, "lock-wait", o.lock_wait, "How long to wait for another pgfleet run on the same tenant")
      ->capture_default_str();
  opt(cmd, "statement-timeout", o.statement_timeout,
      "statement_timeout of each migration (default: none)");
  opt(cmd, "tx-mode", o.tx_mode, "file: a transaction per migration; tenant: one per tenant")
      ->capture_default_str()
      ->check(CLI::IsMember({"file", "tenant"}));
  opt(cmd, "retries", o.retries, "Retries after a lock timeout or deadlock")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  opt(cmd, "max-failures", o.max_failures, "Stop starting tenants after N failures (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  opt(cmd, "max-failure-rate", o.max_failure_rate, "Stop starting tenants past P% failed");
  opt(cmd, "canary", o.canary, "Run the first N tenants first; go on only if all succeed")
      ->check(CLI::NonNegativeNumber);
  opt(cmd, "grace", o.grace, "After SIGINT/SIGTERM, how long running transactions may finish")
      ->capture_default_str();
  cmd.add_flag("--keep-pooler", o.keep_pooler,
               "Connect Neon -pooler hosts as given (default: their direct host)")
      ->envname("PGFLEET_KEEP_POOLER");
  cmd.add_flag("-y,--yes", o.yes, "Do not ask for confirmation")->envname("PGFLEET_YES");
}

void add_output_flags(CLI::App& cmd, Options& o) {
  opt(cmd, "config", o.config, "Config file (default: ./pgfleet.json if present)");
  opt(cmd, "migrations", o.migrations_dir, "Migrations directory")->capture_default_str();
  opt(cmd, "results-dir", o.results_dir, "Where run results are written")->capture_default_str();
  opt(cmd, "log-format", o.log_format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  cmd.add_flag("-q,--quiet", o.quiet, "Only the final summary and errors");
  cmd.add_flag("-v,--verbose", o.verbose, "More detail (repeat for more)");
}

void add_neon_flags(CLI::App& cmd, Options& o) {
  cmd.add_flag("--neon-branch", o.neon_branch,
               "Preflight: run against a throwaway Neon branch (needs NEON_API_KEY)");
  opt(cmd, "neon-project", o.neon_project, "Neon project id (or neon_project_id per tenant)");
  opt(cmd, "neon-parent", o.neon_parent, "Parent branch name or id (default: project default)");
  opt(cmd, "neon-branch-ttl", o.neon_branch_ttl, "Branch expiry, sent as expires_at")
      ->capture_default_str();
  cmd.add_flag("--neon-keep-branch", o.neon_keep_branch, "Keep the branch after the run");
  opt(cmd, "neon-api", o.neon_api, "Neon API base URL")->envname("NEON_API_HOST");
}

void apply_config_file(CLI::App& cmd, const std::string& path, bool path_was_given) {
  std::ifstream in(path);
  if (!in) {
    if (path_was_given) throw UsageError(path + ": cannot read config file");
    return;
  }
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(path + ": invalid JSON: " + e.what());
  }
  if (!config.is_object()) throw UsageError(path + ": must hold a JSON object");
  for (const auto& [key, value] : config.items()) {
    if (key == "lint") continue;  // lint's own object, read by cmd_lint (docs/LINT.md)
    CLI::Option* option = nullptr;
    try {
      option = cmd.get_option("--" + key);
    } catch (const CLI::OptionNotFound&) {
      // A key for another command (e.g. neon-project while running lint) is fine if some
      // command knows it; the parent app lists all subcommands.
      bool known = false;
      for (const CLI::App* sub :
           cmd.get_parent()->get_subcommands([](CLI::App*) { return true; })) {
        known = known || sub->get_option_no_throw("--" + key) != nullptr;
      }
      if (!known) throw UsageError(path + ": unknown key \"" + key + "\"");
      continue;
    }
    const std::string env = option->get_envname();
    if (option->count() > 0 || (!env.empty() && std::getenv(env.c_str()))) continue;
    const auto as_text = [&](const nlohmann::json& v) {
      return v.is_string() ? v.get<std::string>() : v.dump();
    };
    if (value.is_array()) {
      for (const auto& item : value) option->add_result(as_text(item));
    } else {
      option->add_result(as_text(value));
    }
    try {
      option->run_callback();
    } catch (const CLI::Error& e) {
      throw UsageError(path + ": key \"" + key + "\": " + e.what());
    }
  }
}

}  // namespace pgfleet::cli
