#include "tenant_command.hpp"

#include <algorithm>
#include <thread>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/sql/quoting.hpp"
#include "version_text.hpp"

namespace pgfleet {
namespace {

using Clock = std::chrono::steady_clock;

// How long past the lock timeout an orphaned backend of a lost connection is waited for.
constexpr Millis kOrphanGrace{5000};

// Counts the other backends of run `run_id` still active on this database.
std::string active_run_backends_sql(const std::string& run_id) {
  return "SELECT count(*)::text AS active_backends FROM pg_stat_activity WHERE "
         "application_name = " +
         sql_literal("pgfleet/" + run_id) +
         " AND datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'";
}

}  // namespace

TenantCommand::TenantCommand(const MigrationSet& migrations, const RunSettings& settings,
                             Reporter& reporter, const std::atomic<bool>& stop,
                             const Tenant& tenant, const Connector& connect)
    : migrations_(migrations),
      settings_(settings),
      reporter_(reporter),
      stop_(stop),
      tenant_(tenant),
      connect_(connect),
      history_(tenant.schema),
      executor_(settings, stop),
      started_(Clock::now()) {
  outcome_.tenant_id = tenant.id;
  outcome_.started_at = std::chrono::system_clock::now();
  // Parsed when the tenant was validated; a tenant built by hand without it has no host.
  if (tenant.conninfo) outcome_.host = tenant.conninfo->host_port();
}

namespace {

// The phase of an error that did not name one: waiting for a lock, or running a migration.
std::optional<ErrorPhase> phase_of(const ErrorInfo& e) {
  if (e.phase) return e.phase;
  if (e.sqlstate == kLockBusySqlstate || e.sqlstate == "55P03") return ErrorPhase::lock;
  if (e.version) return ErrorPhase::migrate;
  return std::nullopt;
}

}  // namespace

TenantOutcome TenantCommand::run(const std::function<void()>& body) {
  try {
    session_ = connect_();
    body();
  } catch (const ConnectError& e) {
    outcome_.status = e.kind() == ConnectError::Kind::transient ? TenantStatus::unreachable
                                                                : TenantStatus::failed;
    outcome_.error = ErrorInfo::message_only(std::nullopt, e.what())
                         .with_sqlstate(e.sqlstate())
                         .with_phase(ErrorPhase::connect);
  } catch (const DbError& e) {
    outcome_.status = TenantStatus::failed;
    outcome_.error = StepExecutor::error_info(e, nullptr, std::nullopt);
  } catch (const ConnectionLost& e) {
    fail(std::string("connection lost: ") + e.what());
  } catch (const std::exception& e) {
    fail(e.what());
  }
  if (outcome_.error) outcome_.error->phase = phase_of(*outcome_.error);
  if (known_to_version_) {
    outcome_.to_version = *known_to_version_;
  } else if (state_.table == TenantState::Table::exists || !outcome_.migrations.empty()) {
    outcome_.to_version = state_.current();
  } else {
    outcome_.to_version = outcome_.from_version;
  }
  outcome_.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count();
  return outcome_;
}

void TenantCommand::read_state(StateRead how) {
  const bool create = how == StateRead::create_table_if_missing;
  const std::string sql = create ? history_.create_and_read_state_sql() : history_.read_state_sql();
  for (int attempt = 1;; ++attempt) {
    try {
      state_ = HistoryTable::parse_state(session_->exec(sql));
      return;
    } catch (const DbError& e) {
      // Another runner created the table at the same moment: read again, it exists now.
      if (create && attempt < 3 && HistoryTable::is_concurrent_create_error(e.sqlstate())) {
        continue;
      }
      if (create || !HistoryTable::is_missing_table_error(e.sqlstate())) throw;
      state_ = TenantState{};  // never migrated: the table is created by the first write
      return;
    } catch (const ConnectionLost&) {
      // The read changes nothing a second read would not find (the history table's create is
      // idempotent): connect again, once, through the connector that waits out a restart.
      if (lost_reads_++ > 0) throw;
      reconnect();
    }
  }
}

void TenantCommand::read_starting_state(StateRead how) {
  read_state(how);
  outcome_.from_version = state_.current();
}

void TenantCommand::ensure_table() {
  if (state_.table == TenantState::Table::exists) return;
  try {
    session_->exec(history_.create_sql());
  } catch (const DbError& e) {
    // Another runner created it at the same moment; its rows are caught by the guard.
    if (!HistoryTable::is_concurrent_create_error(e.sqlstate())) throw;
  }
  state_.table = TenantState::Table::exists;
}

void TenantCommand::reconnect() {
  session_.reset();
  session_ = connect_();
}

StepContext TenantCommand::context() const {
  return StepContext{history_, settings_, HistoryTable::fingerprint(state_.rows)};
}

StepResult TenantCommand::run_transaction(const MigrationScript& script) {
  return executor_.run_transaction(*session_, script);
}

StepResult TenantCommand::run_transaction(const std::string& sql) {
  return executor_.run_transaction(*session_, sql);
}

StepResult TenantCommand::run_no_transaction(const StepContext& ctx, const Migration& m,
                                             Direction direction) {
  return executor_.run_no_transaction(*session_, ctx, m, direction);
}

TenantCommand::Loop TenantCommand::settle(const StepResult& r, const StepContext& used,
                                          Direction direction, const std::function<Loop()>& on_done,
                                          const std::function<Loop()>& on_lost) {
  switch (r.end) {
    case StepEnd::done: return on_done();
    case StepEnd::history_changed: return after_history_changed(used);
    case StepEnd::connection_lost: return on_lost();
    case StepEnd::failed:
    case StepEnd::cancelled: return fail_step(r, direction);
  }
  return Loop::stop;
}

TenantCommand::Loop TenantCommand::after_history_changed(const StepContext& used) {
  read_state();
  if (HistoryTable::fingerprint(state_.rows) == used.expected_fingerprint) {
    fail("the history check failed although the history did not change (" +
         history_.qualified_name() + ")");
    return Loop::stop;
  }
  return Loop::go_on;
}

TenantCommand::Loop TenantCommand::fail_step(const StepResult& step, Direction direction) {
  outcome_.status = step.end == StepEnd::cancelled ? TenantStatus::cancelled : TenantStatus::failed;
  outcome_.error = step.error;
  // The statements may have run in another server session: only a human can tell.
  if (step.error && step.error->sqlstate == kSessionLostSqlstate) {
    outcome_.status = TenantStatus::dirty;
  }
  if (step.error && step.error->sqlstate == kLockBusySqlstate && step.end == StepEnd::failed) {
    name_lock_holder();
  }
  if (step.error && step.error->version) {
    const Migration* m = migrations_.find(*step.error->version);
    const bool no_tx =
        m != nullptr && step_file(*m, direction).directives.tx == TxKind::no_transaction;
    // A no-transaction statement failed after its row was claimed: the row stays pending.
    if (no_tx && step.error->sqlstate != kLockBusySqlstate) {
      read_state();
      const HistoryRow* row = state_.find(m->version);
      if (row != nullptr && row->state == RowState::pending) {
        outcome_.reason = "version " + version_text(m->version) +
                          " (no-transaction) failed part-way and is left pending: the tenant is "
                          "dirty until `pgfleet repair`";
      }
    }
  }
  return Loop::stop;
}

void TenantCommand::name_lock_holder() {
  // A lock left by a dead runner's backend is only ended by a human: say whose it is.
  try {
    const QueryResult r = session_->exec(history_.lock_holder_sql());
    if (!r.rows.empty() && r.rows[0][0])
      outcome_.error->message += " (held by " + *r.rows[0][0] + ")";
  } catch (const DbError&) {
    // The message without the holder is still true.
  }
}

TenantCommand::Loop TenantCommand::recover_lost_connection(
    const std::vector<const Migration*>& step, const StepResult& r, Direction direction) {
  // The backend of the lost connection may still be running (and commit) the step: read the
  // history only once no backend of this run is active on the database (README "Safety").
  OrphanWait waited = OrphanWait::settled;
  try {
    reconnect();
    waited = wait_for_orphaned_backends();
    read_state();
  } catch (const std::exception& e) {
    fail("connection lost while running version " + version_list(step) +
         "; could not reconnect to find out whether it committed: " + e.what());
    return Loop::stop;
  }
  // The rows are in state_ already (read after reconnecting): only report them.
  for (const Migration* m : step) {
    if (!ended_as_meant(*m, direction, waited, r)) {
      if (outcome_.error && !outcome_.error->version) outcome_.error->version = m->version;
      return Loop::stop;
    }
    report(MigrationResult{m->version, m->name, r.elapsed.count(), r.attempts});
  }
  return Loop::go_on;
}

TenantCommand::OrphanWait TenantCommand::wait_for_orphaned_backends() {
  const auto deadline = Clock::now() + settings_.lock_timeout + kOrphanGrace;
  for (int poll = 1;; ++poll) {
    const QueryResult active = session_->exec(active_run_backends_sql(settings_.run_id));
    if (active.rows.empty() || !active.rows[0][0] || *active.rows[0][0] == "0") {
      return OrphanWait::settled;
    }
    if (!executor_.wait_for_lock(poll, deadline)) return OrphanWait::still_active;
  }
}

bool TenantCommand::ended_as_meant(const Migration& m, Direction direction, OrphanWait waited,
                                   const StepResult& r) {
  const std::string lost = "connection lost while running version " + version_text(m.version);
  const HistoryRow* row = state_.find(m.version);
  if (row != nullptr && row->state == RowState::pending) {
    refuse(TenantStatus::dirty, lost +
                                    " (no-transaction): its row is left pending: the tenant "
                                    "is dirty until `pgfleet repair`");
    outcome_.error = ErrorInfo::message_only(m.version, outcome_.reason);
    return false;
  }
  if (direction == Direction::down) {
    if (row == nullptr) return true;
    fail(lost + " (rollback): it was not reverted, the transaction did not commit");
    return false;
  }
  if (row == nullptr) {
    fail(waited == OrphanWait::settled
             ? lost + ": not applied, the transaction did not commit (" +
                   (r.error ? r.error->message : "") + ")"
             : lost + ": a backend of this run was still active on the database after " +
                   std::to_string((settings_.lock_timeout + kOrphanGrace).count()) +
                   " ms, so whether it commits is unknown; check with `pgfleet status` before "
                   "running again");
    return false;
  }
  if (row->run_id != settings_.run_id) {
    fail(lost + ": the history says another run (" + row->run_id + ") applied it, not this one");
    return false;
  }
  return true;
}

TenantCommand::Loop TenantCommand::wait_while_busy(const std::string& reason) {
  if (!busy_deadline_) busy_deadline_ = Clock::now() + settings_.lock_wait;
  if (!executor_.wait_for_lock(++busy_polls_, *busy_deadline_)) {
    if (stop_.load()) {
      refuse(TenantStatus::cancelled, "stopped while waiting for another pgfleet run");
    } else {
      fail(locked_by_another_run_message(reason));
      outcome_.reason = reason;
    }
    return Loop::stop;
  }
  read_state();
  return Loop::go_on;
}

bool TenantCommand::look_again_before_dirty() {
  // Another run's session shows in pg_stat_activity only while it holds a server connection;
  // behind PgBouncer (transaction mode) it has none between statements. ~2 s of looks tell an
  // abandoned `pending` row from one that run is still working on.
  constexpr int kLooks = 8;
  if (!state_.has_pending_row() || dirty_looks_ >= kLooks || stop_.load()) return false;
  ++dirty_looks_;
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  read_state();
  return true;
}

void TenantCommand::record(const Migration& m, Direction direction, long duration_ms, int attempts,
                           std::vector<RelationLock> locks, std::optional<long> verify_ms) {
  // A no-transaction migration's own pending row (its claim) gives way to the applied one.
  state_.rows.erase(std::remove_if(state_.rows.begin(), state_.rows.end(),
                                   [&](const HistoryRow& r) { return r.version == m.version; }),
                    state_.rows.end());
  if (direction == Direction::up) {
    state_.rows.push_back(HistoryRow{m.version, m.name, m.checksum, RowState::applied,
                                     settings_.run_id, settings_.applied_by, m.rendered_checksum});
    sort_by_version(state_.rows);
  }
  MigrationResult result{m.version, m.name, duration_ms, attempts};
  result.locks = std::move(locks);
  result.verify_ms = verify_ms;
  report(result);
}

void TenantCommand::verify_failed_after_no_transaction(const Migration& m) {
  const HistoryRow* row = state_.find(m.version);
  if (row == nullptr || row->state != RowState::pending) return;
  outcome_.status = TenantStatus::dirty;
  outcome_.reason = "version " + version_text(m.version) +
                    " (no-transaction) ran, but its verify script failed: its row is left pending "
                    "and the tenant is dirty until `pgfleet repair`";
}

void TenantCommand::report(const MigrationResult& result) {
  outcome_.migrations.push_back(result);
  reporter_.migration_finished(tenant_.id, result);
}

void TenantCommand::reached_target() {
  outcome_.status = outcome_.migrations.empty() ? TenantStatus::up_to_date : TenantStatus::applied;
}

void TenantCommand::fail(const std::string& message, const std::string& sqlstate) {
  outcome_.status = TenantStatus::failed;
  outcome_.error = ErrorInfo::message_only(std::nullopt, message).with_sqlstate(sqlstate);
}

void TenantCommand::refuse(TenantStatus status, const std::string& reason) {
  outcome_.status = status;
  outcome_.reason = reason;
}

}  // namespace pgfleet
