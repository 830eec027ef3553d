#include "pgfleet/cli/fleet_command.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "confirmation.hpp"
#include "gate_flags.hpp"
#include "ledger_worker.hpp"
#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/neon_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/engine/speculative_batch.hpp"
#include "pgfleet/fleet/fleet_runner.hpp"
#include "pgfleet/fleet/stop_control.hpp"
#include "pgfleet/fleet/tenant_connector.hpp"
#include "pgfleet/fleet/tenant_migrations.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/results/run_outputs.hpp"
#include "placeholder_flags.hpp"
#include "run_place.hpp"

namespace pgfleet::cli {
namespace {

// A signal's code first; then a run error (no worker thread, a result file lost: disk full) is 3
// whatever the tenants did; then 1 if some tenant is not ok.
int exit_code_for(const FleetResult& result, const StopControl& stop, const RunOutputs& outputs) {
  if (result.interrupted) return stop.signal_number() == SIGTERM ? exit_sigterm : exit_sigint;
  if (!result.run_error.empty() || !outputs.write_errors().empty()) return exit_run_error;
  for (TenantStatus s : result.statuses) {
    if (!is_ok(s)) return exit_tenant_failed;
  }
  return exit_ok;
}

// A run that changes tenants asks first on a terminal, unless --yes.
bool go_ahead(const Options& o, const FleetJob& job) {
  return job.effect == Effect::read_only || confirmed_or_yes(o, job.confirm_question);
}

TerminalOutput terminal_output(const Options& o) {
  TerminalOutput t;
  t.format = o.log_format == "json" ? LogFormat::json : LogFormat::text;
  t.mode = o.quiet ? ConsoleMode::quiet
                   : (isatty(STDERR_FILENO) ? ConsoleMode::tty : ConsoleMode::plain);
  t.verbosity = o.verbose > 0 ? Verbosity::verbose : Verbosity::normal;
  // A preflight is a forecast of production: it always ends with the table (docs/PREFLIGHT.md).
  t.forecast_table = o.neon_branch ? ForecastTable::always : ForecastTable::when_measured;
  return t;
}

// The run's listeners; a results file that cannot be opened (tenants.jsonl) is a run error.
RunOutputs open_outputs(const RunDirectory& dir, const FleetJob& job,
                        const MigrationSet& migrations, const std::vector<Tenant>& tenants,
                        const Options& o) {
  // In a GitHub Actions job, summary.md goes to the job's summary page too.
  const char* step_summary = std::getenv("GITHUB_STEP_SUMMARY");
  try {
    return RunOutputs(dir, job.command, migrations, tenants, terminal_output(o), std::cerr,
                      step_summary ? step_summary : "");
  } catch (const std::exception& e) {
    throw RunError(std::string("results directory: ") + e.what());
  }
}

RunInfo run_info(const std::string& run_id, const FleetJob& job, const RunSettings& settings,
                 std::size_t tenant_count, std::chrono::system_clock::time_point started_at) {
  RunInfo info;
  info.run_id = run_id;
  info.command = job.command;
  info.target = settings.target;
  info.tenant_count = tenant_count;
  info.started_at = started_at;
  return info;
}

// Points every tenant at a throwaway Neon branch, or reports it skipped. The branches are
// deleted when the returned lease ends, whatever happened (its destructor covers throws).
neon::PreflightSetup start_preflight(const Options& o, const std::string& run_id,
                                     std::vector<Tenant>& tenants, Reporter& reporter) {
  neon::PreflightSetup preflight = start_neon_preflight(o, run_id, tenants);
  report_leftovers(preflight.leftovers, std::cerr);
  tenants = std::move(preflight.tenants);
  for (const auto& skip : preflight.skipped) {
    reporter.tenant_finished(not_run(skip.tenant_id, TenantStatus::skipped, skip.reason));
  }
  return preflight;
}

// A gate that tripped makes a run that was ok exit 1; tenant statuses stay (docs/PREFLIGHT.md,
// "Gates").
int exit_code_after_gates(const RunOutputs& outputs, int exit_code) {
  const std::vector<GateTrip> trips = outputs.gate_trips();
  return !trips.empty() && exit_code == exit_ok ? exit_tenant_failed : exit_code;
}

// Deletes (or keeps) the branches and records them in summary.json and on the console; returns
// the exit code, which a tenant the preflight skipped makes 1: it was not covered.
int finish_preflight(neon::PreflightSetup& preflight, RunOutputs& outputs, int exit_code) {
  const auto released = preflight.lease.release();
  outputs.set_neon(neon_summary(released, preflight.leftovers));
  report_branches(released, std::cerr);
  return !preflight.skipped.empty() && exit_code == exit_ok ? exit_tenant_failed : exit_code;
}

// The writers never throw from worker threads; a lost result file (also summary.json or junit.xml
// at the end) is reported here and makes the run exit 3 unless a signal stopped it.
int exit_code_after_writes(const RunOutputs& outputs, const FleetResult& result, int exit_code) {
  if (!result.run_error.empty()) std::cerr << "pgfleet: " << result.run_error << "\n";
  const std::vector<std::string> errors = outputs.write_errors();
  for (const auto& error : errors) std::cerr << "pgfleet: results: " << error << "\n";
  if (errors.empty()) return exit_code;
  std::cerr << "pgfleet: a result file could not be written; no tenant was started after that\n";
  return exit_code == exit_ok || exit_code == exit_tenant_failed ? exit_run_error : exit_code;
}

// Once a result file could not be written (disk full), no tenant starts: its result could not
// be kept. Running tenants finish (README.md, "Exit codes").
std::optional<TenantOutcome> stopped_by_lost_results(const Tenant& t, const RunOutputs& outputs) {
  const std::vector<std::string> errors = outputs.write_errors();
  if (errors.empty()) return std::nullopt;
  return not_run(t.id, TenantStatus::skipped,
                 "not started: a result file could not be written (" + errors.front() + ")");
}

// repair and baseline send no migration text: a tenant missing a value can still be repaired.
PlaceholderRendering rendering_for(Command command) {
  const bool sends_text = command != Command::repair && command != Command::baseline;
  return sends_text ? PlaceholderRendering::per_tenant : PlaceholderRendering::none;
}

// Each tenant's rendered set, for its rollback script (docs/PREFLIGHT.md "Placeholders");
// `by_id` is filled once the tenant list is final, before any tenant runs.
MigrationsLookup rendered_sets(std::shared_ptr<std::map<std::string, const Tenant*>> by_id,
                               const TenantMigrations& sets) {
  return [by_id, &sets](const std::string& id) -> std::shared_ptr<const MigrationSet> {
    const auto it = by_id->find(id);
    return it == by_id->end() ? nullptr : sets.for_tenant(*it->second).set;
  };
}

// One tenant's job: its migration set rendered before anything touches it; a tenant whose set
// cannot be rendered is `invalid` and never connected.
TenantOutcome run_one(const Tenant& t, const TenantMigrations& sets, const FleetJob& job,
                      const RunSettings& settings, Reporter& reporter, StopControl& stop,
                      const ConnectSettings& connect, const std::shared_ptr<ApplyGuess>& guess) {
  const TenantMigrationSet own = sets.for_tenant(t);
  if (own.refused) return *own.refused;
  TenantRunner runner(*own.set, settings, reporter, stop.stop_flag(), guess);
  return run_connected(t, connect, stop, [&](const Connector& c) { return job.run(runner, t, c); });
}

// The work of one tenant: refused when invalid or once results cannot be kept, else run.
FleetRunner::Job tenant_job(const FleetJob& job, const TenantMigrations& sets,
                            const RunSettings& settings, Reporter& reporter, StopControl& stop,
                            const ConnectSettings& connect, const RunOutputs& outputs) {
  // apply's guess of the history a tenant starts from, shared by the run's tenants.
  auto guess = std::make_shared<ApplyGuess>();
  return [&job, &sets, &settings, &reporter, &stop, connect, &outputs, guess](const Tenant& t) {
    if (!t.invalid_reason.empty()) {
      return not_run(t.id, TenantStatus::invalid, t.invalid_reason);
    }
    if (auto stopped = stopped_by_lost_results(t, outputs)) return *stopped;
    return run_one(t, sets, job, settings, reporter, stop, connect, guess);
  };
}

}  // namespace

int run_fleet(const Options& o, const MigrationSet& migrations, std::vector<Tenant> tenants,
              const FleetJob& job) {
  if (!go_ahead(o, job)) {
    std::cerr << "pgfleet: not confirmed; nothing was changed\n";
    return exit_tenant_failed;
  }
  if (o.neon_branch) check_neon_projects(o, tenants);
  StopControl& stop = StopControl::process();
  const RunIdentity identity = run_identity(o, job);
  const std::string& run_id = identity.run_id;
  const RunSettings settings = run_settings(o, run_id);
  const ConnectSettings connect = connect_settings(o, run_id);
  // A worker registers or joins its run before anything is created: a refusal touches nothing.
  std::optional<LedgerWorker> worker;
  if (job.sharing == Sharing::ledger_workers && !o.ledger.empty()) {
    worker.emplace(o, run_id, job.command, migrations, tenants);
  }
  const RunPlace place = place_run(o, job, identity, worker ? RunShared::yes : RunShared::no);
  RunOutputs outputs = open_outputs(place.dir, job, migrations, tenants, o);
  outputs.set_gate_limits(gate_limits(o));  // each tenant is checked as it finishes
  if (job.observer) outputs.add_listener(job.observer);
  PlaceholderFlags placeholders = placeholder_flags(o);
  const TenantMigrations sets(migrations, std::move(placeholders.defaults), run_id,
                              rendering_for(job.command));
  auto tenant_by_id = std::make_shared<std::map<std::string, const Tenant*>>();
  outputs.use_tenant_migrations(rendered_sets(tenant_by_id, sets), std::move(placeholders.secrets));
  record_run(o, place, job, migrations, tenants, outputs);
  // Recorded before the branch exists: `rollback --run` refuses a preflight run even if it died.
  if (o.neon_branch) outputs.set_neon(neon_summary_at_start(o, run_id));
  Reporter& reporter = worker ? worker->reporter(outputs.reporter()) : outputs.reporter();
  reporter.run_started(run_info(run_id, job, settings, tenants.size(), place.started_at));

  std::optional<neon::PreflightSetup> preflight;
  if (o.neon_branch) preflight = start_preflight(o, run_id, tenants, reporter);
  for (const Tenant& t : tenants) tenant_by_id->emplace(t.id, &t);
  FleetRunner fleet(pool_limits(o), failure_policy(o), grace_period(o), reporter, stop);
  const FleetRunner::Job run_one =
      tenant_job(job, sets, settings, reporter, stop, connect, outputs);
  const FleetResult result = worker ? fleet.run(worker->feed(), run_one, tenant_host_port)
                                    : fleet.run(tenants, run_one, tenant_host_port);

  RunSummary done;
  done.exit_code = with_standing_tenants(
      job, exit_code_after_gates(outputs, exit_code_for(result, stop, outputs)));
  if (preflight) done.exit_code = finish_preflight(*preflight, outputs, done.exit_code);
  if (worker) done.exit_code = worker->finish(result, done.exit_code, o);
  done.finished_at = std::chrono::system_clock::now();
  done.interrupted = result.interrupted;
  done.stop_reason = result.stop_reason;
  reporter.run_finished(done);
  return exit_code_after_writes(outputs, result, done.exit_code);
}

}  // namespace pgfleet::cli
