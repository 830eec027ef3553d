#pragma once
// One command on one tenant in progress: its session, the history state read from it, and the
// outcome being built. TenantRunner creates one per call; this is where the plan-execute loop
// lives, with the policy for what each step's end means for the tenant.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/engine/planner.hpp"
#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/engine/run_settings.hpp"
#include "pgfleet/engine/step_executor.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/engine/tenant_runner.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

class TenantRun {
 public:
  TenantRun(const MigrationSet& migrations, const RunSettings& settings, Reporter& reporter,
            const std::atomic<bool>& stop, const Tenant& tenant, const Connector& connect);

  // Each runs the command and returns the finished outcome; never throws.
  TenantOutcome plan();
  TenantOutcome apply();
  TenantOutcome rollback_to(Version target, std::optional<Version> expected_top);
  TenantOutcome run_script(const std::string& script_sql, Version expected_top);
  TenantOutcome baseline(Version version);
  TenantOutcome repair(Version version, RepairMark mark);

 private:
  enum class Loop { go_on, stop };
  // Connects, runs `body`, turns any exception into the outcome, and finishes it.
  TenantOutcome guarded(const std::function<void()>& body);

  void open_session();
  void read_state();
  void ensure_table();
  StepContext context() const;
  Loop wait_while_busy(const std::string& reason);
  // True (after a short sleep and a fresh read) while a `pending` row may still belong to a live
  // run that a transaction pooler hides between two of its statements.
  bool look_again_before_dirty();
  Loop after_history_changed(const StepContext& used);
  Loop fail_step(const StepResult& step, Direction direction);
  Loop recover_lost_connection(const std::vector<const Migration*>& step, const StepResult& r,
                               Direction direction);
  void record(const Migration& migration, Direction direction, long duration_ms, int attempts);
  void fail(const std::string& message, const std::string& sqlstate = {});
  void refuse(TenantStatus status, const std::string& reason);
  std::vector<const Migration*> next_apply_step(const Plan& plan) const;

  const MigrationSet& migrations_;
  const RunSettings& settings_;
  Reporter& reporter_;
  const std::atomic<bool>& stop_;
  const Tenant& tenant_;
  const Connector& connect_;
  HistoryTable history_;
  StepExecutor executor_;
  std::unique_ptr<Session> session_;
  TenantState state_;
  TenantOutcome outcome_;
  std::chrono::steady_clock::time_point started_;
  std::optional<std::optional<Version>> known_to_version_;  // set when state_ is not read back
  int busy_polls_ = 0;
  int dirty_looks_ = 0;
  std::optional<std::chrono::steady_clock::time_point> busy_deadline_;
};

}  // namespace pgfleet
