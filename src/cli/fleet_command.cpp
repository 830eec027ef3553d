#include "pgfleet/cli/fleet_command.hpp"

#include <unistd.h>

#include <csignal>
#include <iostream>
#include <memory>

#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/neon_glue.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/fleet/fleet_runner.hpp"
#include "pgfleet/fleet/run_id.hpp"
#include "pgfleet/fleet/stop_control.hpp"
#include "pgfleet/fleet/tenant_connector.hpp"
#include "pgfleet/results/console_reporter.hpp"
#include "pgfleet/results/json_log_reporter.hpp"
#include "pgfleet/results/junit_writer.hpp"
#include "pgfleet/results/rollback_writer.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/results/summary_writer.hpp"
#include "pgfleet/results/tenants_jsonl_writer.hpp"

namespace pgfleet::cli {
namespace {

bool confirmed(const std::string& question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

int exit_code_for(const FleetResult& result, const StopControl& stop) {
  if (result.interrupted) return stop.signal_number() == SIGTERM ? exit_sigterm : exit_sigint;
  for (TenantStatus s : result.statuses) {
    if (!is_ok(s)) return exit_tenant_failed;
  }
  return exit_ok;
}

ConsoleOptions console_options(const Options& o, const std::string& results_path) {
  ConsoleOptions c;
  c.mode = o.quiet ? ConsoleMode::quiet
                   : (isatty(STDERR_FILENO) ? ConsoleMode::tty : ConsoleMode::plain);
  c.verbosity = o.verbose > 0 ? Verbosity::verbose : Verbosity::normal;
  c.results_path = results_path;
  return c;
}

}  // namespace

int run_fleet(const Options& o, const MigrationSet& migrations, std::vector<Tenant> tenants,
              const FleetJob& job) {
  if (job.effect == Effect::changes_tenants && !o.yes && isatty(STDIN_FILENO) &&
      !confirmed(job.confirm_question)) {
    std::cerr << "pgfleet: not confirmed; nothing was changed\n";
    return exit_tenant_failed;
  }
  StopControl& stop = StopControl::process();
  const auto started_at = std::chrono::system_clock::now();
  const std::string run_id = make_run_id(started_at);
  const RunSettings settings = run_settings(o, run_id);
  const ConnectSettings connect = connect_settings(o, run_id);

  std::optional<RunDirectory> dir;
  try {
    dir = RunDirectory::create(o.results_dir, run_id);
  } catch (const std::exception& e) {
    throw RunError(std::string("results directory: ") + e.what());
  }

  ReporterFanout reporter;
  if (o.log_format == "json") {
    reporter.add(std::make_shared<JsonLogReporter>(std::cerr));
  } else {
    reporter.add(std::make_shared<ConsoleReporter>(std::cerr, console_options(o, dir->path())));
  }
  auto jsonl = std::make_shared<TenantsJsonlWriter>(dir->file("tenants.jsonl"));
  auto summary = std::make_shared<SummaryWriter>(dir->file("summary.json"), migrations);
  auto junit = std::make_shared<JunitWriter>(dir->file("junit.xml"));
  std::shared_ptr<RollbackWriter> rollback;
  reporter.add(jsonl);
  if (job.command == Command::apply) {
    auto schemas = std::make_shared<std::map<std::string, std::optional<std::string>>>();
    for (const Tenant& t : tenants) (*schemas)[t.id] = t.schema;
    rollback = std::make_shared<RollbackWriter>(
        dir->rollback_dir(), migrations, [schemas](const std::string& id) {
          const auto it = schemas->find(id);
          return it == schemas->end() ? std::nullopt : it->second;
        });
    reporter.add(rollback);
  }
  reporter.add(summary);
  reporter.add(junit);

  RunInfo info;
  info.run_id = run_id;
  info.command = job.command;
  info.target = settings.target;
  info.tenant_count = tenants.size();
  info.started_at = started_at;
  reporter.run_started(info);

  // Preflight: every tenant is pointed at a throwaway branch, or skipped; the branches are
  // deleted when this scope ends, whatever happened (the lease's destructor covers throws).
  std::optional<neon::PreflightSetup> preflight;
  if (o.neon_branch) {
    preflight = start_neon_preflight(o, run_id, tenants);
    tenants = std::move(preflight->tenants);
    for (const auto& skip : preflight->skipped) {
      reporter.tenant_finished(not_run(skip.tenant_id, TenantStatus::skipped, skip.reason));
    }
  }

  TenantRunner runner(migrations, settings, reporter, stop.stop_flag());
  FleetRunner fleet(pool_limits(o), failure_policy(o), grace_period(o), reporter, stop);
  const FleetResult result = fleet.run(
      tenants,
      [&](const Tenant& t) {
        if (!t.invalid_reason.empty()) {
          return not_run(t.id, TenantStatus::invalid, t.invalid_reason);
        }
        return job.run(runner, t, make_connector(t, connect, stop));
      },
      tenant_host_port);

  RunSummary done;
  done.exit_code = exit_code_for(result, stop);
  if (preflight) {
    const auto released = preflight->lease.release();
    summary->set_neon(neon_summary(released));
    report_branches(released, std::cerr);
    if (!preflight->skipped.empty() && done.exit_code == exit_ok)
      done.exit_code = exit_tenant_failed;
  }
  done.finished_at = std::chrono::system_clock::now();
  done.interrupted = result.interrupted;
  done.stop_reason = result.stop_reason;
  reporter.run_finished(done);
  // The writers never throw from worker threads; a lost result file is reported here.
  bool results_ok = true;
  for (const auto& error : {jsonl->write_error(), summary->write_error(), junit->write_error(),
                            rollback ? rollback->write_error() : std::nullopt}) {
    if (error) std::cerr << "pgfleet: results: " << *error << "\n";
    results_ok = results_ok && !error;
  }
  return results_ok || done.exit_code != exit_ok ? done.exit_code : exit_tenant_failed;
}

}  // namespace pgfleet::cli
