#include "fleet_lint.hpp"

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "lint_config.hpp"
#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/fleet/run_id.hpp"
#include "pgfleet/results/lint_report.hpp"
#include "pgfleet/results/measured_locks.hpp"

namespace pgfleet::cli {
namespace {

long long big_table_rows(const Options& o) {
  return o.big_table > 0 ? o.big_table : kDefaultBigTableRows;
}

LintFleet fleet_of(const Options& o, const LintFactsCollector& facts) {
  LintFleet fleet = facts.fleet(big_table_rows(o));
  fleet.measured = read_measured_locks(o.results_dir);
  return fleet;
}

// "2 tenant(s) read, PostgreSQL 14.2 (1), 15.4 (1); not read: t9 (connection refused)"
std::string fleet_note(const LintFactsCollector& facts, const LintFleet& fleet) {
  std::string note = std::to_string(facts.tenants_read()) + " tenant(s) read";
  std::string versions;
  for (const auto& [num, seen] : fleet.server_versions) {
    versions += (versions.empty() ? ", PostgreSQL " : ", ") + server_version_text(num) + " (" +
                std::to_string(seen.tenants) + ")";
  }
  note += versions;
  if (const auto lowest = fleet.lowest_version()) {
    note += "; lowest PostgreSQL " + server_version_text(*lowest) + " (tenant " +
            fleet.server_versions.begin()->second.example_tenant + ")";
  }
  const std::vector<std::string> unread = facts.unread();
  if (!unread.empty()) {
    note += "; " + std::to_string(unread.size()) + " not read, judged without them: " + unread[0];
    if (unread.size() > 1) note += fmt::format(" and {} more", unread.size() - 1);
  }
  return note;
}

std::vector<Version> versions_of(const MigrationSet& migrations) {
  std::vector<Version> versions;
  for (const Migration& m : migrations.all()) versions.push_back(m.version);
  return versions;
}

}  // namespace

LintConfig lint_config(const Options& o, const std::vector<Tenant>& tenants) {
  LintConfig config = read_lint_config(o.config.empty() ? "pgfleet.json" : o.config);
  for (const Tenant& t : tenants) {
    if (t.schema) config.tenancy = Tenancy::schema_per_tenant;
  }
  for (const auto* list : {&o.vars, &o.secret_vars}) {
    for (const std::string& item : *list)
      config.declared_vars.insert(item.substr(0, item.find('=')));
  }
  return config;
}

void add_fleet(const Options& o, const MigrationSet& migrations, LintConfig& config,
               std::ostream& notes) {
  check_fleet_flags(o);
  const std::vector<Tenant> tenants = load_fleet(o);
  config = lint_config(o, tenants);
  LintReadSettings read;
  read.connect = connect_settings(o, make_run_id(std::chrono::system_clock::now()));
  read.pool = pool_limits(o);
  read.ask = lint_questions(lint(migrations, config));
  read.history = o.lint_pending ? HistoryRead::read : HistoryRead::skip;
  LintFactsCollector facts;
  read_fleet_lint_facts(tenants, read, StopControl::process(), facts);
  if (facts.tenants_read() == 0 && !tenants.empty()) {
    throw RunError("lint: no tenant could be read (" + facts.unread().front() + ")");
  }
  const LintFleet fleet = fleet_of(o, facts);
  if (o.lint_fleet) config.fleet = fleet;
  if (o.lint_pending) config.only_versions = facts.lacking(versions_of(migrations));
  if (!o.quiet) notes << "pgfleet lint: fleet: " << fleet_note(facts, fleet) << "\n";
}

PlanLint::PlanLint(const Options& o, const MigrationSet& migrations,
                   const std::vector<Tenant>& tenants)
    : o_(o), migrations_(migrations), config_(lint_config(o, tenants)) {
  read_.ask = lint_questions(lint(migrations, config_));
}

FleetJob PlanLint::wrap(FleetJob job) {
  const auto plan = job.run;
  const std::shared_ptr<LintFactsCollector> facts = facts_;
  const LintReadSettings read = read_;
  job.run = [plan, facts, read](TenantRunner& r, const Tenant& t, const Connector& c) {
    TenantOutcome outcome = plan(r, t, c);
    if (outcome.status == TenantStatus::pending) {
      facts->add_pending(outcome.pending);
      read_tenant_into(t, c, read, *facts);
    }
    return outcome;
  };
  return job;
}

int PlanLint::finish(int exit_code, std::ostream& out) const {
  const std::set<Version> pending = facts_->lacking({});
  if (exit_code == exit_sigint || exit_code == exit_sigterm || pending.empty()) return exit_code;
  LintConfig config = config_;
  config.only_versions = pending;
  const LintFleet fleet = fleet_of(o_, *facts_);
  if (facts_->tenants_read() > 0) config.fleet = fleet;
  const std::vector<LintFinding> findings = lint(migrations_, config);
  int errors = 0, warnings = 0, suppressed = 0;
  std::vector<LintFinding> shown;
  for (const LintFinding& f : findings) {
    suppressed += f.suppressed();
    errors += !f.suppressed() && f.severity == LintSeverity::error;
    warnings += !f.suppressed() && f.severity == LintSeverity::warning;
    if (!o_.quiet || (!f.suppressed() && f.severity == LintSeverity::error)) shown.push_back(f);
  }
  if (o_.log_format == "json") {
    nlohmann::json line = nlohmann::json::parse(format_lint_report(shown, LintFormat::json));
    line["event"] = "lint";
    line["fleet"] = fleet_note(*facts_, fleet);
    out << line.dump() << "\n";
  } else if (!shown.empty() || !o_.quiet) {
    out << "lint of the pending migrations (fleet: " << fleet_note(*facts_, fleet) << "):\n"
        << format_lint_report(shown, LintFormat::text,
                              o_.verbose > 0 ? InfoFindings::shown : InfoFindings::hidden)
        << fmt::format(
               "lint: {} error(s), {} warning(s), {} suppressed (pgfleet lint --fleet "
               "--pending for every detail)\n",
               errors, warnings, suppressed);
  }
  return errors > 0 && exit_code == exit_ok ? exit_usage : exit_code;
}

}  // namespace pgfleet::cli
