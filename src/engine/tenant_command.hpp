#pragma once
// One TenantRunner command on one tenant, in progress: the session, the history state read from
// it, the outcome being built, and what every command does with them: read the state, run a
// step, settle what the step's end means, record what changed. Each TenantRunner command
// (tenant_apply.cpp, tenant_rollback.cpp, tenant_history_admin.cpp, tenant_verify.cpp) makes one
// per call.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/engine/migration_script.hpp"
#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/engine/run_settings.hpp"
#include "pgfleet/engine/step_executor.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

class TenantCommand {
 public:
  // Whether a command's plan-execute loop goes on (re-plan) or the tenant's outcome is final.
  enum class Loop { go_on, stop };

  TenantCommand(const MigrationSet& migrations, const RunSettings& settings, Reporter& reporter,
                const std::atomic<bool>& stop, const Tenant& tenant, const Connector& connect);

  // Connects, runs `body`, turns any exception into the outcome, and finishes it (to_version,
  // duration). The one place where a command's exceptions are caught.
  TenantOutcome run(const std::function<void()>& body);

  const HistoryTable& history() const { return history_; }
  TenantState& state() { return state_; }
  TenantOutcome& outcome() { return outcome_; }
  bool stop_requested() const { return stop_.load(); }
  // The tenant's session, for a command that sends its own SQL (verify).
  Session& session() { return *session_; }

  // Reads the history (a missing table is an empty state); create_table_if_missing (apply only)
  // creates the history table in the same round trip. A connection lost during the read is
  // connected again once per command.
  enum class StateRead { read_only, create_table_if_missing };
  void read_state(StateRead how = StateRead::read_only);
  // read_state(), and the tenant's version before the command goes into the outcome.
  void read_starting_state(StateRead how = StateRead::read_only);
  // Creates the history table unless the state says it exists.
  void ensure_table();
  // Drops the session and connects again.
  void reconnect();
  // The StepContext for a step planned on the current state.
  StepContext context() const;

  const StepExecutor& executor() const { return executor_; }

  StepResult run_transaction(const MigrationScript& script);
  StepResult run_transaction(const std::string& sql);
  StepResult run_no_transaction(const StepContext& ctx, const Migration& m, Direction direction);

  // What the end of a step means for the loop: done runs `on_done`; a changed history is read
  // again (go_on: the caller re-plans); a lost connection runs `on_lost`; failed or cancelled
  // ends the tenant (fail_step).
  Loop settle(const StepResult& r, const StepContext& used, Direction direction,
              const std::function<Loop()>& on_done, const std::function<Loop()>& on_lost);
  // Ends the tenant failed or cancelled with the step's error; a no-transaction file that failed
  // after claiming its row also says the tenant is now dirty.
  Loop fail_step(const StepResult& step, Direction direction);
  // A guard said the history changed (PF002): reads it again; go_on (re-plan) unless it did not
  // change from what `used` expected.
  Loop after_history_changed(const StepContext& used);
  // After a lost connection: reconnects, waits for the run's orphaned backend, reads which of
  // `step` committed (by this run), reporting them in order up to the first that did not;
  // stops unless all did.
  Loop recover_lost_connection(const std::vector<const Migration*>& step, const StepResult& r,
                               Direction direction);

  // After fail_step: a no-transaction migration whose statements ran but whose verify script
  // failed leaves its row pending, and the tenant dirty.
  void verify_failed_after_no_transaction(const Migration& m);

  // Polls for the lock of a run that holds a pending row, until lock_wait (then fails) or a stop.
  Loop wait_while_busy(const std::string& reason);
  // True (after a short sleep and a fresh read) while a `pending` row may still belong to a live
  // run that a transaction pooler hides between two of its statements.
  bool look_again_before_dirty();

  // The step applied (up) or reverted (down) `m`: updates the state and reports it.
  void record(const Migration& m, Direction direction, long duration_ms, int attempts,
              std::vector<RelationLock> locks = {}, std::optional<long> verify_ms = {});
  // Adds `result` to the outcome and reports it, the state being up to date already.
  void report(const MigrationResult& result);
  // Nothing (more) to do: up_to_date, or applied when this command changed something.
  void reached_target();
  // The tenant fails with `message` (and `sqlstate`, for a server-side reason).
  void fail(const std::string& message, const std::string& sqlstate = {});
  // The tenant ends in `status` (drift, dirty, cancelled) with `reason`, without an error.
  void refuse(TenantStatus status, const std::string& reason);
  // The version the tenant is known to be at when the state was not read back.
  void set_known_to_version(std::optional<Version> version) { known_to_version_ = version; }

 private:
  // Whether the backends of a lost connection were gone before the history was read.
  enum class OrphanWait { settled, still_active };

  // Appends who holds the tenant's advisory lock to the error of a tenant that gave up on it.
  void name_lock_holder();
  // Polls until no other backend of this run is active on the database, up to lock_timeout + 5 s.
  OrphanWait wait_for_orphaned_backends();
  // After a lost connection: true if `m` ended as the step meant (applied by this run, or
  // reverted); else ends the tenant failed or dirty with what the history shows.
  bool ended_as_meant(const Migration& m, Direction direction, OrphanWait waited,
                      const StepResult& r);

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
  int lost_reads_ = 0;  // state reads that lost the connection (one reconnect for them all)
  int busy_polls_ = 0;
  int dirty_looks_ = 0;
  std::optional<std::chrono::steady_clock::time_point> busy_deadline_;
};

}  // namespace pgfleet
