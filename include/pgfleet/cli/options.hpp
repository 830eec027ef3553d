#pragma once
// Every setting a command can take, as given by flags, env or pgfleet.json (README.md,
// "Configuration"), before interpretation. Strings stay strings here; fleet_setup.hpp turns them
// into typed settings.
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace pgfleet::cli {

struct Options {
  // Where tenants come from (README.md, "Tenants").
  std::string control_plane;
  std::string tenant_query;
  std::string tenants_file;
  std::vector<std::string> dsns;
  std::vector<std::string> only, exclude;
  std::string shard;
  bool allow_empty = false;  // an empty selection exits 0 instead of 2
  // Common flags.
  std::string config;
  std::string migrations_dir = "./migrations";
  std::string results_dir = "./pgfleet-results";
  int concurrency = 16;
  int per_host = 0;
  std::string connect_timeout = "10s";
  std::string connect_retry_window = "15s";  // transient connect errors retried this long
  std::string lock_timeout = "5s";
  std::string lock_wait = "30s";
  std::string statement_timeout;
  std::string tx_mode = "file";
  int retries = 3;
  int max_failures = 0;  // 0 = no limit
  std::string max_failure_rate;
  int canary = 0;
  std::string grace = "30s";
  bool yes = false;
  bool keep_pooler = false;
  bool require_tls = false;
  std::string tenant_timeout;            // empty: none
  std::string max_lock_hold;             // apply gate (docs/PREFLIGHT.md, "Gates"); empty: none
  std::string max_duration;              // apply gate; empty: none
  std::vector<std::string> vars;         // --var NAME=VALUE (docs/PREFLIGHT.md "Placeholders")
  std::vector<std::string> secret_vars;  // --secret-var NAME=VALUE, masked in every output
  std::string log_format = "text";
  bool quiet = false;
  int verbose = 0;
  // plan / apply / rollback / baseline / repair.
  std::string target;
  std::string rollback_run;
  std::string tenant;
  std::string version;
  std::string mark;
  std::string name;  // new NAME
  // resume RUN_ID (docs/SCALING.md): the run id is run_id, below.
  bool retry_failed = false;  // also run again the tenants that failed or were unreachable
  // lint (docs/LINT.md).
  std::string
      lint_format;  // empty: github in GitHub Actions, json with --log-format json, else text
  std::string fail_on = "error";
  bool lint_fleet = false;    // --fleet: read versions and table sizes from the tenants
  bool lint_pending = false;  // --pending: only versions some tenant lacks
  long long big_table = 0;    // --big-table ROWS; 0: kDefaultBigTableRows (lint_fleet.hpp)
  // Neon preflight (docs/NEON.md).
  bool neon_branch = false;
  std::string neon_project;
  std::string neon_parent;
  std::string neon_branch_ttl = "2h";
  bool neon_keep_branch = false;
  std::string neon_api;
  std::string older_than = "1h";  // neon cleanup
  // The shared run ledger (docs/LEDGER.md).
  std::string ledger;         // a PostgreSQL URL, or "control-plane"
  std::string run_id;         // --run-id of a worker; the run of status --run, report, resume
  std::string lease = "60s";  // how long a claimed tenant stays this worker's unless renewed
  bool watch = false;         // status --run --watch
};

// Flag groups, added to each subcommand that takes them.
void add_tenant_flags(CLI::App& cmd, Options& o);
// Only where tenants come from: --control-plane, --tenants, --dsn (part of add_tenant_flags).
void add_tenant_source_flags(CLI::App& cmd, Options& o);
void add_run_flags(CLI::App& cmd, Options& o);
void add_output_flags(CLI::App& cmd, Options& o);
void add_neon_flags(CLI::App& cmd, Options& o);
// lint --fleet / --pending: how tenants are reached (a subset of the run flags), and --big-table
// (also on plan).
void add_lint_fleet_flags(CLI::App& cmd, Options& o);
void add_big_table_flag(CLI::App& cmd, Options& o);
// --ledger (env PGFLEET_LEDGER).
void add_ledger_flags(CLI::App& cmd, Options& o);
// --run-id and --lease: a worker of a run shared through the ledger.
void add_worker_flags(CLI::App& cmd, Options& o);

// Fills options not given by a flag or env from pgfleet.json (or --config); keys are the long
// flag names without dashes' prefix, e.g. {"concurrency": 8, "control-plane": "..."}. Throws
// UsageError naming the file and key on a bad file or unknown key.
void apply_config_file(CLI::App& cmd, const std::string& path, bool path_was_given);

}  // namespace pgfleet::cli
