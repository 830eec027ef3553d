// pgfleet resume RUN_ID --ledger URL: runs the tenants a shared run did not finish (docs/LEDGER.md,
// "Resume").
#include "ledger_resume.hpp"

#include <fmt/format.h>

#include <iostream>

#include "ledger_worker.hpp"
#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_command.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/ledger/ledger_views.hpp"

namespace pgfleet::cli {
namespace {

FleetJob resume_job(Command command, const std::string& run_id, long queued) {
  FleetJob job;
  job.command = command;
  job.sharing = Sharing::ledger_workers;
  if (command == Command::plan) {
    job.run = [](TenantRunner& r, const Tenant& t, const Connector& c) { return r.plan(t, c); };
    return job;
  }
  job.effect = Effect::changes_tenants;
  job.confirm_question = fmt::format("Resume run {}: {} tenant(s) left to run?", run_id, queued);
  job.run = [](TenantRunner& r, const Tenant& t, const Connector& c) { return r.apply(t, c); };
  return job;
}

}  // namespace

int resume_from_ledger(const Options& given) {
  Options o = given;
  if (o.migrations_dir.empty()) o.migrations_dir = Options().migrations_dir;  // resume's default
  const auto ledger = open_ledger(o);
  long queued = 0;
  Command command = Command::apply;
  MigrationSet migrations;
  std::vector<Tenant> tenants;
  try {
    const auto run = ledger::find_run(*ledger, o.run_id);
    if (!run) throw UsageError("resume: no run " + o.run_id + " in the ledger");
    apply_run_options(*run, o);
    command = run->command == "plan" ? Command::plan : Command::apply;
    migrations = load_migrations(o);
    tenants = load_fleet(o);
    // Another migration set or target is refused before anything is requeued.
    join_run(*ledger, ledger_run_of(o, o.run_id, command, migrations), tenants);
    const auto retry = o.retry_failed ? ledger::RetryFailed::yes : ledger::RetryFailed::no;
    queued = ledger::requeue_unfinished(*ledger, o.run_id, retry);
  } catch (const ledger::LedgerError& e) {
    throw RunError(std::string("ledger: ") + e.what());
  }
  if (queued == 0) {
    std::cerr << "pgfleet: run " << o.run_id << " has nothing left to run\n";
    return exit_ok;
  }
  std::cerr << "pgfleet: resuming run " << o.run_id << ": " << queued << " tenant(s) to run\n";
  return run_fleet(o, migrations, std::move(tenants), resume_job(command, o.run_id, queued));
}

}  // namespace pgfleet::cli
