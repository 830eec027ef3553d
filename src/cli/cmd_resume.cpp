// pgfleet resume RUN_ID (docs/SCALING.md, "Resume without a ledger").
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <map>

#include "ledger_resume.hpp"
#include "ledger_worker.hpp"
#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/recorded_options.hpp"
#include "pgfleet/cli/resume.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/fleet/run_id.hpp"
#include "pgfleet/results/run_lock.hpp"
#include "pgfleet/results/tenants_jsonl_file.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet::cli {
namespace {

void refuse_unresumable(const RunManifest& record) {
  if (record.command != "apply") {
    throw UsageError("resume " + record.run_id + ": it was a " + record.command +
                     " run; only apply runs can be resumed");
  }
  const auto neon = record.options.find("neon-branch");
  if (neon != record.options.end() && neon->is_boolean() && neon->get<bool>()) {
    throw UsageError("resume " + record.run_id +
                     ": it was a Neon preflight and its branch is gone; start a new preflight");
  }
}

// run.json keeps no control-plane URL or --dsn (they may hold a password): a resume is given
// its tenant source again, like the run was (flag, environment or pgfleet.json).
void require_tenant_source(const Options& run, const RunManifest& record) {
  if (!run.control_plane.empty() || !run.tenants_file.empty() || !run.dsns.empty()) return;
  const std::string how = record.tenant_source == "control-plane"
                              ? "--control-plane URL (or PGFLEET_CONTROL_PLANE)"
                              : "--" + record.tenant_source;
  throw UsageError("resume " + record.run_id + ": give the run's tenant source again: " + how +
                   " (run.json keeps no URL: it may hold a password)");
}

// The first difference between the run's migrations and the directory's, "" when none.
std::string first_difference(const std::vector<MigrationSummary>& recorded,
                             const MigrationSet& now) {
  std::map<Version, std::string> then, current;
  for (const auto& m : recorded) then[m.version] = m.checksum;
  for (const auto& m : now.all()) current[m.version] = m.checksum;
  for (const auto& [version, checksum] : then) {
    const auto it = current.find(version);
    if (it == current.end()) return fmt::format("version {} is gone", version);
    if (it->second != checksum) return fmt::format("version {} changed (checksum)", version);
  }
  for (const auto& [version, checksum] : current) {
    if (then.count(version) == 0) return fmt::format("version {} is new", version);
  }
  return {};
}

void refuse_changed_migrations(const RunManifest& record, const MigrationSet& migrations,
                               const std::string& dir) {
  const std::string difference = first_difference(record.migrations, migrations);
  if (difference.empty()) return;
  throw UsageError("resume " + record.run_id + ": the migrations in " + dir +
                   " are not the run's (" + difference +
                   "); a resume finishes a run with its own migrations: start a new run to "
                   "apply these");
}

// The tenants to run again, from the source; one no longer there is `invalid`, with why.
std::vector<Tenant> tenants_to_run_again(const Options& run, const std::vector<std::string>& ids,
                                         const std::string& run_id) {
  std::map<std::string, Tenant> by_id;
  for (Tenant& t : load_fleet(run)) by_id.emplace(t.id, std::move(t));  // first of an id wins
  std::vector<Tenant> tenants;
  for (const std::string& id : ids) {
    const auto it = by_id.find(id);
    if (it != by_id.end()) {
      tenants.push_back(it->second);
      continue;
    }
    Tenant gone;
    gone.id = id;
    gone.invalid_reason = "not in the tenant source when run " + run_id + " was resumed";
    tenants.push_back(std::move(gone));
  }
  return tenants;
}

nlohmann::json resume_entry(RetryFailed retry, const std::vector<std::string>& ids) {
  return nlohmann::json{{"started_at", util::format_rfc3339_utc(std::chrono::system_clock::now())},
                        {"retry_failed", retry == RetryFailed::yes},
                        {"tenants", ids}};
}

int nothing_to_resume(const ResumePlan& plan, const std::string& run_id, RetryFailed retry) {
  long not_ok = 0;
  for (const TenantOutcome& t : plan.standing) not_ok += is_ok(t.status) ? 0 : 1;
  std::cerr << "pgfleet: run " << run_id << ": every tenant finished; nothing to resume";
  if (not_ok > 0) {
    std::cerr << " (" << not_ok << " not ok"
              << (retry == RetryFailed::no
                      ? "; --retry-failed runs the failed and unreachable ones again)"
                      : ")");
  }
  std::cerr << "\n";
  return not_ok > 0 ? exit_tenant_failed : exit_ok;
}

// After the resume: one line per tenant again. A failure here loses nothing (the last line of
// a tenant counts) and is only reported.
void compact_results(const Options& run, const std::string& run_id) {
  try {
    const RunDirectory dir = RunDirectory::open(run.results_dir, run_id);
    const RunLock lock = RunLock::acquire(dir);
    compact_tenants_jsonl(dir.file("tenants.jsonl"), resumed_tenant_ids(read_run_manifest(dir)));
  } catch (const std::exception& e) {
    std::cerr << "pgfleet: warning: tenants.jsonl not compacted (" << e.what()
              << "); the last line of each tenant counts\n";
  }
}

FleetJob resume_job(const ResumeSource& source, ResumePlan plan, RetryFailed retry,
                    const MigrationSet& migrations) {
  const RunManifest& record = source.record;
  FleetJob job;
  job.command = Command::apply;
  job.effect = Effect::changes_tenants;
  job.confirm_question =
      fmt::format("Resume run {}: apply its {} migration(s) to the {} tenant(s) it did not finish?",
                  record.run_id, migrations.all().size(), plan.rerun_ids.size());
  job.run = [](TenantRunner& r, const Tenant& t, const Connector& c) { return r.apply(t, c); };
  job.continues = ContinuedRun{record.run_id, record.started_at, std::move(plan.standing),
                               std::move(plan.earlier), resume_entry(retry, plan.rerun_ids)};
  return job;
}

}  // namespace

int resume_run(const Options& o, const ResumeSource& source) {
  const RunManifest& record = source.record;
  refuse_unresumable(record);
  const Options run = with_recorded_options(o, record.options);
  require_tenant_source(run, record);
  check_fleet_flags(run);
  const MigrationSet migrations = load_migrations(run);
  refuse_changed_migrations(record, migrations, run.migrations_dir);
  for (const std::string& warning : source.warnings) {
    std::cerr << "pgfleet: warning: " << warning << "\n";
  }
  const RetryFailed retry = o.retry_failed ? RetryFailed::yes : RetryFailed::no;
  ResumePlan plan = plan_resume(source, retry);
  if (plan.rerun_ids.empty()) return nothing_to_resume(plan, record.run_id, retry);
  std::vector<Tenant> tenants = tenants_to_run_again(run, plan.rerun_ids, record.run_id);
  const FleetJob job = resume_job(source, std::move(plan), retry, migrations);
  const int code = run_fleet(run, migrations, std::move(tenants), job);
  compact_results(run, record.run_id);
  return code;
}

int cmd_resume(const Options& o) {
  if (!o.ledger.empty()) return resume_from_ledger(o);
  return resume_run(o, resume_source_from_directory(o.results_dir, o.run_id));
}

// A ledger's run id is any name (e.g. a Kubernetes Job's); a local one names a directory.
void check_resume_flags(const Options& o) {
  if (!o.ledger.empty()) return check_ledger_flags(o);
  try {
    validate_run_id(o.run_id);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("resume: ") + e.what());
  }
}

}  // namespace pgfleet::cli
