#pragma once
// Runs one command on ONE tenant: plan, apply, rollback to a version, or a rollback script.
// Never throws: every failure ends up in the returned TenantOutcome, so one tenant's failure
// never stops the rest of the fleet (README "Safety").
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/engine/run_settings.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

class ApplyGuess;

class TenantRunner {
 public:
  // `stop` becomes true on SIGINT/SIGTERM: a query cancelled after that is `cancelled`, not
  // `failed` (a 57014 without it is a statement timeout).
  // `guess`: apply's guess of the history a tenant starts from, shared by the runners of one
  // run (a runner without one keeps its own).
  TenantRunner(const MigrationSet& migrations, const RunSettings& settings, Reporter& reporter,
               const std::atomic<bool>& stop, std::shared_ptr<ApplyGuess> guess = nullptr);

  // What would apply: status pending / up_to_date / drift / dirty, `pending` filled. No writes.
  TenantOutcome plan(const Tenant& tenant, const Connector& connect);
  // Applies pending migrations up to settings.target.
  TenantOutcome apply(const Tenant& tenant, const Connector& connect);
  // Runs .down files, newest first, until the tenant is at `target` (history rows deleted).
  // With `expected_top`, refuses unless the tenant's highest applied version is exactly that
  // (rollback --run, when the run's script has .down files that cannot share a transaction).
  TenantOutcome rollback_to(const Tenant& tenant, const Connector& connect, Version target,
                            std::optional<Version> expected_top = std::nullopt);
  // Runs a rollback script written by an earlier run, if the tenant's highest applied version
  // is still `expected_top`; the script deletes its own history rows.
  TenantOutcome run_script(const Tenant& tenant, const Connector& connect,
                           const std::string& script_sql, Version expected_top);
  // Records versions up to `version` as applied without running them (baseline).
  TenantOutcome baseline(const Tenant& tenant, const Connector& connect, Version version);
  // Resolves a dirty row: marks `version` applied, or removes its row.
  TenantOutcome repair(const Tenant& tenant, const Connector& connect, Version version,
                       RepairMark mark);
  // Runs the verify script of every applied version that has one, in version order, in one
  // read-only transaction that is rolled back: `verified`, or `failed` with phase verify
  // (docs/PREFLIGHT.md "Verify scripts"). Writes nothing.
  TenantOutcome verify(const Tenant& tenant, const Connector& connect);

 private:
  const MigrationSet& migrations_;
  const RunSettings& settings_;
  Reporter& reporter_;
  const std::atomic<bool>& stop_;
  // The starting history apply saw last, shared by the run's workers: apply sends the first
  // batch for it together with the state read (pgfleet/engine/speculative_batch.hpp).
  std::shared_ptr<ApplyGuess> guess_;
};

}  // namespace pgfleet
