#include "pgfleet/cli/options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
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

// "line L, column C" (1-based) of the byte nlohmann's parse_error points at (1-based, 0 for an
// empty input).
std::string line_and_column(const std::string& text, std::size_t byte) {
  const std::size_t offset = std::min(byte > 0 ? byte - 1 : 0, text.size());
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

// pgfleet.json `vars`: {"NAME": "VALUE", ...}, defaults for the names --var does not give.
void add_config_vars(CLI::App& cmd, const std::string& path, const nlohmann::json& vars) {
  if (!vars.is_object()) throw UsageError(path + ": \"vars\" must be an object of strings");
  CLI::Option* option = cmd.get_option_no_throw("--var");
  if (option == nullptr) return;  // a command without placeholders (lint, new)
  std::vector<std::string> given = option->as<std::vector<std::string>>();
  const auto named = [&](const std::string& name) {
    return std::any_of(given.begin(), given.end(), [&](const std::string& item) {
      return item.substr(0, item.find('=')) == name;
    });
  };
  for (const auto& [name, value] : vars.items()) {
    if (!value.is_string())
      throw UsageError(path + ": \"vars\" key \"" + name + "\" must be a string");
    if (!named(name)) option->add_result(name + "=" + value.get<std::string>());
  }
  option->run_callback();
}

}  // namespace

void add_tenant_source_flags(CLI::App& cmd, Options& o) {
  opt(cmd, "control-plane", o.control_plane, "Control-plane database URL")
      ->envname("PGFLEET_CONTROL_PLANE");
  opt(cmd, "tenants", o.tenants_file, "JSON array or JSON Lines file of tenants ('-' = stdin)");
  cmd.add_option("--dsn", o.dsns, "A tenant database URL (repeatable); its id is the dbname");
}

void add_tenant_flags(CLI::App& cmd, Options& o) {
  auto* g = &cmd;
  add_tenant_source_flags(cmd, o);
  opt(*g, "tenant-query", o.tenant_query,
      "SQL returning id, connection_string [, schema, neon_project_id]; "
      "$1 = PGFLEET_CONTROL_PLANE_KEY when set");
  opt(*g, "only", o.only, "Only these tenant ids (comma-separated)")->delimiter(',');
  opt(*g, "exclude", o.exclude, "Skip these tenant ids (comma-separated)")->delimiter(',');
  opt(*g, "shard", o.shard,
      "Run shard K of N (0-based) by a stable hash of the id: K/N, or index/N with K from "
      "JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs)");
  cmd.add_flag("--allow-empty", o.allow_empty,
               "Succeed (exit 0) when no tenant is selected; the default is exit 2")
      ->envname("PGFLEET_ALLOW_EMPTY");
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
  opt(cmd, "connect-retry-window", o.connect_retry_window,
      "How long refused / starting-up connects are retried (0 = one attempt)")
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
  opt(cmd, "tenant-timeout", o.tenant_timeout,
      "Bound on one tenant's whole run; past it its query is cancelled and it fails (default: "
      "none)");
  cmd.add_flag("--require-tls", o.require_tls, "Refuse tenant connections that are not encrypted")
      ->envname("PGFLEET_REQUIRE_TLS");
  cmd.add_flag("--keep-pooler", o.keep_pooler,
               "Connect Neon -pooler hosts as given (default: their direct host)")
      ->envname("PGFLEET_KEEP_POOLER");
  cmd.add_flag("-y,--yes", o.yes, "Do not ask for confirmation")->envname("PGFLEET_YES");
  cmd.add_option("--var", o.vars,
                 "NAME=VALUE: a placeholder value for every tenant that has none of its own "
                 "(repeatable)");
  cmd.add_option("--secret-var", o.secret_vars,
                 "NAME=VALUE like --var, and the value is masked in every output (repeatable)");
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

void add_big_table_flag(CLI::App& cmd, Options& o) {
  opt(cmd, "big-table", o.big_table,
      "Lint: a lock finding on a table whose largest copy has fewer rows is info (default "
      "100000)")
      ->check(CLI::PositiveNumber);
}

void add_lint_fleet_flags(CLI::App& cmd, Options& o) {
  add_tenant_flags(cmd, o);
  cmd.add_flag("--fleet", o.lint_fleet,
               "Read server versions and table sizes from the tenants (read-only)");
  cmd.add_flag("--pending", o.lint_pending,
               "Lint only the versions some tenant lacks (reads each tenant's history)");
  add_big_table_flag(cmd, o);
  opt(cmd, "concurrency", o.concurrency, "Tenants (connections) at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  opt(cmd, "per-host", o.per_host, "Tenants at once per database host:port (0 = no cap)")
      ->check(CLI::NonNegativeNumber);
  opt(cmd, "connect-timeout", o.connect_timeout, "Connect deadline per attempt")
      ->capture_default_str();
  opt(cmd, "connect-retry-window", o.connect_retry_window,
      "How long refused / starting-up connects are retried (0 = one attempt)")
      ->capture_default_str();
  opt(cmd, "tenant-timeout", o.tenant_timeout, "Bound on reading one tenant (default: none)");
  cmd.add_flag("--require-tls", o.require_tls, "Refuse tenant connections that are not encrypted")
      ->envname("PGFLEET_REQUIRE_TLS");
  cmd.add_flag("--keep-pooler", o.keep_pooler,
               "Connect Neon -pooler hosts as given (default: their direct host)")
      ->envname("PGFLEET_KEEP_POOLER");
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

void add_ledger_flags(CLI::App& cmd, Options& o) {
  opt(cmd, "ledger", o.ledger,
      "Shared run ledger: a PostgreSQL URL, or control-plane for the control-plane database");
}

void add_worker_flags(CLI::App& cmd, Options& o) {
  opt(cmd, "run-id", o.run_id,
      "Name the run; with --ledger every worker given the same id works one queue");
  opt(cmd, "lease", o.lease, "With --ledger: how long a claimed tenant stays this worker's")
      ->capture_default_str();
}

void apply_config_file(CLI::App& cmd, const std::string& path, bool path_was_given) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (path_was_given) throw UsageError(path + ": cannot read config file");
    return;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // The parser's message quotes the text around the error, which may be a password.
    throw UsageError(path + ": invalid JSON at " + line_and_column(text, e.byte) +
                     " (the text is not shown: it may hold secrets)");
  }
  if (!config.is_object()) throw UsageError(path + ": must hold a JSON object");
  for (const auto& [key, value] : config.items()) {
    if (key == "lint") continue;  // lint's own object, read by cmd_lint (docs/LINT.md)
    if (key == "vars") {
      add_config_vars(cmd, path, value);
      continue;
    }
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
    } catch (const CLI::Error&) {
      // CLI11's message quotes the value; a value in this file may be a secret.
      throw UsageError(path + ": key \"" + key + "\" has an invalid value (see --" + key +
                       " in --help)");
    }
  }
}

}  // namespace pgfleet::cli
