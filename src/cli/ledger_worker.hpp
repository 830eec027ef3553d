#pragma once
// A fleet command run as one worker of a run shared through the ledger (docs/LEDGER.md): the
// ledger opened and the run registered or joined before anything is touched, the feed of claimed
// batches, the listener that hands the ledger each finished tenant's tenants.jsonl line and
// rollback script, and what the worker says when it is done.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "pgfleet/cli/options.hpp"
#include "pgfleet/engine/command.hpp"
#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/fleet/fleet_runner.hpp"
#include "pgfleet/ledger/ledger.hpp"
#include "pgfleet/ledger/ledger_feed.hpp"
#include "pgfleet/ledger/ledger_queue.hpp"
#include "pgfleet/ledger/ledger_run.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet::cli {

// Checks --ledger, --run-id and --lease. Throws UsageError.
void check_ledger_flags(const Options& o);
// Opens the ledger --ledger names. Throws RunError (exit 3).
std::unique_ptr<ledger::Ledger> open_ledger(const Options& o);
// The ledger's record of the run these options start.
ledger::LedgerRun ledger_run_of(const Options& o, const std::string& run_id, Command command,
                                const MigrationSet& migrations);
// Registers the run with `tenants` or joins it. Throws UsageError (exit 2, another migration
// set, command or target) or RunError (exit 3).
ledger::Registration join_run(ledger::Ledger& ledger, const ledger::LedgerRun& run,
                              const std::vector<Tenant>& tenants);
// Copies the options a run was registered with (ledger_run_of) into `o`, for `resume`.
void apply_run_options(const ledger::LedgerRun& run, Options& o);

class LedgerWorker {
 public:
  // Opens the ledger and registers or joins run `run_id`. Throws UsageError or RunError.
  LedgerWorker(const Options& o, const std::string& run_id, Command command,
               const MigrationSet& migrations, const std::vector<Tenant>& tenants);
  ~LedgerWorker();

  // Forwards every event to `outputs` and records each finished tenant in the ledger.
  Reporter& reporter(Reporter& outputs);
  TenantFeed& feed() { return *feed_; }
  // After the run: stops renewing leases, marks the run finished when nothing is left, prints
  // what the ledger cost; returns `exit_code`, made 3 by a ledger failure and at least 1 when
  // the run was stopped (by any worker).
  int finish(const FleetResult& result, int exit_code, const Options& o);

 private:
  class Recorder;

  std::string run_id_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<ledger::LedgerQueue> queue_;
  std::unique_ptr<ledger::LedgerFeed> feed_;
  std::shared_ptr<Recorder> recorder_;
  ReporterFanout fanout_;
};

}  // namespace pgfleet::cli
