#pragma once
// Executes one step on a tenant session: a one-round-trip transaction, or a no-transaction
// migration statement by statement. Owns the retry policy (README "Safety"): the advisory lock
// is polled within lock_wait, lock timeouts and deadlocks are retried with jittered backoff.
#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/migration_script.hpp"
#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/engine/run_settings.hpp"

namespace pgfleet {

enum class StepEnd {
  done,             // committed; `rows` holds the last statement's rows
  history_changed,  // PF002: the history is not what the plan was based on; re-read and re-plan
  failed,           // `error` says why (includes "locked by another pgfleet run")
  cancelled,        // stopped by SIGINT/SIGTERM
  connection_lost,  // the outcome is unknown: reconnect and read the history
};

struct StepResult {
  StepEnd end = StepEnd::done;
  int attempts = 0;  // sends of the transaction (1 + retries after 55P03/40P01)
  QueryResult rows;
  std::optional<ErrorInfo> error;
  Millis elapsed{0};  // wall time of the successful attempt
};

class StepExecutor {
 public:
  StepExecutor(const RunSettings& settings, const std::atomic<bool>& stop);

  // Sends `script` as one query (one transaction) until it commits, fails for good or the
  // history changed. Never throws for database errors.
  StepResult run_transaction(Session& session, const MigrationScript& script);
  // Same, for SQL that contains no migration file.
  StepResult run_transaction(Session& session, const std::string& sql);
  // A no-transaction migration (or .down): claim the version, run each statement on its own,
  // then record it. A failing statement leaves the `pending` row (the tenant becomes dirty).
  StepResult run_no_transaction(Session& session, const StepContext& ctx,
                                const Migration& migration, Direction direction);

  // Sleeps before poll number `poll` for a lock held by another run; false once `deadline` has
  // passed or a stop was requested.
  bool wait_for_lock(int poll, std::chrono::steady_clock::time_point deadline) const;

  // Sleeps the jittered backoff before retry number `retry` after a lock timeout or deadlock;
  // a stop request cuts it short.
  void sleep_before_retry(int retry) const;
  // True for the errors worth sending the same transaction again for (55P03, 40P01).
  static bool is_retryable(const std::string& sqlstate);

  // Runs `file` statement by statement, each as its own query (a no-transaction migration).
  StepResult run_statements(Session& session, const MigrationFile& file, Version version) const;
  // After a failed no-transaction step: best-effort RESET of its session-level settings.
  static void reset_session_settings(Session& session, const StepContext& ctx,
                                     const StepResult& failed);

  // The ErrorInfo for a server error: `version` when known, line mapped through `script`.
  static ErrorInfo error_info(const DbError& e, const MigrationScript* script,
                              std::optional<Version> version);
  // The failed (or, for a query cancelled by a stop, cancelled) end of a step.
  StepResult fail_from(const DbError& e, const MigrationScript* script,
                       std::optional<Version> version, int attempts) const;

 private:
  bool stopped() const { return stop_.load(); }

  const RunSettings& settings_;
  const std::atomic<bool>& stop_;
};

// A fresh random token for the session probe of a no-transaction migration.
std::string random_probe_token();

// The message of a tenant that gave up waiting for another run's lock.
std::string locked_by_another_run_message(const std::string& detail);

}  // namespace pgfleet
