#include "apply_run.hpp"

#include <utility>

#include "version_text.hpp"

namespace pgfleet {
namespace {

using Clock = std::chrono::steady_clock;

bool is_no_transaction(const Migration& m) { return m.up.directives.tx == TxKind::no_transaction; }

}  // namespace

ApplyRun::ApplyRun(TenantCommand& cmd, const RunSettings& settings,
                   std::vector<const Migration*> pending)
    : cmd_(cmd), settings_(settings), pending_(std::move(pending)) {}

TenantCommand::Loop ApplyRun::run() {
  while (!replan_ && (next_ < pending_.size() || finish_)) {
    ApplyBatch batch = next_batch();
    if (cmd_.stop_requested()) {
      if (!batch.finish) {
        cmd_.refuse(TenantStatus::cancelled, "stopped before all migrations ran");
        return Loop::stop;
      }
      // The statements ran: their row is marked applied (and their settings RESET) anyway.
      batch.migrations.clear();
      batch.claim = nullptr;
    }
    if (send(batch) == Loop::stop) return Loop::stop;
    if (replan_) return Loop::go_on;
  }
  return Loop::go_on;
}

ApplyBatch ApplyRun::next_batch() const {
  ApplyBatch batch;
  batch.finish = finish_;
  for (std::size_t i = next_; i < pending_.size(); ++i) {
    if (send_before_ && pending_[i]->version >= *send_before_) break;
    if (is_no_transaction(*pending_[i])) {
      batch.claim = pending_[i];
      batch.claim_probe = SessionProbe{random_probe_token(), cmd_.state().backend_pid};
      break;
    }
    batch.migrations.push_back(pending_[i]);
  }
  return batch;
}

TenantCommand::Loop ApplyRun::send(const ApplyBatch& batch) {
  const MigrationScript script =
      apply_batch_script(BatchContext{cmd_.history(), settings_, cmd_.state().rows}, batch);
  BatchResult result;
  try {
    result = cmd_.session().exec_batch(script.sql());
  } catch (const ConnectionLost& e) {
    return after_lost_connection(batch, e.what());
  }
  if (result.error) {
    result.error = with_statement_position(*result.error, script, result.statements.size());
  }
  return settle_sent(batch, script, result);
}

TenantCommand::Loop ApplyRun::settle_sent(const ApplyBatch& batch, const MigrationScript& script,
                                          const BatchResult& result) {
  const BatchProgress progress = read_batch(batch, settings_.tx_mode, result);
  record(batch, progress);
  if (progress.finish_row_missing) {
    const Version version = batch.finish->migration->version;
    cmd_.fail("the pending row of version " + version_text(version) +
              " disappeared while the migration ran (repaired meanwhile?)");
    cmd_.outcome().error->version = version;
    return Loop::stop;
  }
  if (progress.error) return after_error(batch, progress, script);
  send_before_.reset();
  if (batch.claim) return run_claimed(*batch.claim, batch.claim_probe);
  return Loop::go_on;
}

namespace {

std::vector<RelationLock> locks_of(const BatchProgress& progress, const Migration* m) {
  for (const auto& [held_by, locks] : progress.locks) {
    if (held_by == m) return locks;
  }
  return {};
}

}  // namespace

void ApplyRun::record(const ApplyBatch& batch, const BatchProgress& progress) {
  if (progress.finished) {
    cmd_.record(*batch.finish->migration, Direction::up, batch.finish->duration.count(), 1, {},
                progress.finish_verify_ms);
    finish_.reset();
  }
  for (std::size_t i = 0; i < progress.committed.size(); ++i) {
    const CommittedMigration& c = progress.committed[i];
    // The retries were for the transaction the batch started with.
    const bool retried = i == 0 || settings_.tx_mode == TxMode::tenant;
    cmd_.record(*c.migration, Direction::up, c.duration_ms, retried ? 1 + retries_ : 1,
                locks_of(progress, c.migration), c.verify_ms);
    ++next_;
  }
  if (progress.claimed) {
    const Migration& m = *batch.claim;
    cmd_.state().rows.push_back(HistoryRow{m.version, m.name, m.checksum, RowState::pending,
                                           settings_.run_id, settings_.applied_by});
    sort_by_version(cmd_.state().rows);
    ++next_;
  }
  if (progress.finished || !progress.committed.empty() || progress.claimed) {
    retries_ = 0;
    lock_polls_ = 0;
    lock_deadline_.reset();
  }
}

TenantCommand::Loop ApplyRun::after_error(const ApplyBatch& batch, const BatchProgress& progress,
                                          const MigrationScript& script) {
  const DbError& e = *progress.error;
  const std::optional<Version> version =
      progress.stopped_at ? std::optional<Version>(progress.stopped_at->version) : std::nullopt;
  const StepExecutor& executor = cmd_.executor();
  // A syntax error is found before the server runs any statement of the string: when it is in a
  // later file than the part that "stopped", send the parts before that file on their own first.
  const MigrationScript::Location where = script.locate(e.position());
  if (where.version && version && *where.version != *version && !send_before_) {
    send_before_ = where.version;
    return Loop::go_on;
  }
  const bool in_verify = progress.stopped_in_verify || where.role == FileRole::verify;
  const auto failed = [&](int attempts) {
    StepResult r = executor.fail_from(e, &script, version, attempts);
    if (in_verify && r.error) r.error = r.error->with_phase(ErrorPhase::verify);
    return r;
  };
  if (batch.finish && !progress.finished) {
    // Its RESET rolled back with it: RESET again.
    const StepResult r = failed(1);
    StepExecutor::reset_session_settings(cmd_.session(), cmd_.context(), r);
    const Loop loop = cmd_.fail_step(r, Direction::up);
    if (in_verify) cmd_.verify_failed_after_no_transaction(*batch.finish->migration);
    return loop;
  }
  if (e.sqlstate() == kLockBusySqlstate) {
    if (!lock_deadline_) lock_deadline_ = Clock::now() + settings_.lock_wait;
    if (executor.wait_for_lock(++lock_polls_, *lock_deadline_)) return Loop::go_on;
    StepResult r;
    r.end = cmd_.stop_requested() ? StepEnd::cancelled : StepEnd::failed;
    r.error = ErrorInfo::message_only(version, locked_by_another_run_message(e.message()))
                  .with_sqlstate(e.sqlstate());
    return cmd_.fail_step(r, Direction::up);
  }
  if (e.sqlstate() == kHistoryChangedSqlstate) {
    // The state holds what committed before the guard: what that guard expected.
    if (cmd_.after_history_changed(cmd_.context()) == Loop::stop) return Loop::stop;
    replan_ = true;
    return Loop::go_on;
  }
  if (StepExecutor::is_retryable(e.sqlstate()) && retries_ < settings_.retries &&
      !cmd_.stop_requested()) {
    executor.sleep_before_retry(++retries_);
    return Loop::go_on;  // from the migration it stopped
  }
  return cmd_.fail_step(failed(1 + retries_), Direction::up);
}

TenantCommand::Loop ApplyRun::run_claimed(const Migration& m, const SessionProbe& probe) {
  const auto start = Clock::now();
  const StepResult ran = cmd_.executor().run_statements(cmd_.session(), m.up, m.version);
  if (ran.end == StepEnd::connection_lost) {
    return cmd_.recover_lost_connection({&m}, ran, Direction::up);
  }
  if (ran.end != StepEnd::done) {
    StepExecutor::reset_session_settings(cmd_.session(), cmd_.context(), ran);
    return cmd_.fail_step(ran, Direction::up);
  }
  finish_ = NoTxFinish{&m, std::chrono::duration_cast<Millis>(Clock::now() - start), probe};
  return Loop::go_on;
}

TenantCommand::Loop ApplyRun::after_lost_connection(const ApplyBatch& batch,
                                                    const std::string& why) {
  std::vector<const Migration*> sent;
  if (batch.finish) sent.push_back(batch.finish->migration);
  sent.insert(sent.end(), batch.migrations.begin(), batch.migrations.end());
  if (batch.claim) sent.push_back(batch.claim);
  finish_.reset();
  StepResult r;
  r.end = StepEnd::connection_lost;
  r.attempts = 1 + retries_;
  r.error = ErrorInfo::message_only(std::nullopt, why);
  if (cmd_.recover_lost_connection(sent, r, Direction::up) == Loop::stop) return Loop::stop;
  replan_ = true;  // the history was read again
  return Loop::go_on;
}

}  // namespace pgfleet
