#include "command_table.hpp"

#include <CLI/CLI.hpp>

#include "gate_flags.hpp"
#include "ledger_worker.hpp"
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/neon_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"

namespace pgfleet::cli {
namespace {

// Flags of every command that runs over the fleet.
void fleet_flags(CLI::App& cmd, Options& o) {
  add_output_flags(cmd, o);
  add_tenant_flags(cmd, o);
  add_run_flags(cmd, o);
}

void plan_or_apply_flags(CLI::App& cmd, Options& o) {
  fleet_flags(cmd, o);
  cmd.add_option("--target", o.target, "Apply up to this version (default: latest)");
  add_neon_flags(cmd, o);
  add_ledger_flags(cmd, o);
  add_worker_flags(cmd, o);
}

void plan_flags(CLI::App& cmd, Options& o) {
  plan_or_apply_flags(cmd, o);
  add_big_table_flag(cmd, o);
}

void apply_flags(CLI::App& cmd, Options& o) {
  plan_or_apply_flags(cmd, o);
  add_gate_flags(cmd, o);
}

void rollback_flags(CLI::App& cmd, Options& o) {
  fleet_flags(cmd, o);
  auto* run = cmd.add_option("--run", o.rollback_run, "Run id whose rollback scripts to run");
  auto* target = cmd.add_option("--target", o.target, "Version to roll back to");
  run->excludes(target);
  add_ledger_flags(cmd, o);
}

void status_flags(CLI::App& cmd, Options& o) {
  fleet_flags(cmd, o);
  cmd.add_option("--run", o.run_id, "A run shared through --ledger: its progress across workers");
  add_ledger_flags(cmd, o);
  cmd.add_flag("--watch", o.watch, "With --run: show the progress again every 2 seconds");
}

void repair_flags(CLI::App& cmd, Options& o) {
  fleet_flags(cmd, o);
  cmd.add_option("--tenant", o.tenant, "Tenant id")->required();
  cmd.add_option("--version", o.version, "The dirty version")->required();
  cmd.add_option("--mark", o.mark, "applied | removed")
      ->required()
      ->check(CLI::IsMember({"applied", "removed"}));
}

void baseline_flags(CLI::App& cmd, Options& o) {
  fleet_flags(cmd, o);
  cmd.add_option("--version", o.version, "Highest version to record as applied")->required();
}

void new_flags(CLI::App& cmd, Options& o) {
  add_output_flags(cmd, o);
  cmd.add_option("name", o.name, "Slug: [A-Za-z0-9_-]+")->required();
}

void lint_flags(CLI::App& cmd, Options& o) {
  add_output_flags(cmd, o);
  cmd.add_option("--format", o.lint_format,
                 "text | json | github | sarif | gitlab | markdown (default: github when "
                 "GITHUB_ACTIONS=true, json with --log-format json, else text)")
      ->check(CLI::IsMember({"text", "json", "github", "sarif", "gitlab", "markdown"}));
  cmd.add_option("--fail-on", o.fail_on, "Exit 2 on findings of this severity or worse")
      ->capture_default_str()
      ->check(CLI::IsMember({"error", "warning"}));
  add_lint_fleet_flags(cmd, o);
  cmd.add_option("--var", o.vars,
                 "NAME=VALUE: a placeholder every tenant has a value for (only the name is used)");
}

void report_flags(CLI::App& cmd, Options& o) {
  add_output_flags(cmd, o);
  cmd.add_option("run_id", o.run_id, "The run whose files to rebuild")->required();
  add_ledger_flags(cmd, o);
  cmd.add_option("--control-plane", o.control_plane,
                 "Control-plane database URL (--ledger control-plane)")
      ->envname("PGFLEET_CONTROL_PLANE");
}

// Fleet commands: every run flag, and the Neon ones when a preflight branch is asked for.
void check_run_flags(const Options& o) {
  check_fleet_flags(o);
  gate_limits(o);
  if (o.neon_branch) check_neon_flags(o);
  check_ledger_flags(o);
}

// status --run reads the ledger alone; without it status is a fleet census.
void check_status_flags(const Options& o) {
  if (o.run_id.empty()) return check_run_flags(o);
  if (o.ledger.empty()) throw UsageError("status --run needs --ledger URL (or PGFLEET_LEDGER)");
  check_ledger_flags(o);
}

// report and resume name a run of the ledger.
void check_ledger_run_flags(const Options& o) {
  if (o.ledger.empty()) return;  // the command says what it needs
  check_ledger_flags(o);
}

void neon_cleanup_flags(CLI::App& cmd, Options& o) {
  cmd.add_option("--neon-project", o.neon_project, "Neon project id")->required();
  cmd.add_option("--older-than", o.older_than,
                 "Only branches created longer ago than this; younger ones may belong to a "
                 "preflight still running (0 = all)")
      ->capture_default_str();
  cmd.add_option("--neon-api", o.neon_api,
                 "Neon API base URL (https://; plain http:// only for a loopback host)")
      ->envname("NEON_API_HOST");
  cmd.add_flag("-y,--yes", o.yes, "Do not ask for confirmation")->envname("PGFLEET_YES");
  cmd.add_flag("-q,--quiet", o.quiet, "Only errors");
}

void resume_flags(CLI::App& cmd, Options& o) {
  cmd.add_option("run_id", o.run_id, "The run to resume: <results-dir>/RUN_ID, or the ledger's")
      ->required();
  add_ledger_flags(cmd, o);
  add_output_flags(cmd, o);
  o.migrations_dir.clear();  // empty: the run's own directory, from its run.json
  cmd.get_option("--migrations")
      ->description("Migrations directory (default: the run's); must hold the run's migrations")
      ->default_str("");
  add_tenant_source_flags(cmd, o);
  cmd.add_flag("--retry-failed", o.retry_failed,
               "Also run again the tenants that failed or were unreachable");
  cmd.add_flag("-y,--yes", o.yes, "Do not ask for confirmation")->envname("PGFLEET_YES");
}

}  // namespace

const std::vector<CommandEntry>& command_table() {
  static const std::vector<CommandEntry> table = {
      {Command::plan,
       "Show, per tenant, the current version, pending migrations and drift; changes nothing",
       "pgfleet plan --control-plane \"$CP_URL\" --target 0012", plan_flags, cmd_plan,
       ConfigFile::read, check_run_flags},
      {Command::apply, "Apply pending migrations up to --target (default: latest)",
       "pgfleet apply --control-plane \"$CP_URL\" --concurrency 32 --canary 5 --yes", apply_flags,
       cmd_apply, ConfigFile::read, check_run_flags},
      {Command::status, "Fleet census: tenants per version, dirty, drifted, unreachable",
       "pgfleet status --control-plane \"$CP_URL\"", status_flags, cmd_status, ConfigFile::read,
       check_status_flags},
      {Command::verify,
       "Run the verify scripts of every applied version on every tenant, read-only",
       "pgfleet verify --control-plane \"$CP_URL\"", fleet_flags, cmd_verify, ConfigFile::read,
       check_run_flags},
      {Command::rollback,
       "Run a run's rollback scripts (--run) or apply .down files until --target",
       "pgfleet rollback --run 20261124T050000Z-a1b2 --control-plane \"$CP_URL\" --yes",
       rollback_flags, cmd_rollback, ConfigFile::read, check_run_flags},
      {Command::repair, "Resolve a dirty (pending) history row after a human looked",
       "pgfleet repair --tenant acme --version 0007 --mark removed --control-plane \"$CP_URL\"",
       repair_flags, cmd_repair, ConfigFile::read, check_run_flags},
      {Command::baseline, "Record --version V (and all before it) as applied without running them",
       "pgfleet baseline --version 0003 --dsn postgres://app@db1/acme", baseline_flags,
       cmd_baseline, ConfigFile::read, check_run_flags},
      {Command::lint, "Check the migrations directory: names, pairs, directives, dangerous DDL",
       "pgfleet lint --migrations ./migrations --format sarif", lint_flags, cmd_lint,
       ConfigFile::read, nullptr},
      {Command::new_migration, "Write the next <version>_NAME.up.sql / .down.sql pair",
       "pgfleet new add_invoices_index", new_flags, cmd_new, ConfigFile::read, nullptr},
      {Command::neon_cleanup, "Delete leftover pgfleet-preflight-* branches (needs NEON_API_KEY)",
       "pgfleet neon cleanup --neon-project shiny-wind-028834 --older-than 2h", neon_cleanup_flags,
       cmd_neon_cleanup, ConfigFile::ignored, check_neon_cleanup_flags},
      {Command::resume, "Run the tenants a run did not finish, with its options, into the same run",
       "pgfleet resume 20261124T050000Z-a1b2 --control-plane \"$CP_URL\" --yes", resume_flags,
       cmd_resume, ConfigFile::read, check_resume_flags},
      {Command::report,
       "Rebuild a run's summary.json, junit.xml, summary.md and report.html (from tenants.jsonl, "
       "or the whole run from --ledger)",
       "pgfleet report 20261124T050000Z-a1b2 --results-dir ./pgfleet-results", report_flags,
       cmd_report, ConfigFile::read, check_ledger_run_flags},
  };
  return table;
}

}  // namespace pgfleet::cli
