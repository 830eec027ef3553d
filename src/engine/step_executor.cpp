#include "pgfleet/engine/step_executor.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <thread>

#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/sql/splitter.hpp"
#include "pgfleet/util/backoff.hpp"
#include "pgfleet/util/utf8.hpp"

namespace pgfleet {
namespace {

using Clock = std::chrono::steady_clock;

constexpr Millis kLockPollBase{100};
constexpr Millis kLockPollCap{2000};
constexpr Millis kRetryBase{200};
constexpr Millis kRetryCap{5000};

Millis since(Clock::time_point start) {
  return std::chrono::duration_cast<Millis>(Clock::now() - start);
}

// Sleeps `delay` in short slices so that a stop request cuts it short.
void sleep_unless_stopped(Millis delay, const std::atomic<bool>& stop) {
  const auto until = Clock::now() + delay;
  while (!stop.load() && Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(Millis(50), until - Clock::now()));
  }
}

std::optional<Version> only_version(const MigrationScript& script) {
  const auto versions = script.versions();
  if (versions.size() == 1) return versions.front();
  return std::nullopt;
}

}  // namespace

std::string random_probe_token() {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(engine()));
  return text;
}

std::string locked_by_another_run_message(const std::string& detail) {
  return "locked by another pgfleet run" + (detail.empty() ? std::string() : ": " + detail);
}

StepExecutor::StepExecutor(const RunSettings& settings, const std::atomic<bool>& stop)
    : settings_(settings), stop_(stop) {}

bool StepExecutor::wait_for_lock(int poll, Clock::time_point deadline) const {
  const auto now = Clock::now();
  if (stopped() || now >= deadline) return false;
  const Millis remaining = std::chrono::duration_cast<Millis>(deadline - now) + Millis(1);
  sleep_unless_stopped(std::min(remaining, util::backoff_delay(poll, kLockPollBase, kLockPollCap)),
                       stop_);
  return !stopped();
}

void StepExecutor::sleep_before_retry(int retry) const {
  sleep_unless_stopped(util::backoff_delay(retry, kRetryBase, kRetryCap), stop_);
}

bool StepExecutor::is_retryable(const std::string& sqlstate) {
  return sqlstate == "55P03" || sqlstate == "40P01";  // lock_not_available, deadlock_detected
}

ErrorInfo StepExecutor::error_info(const DbError& e, const MigrationScript* script,
                                   std::optional<Version> version) {
  ErrorInfo info = ErrorInfo::message_only(version, e.message())
                       .with_sqlstate(e.sqlstate())
                       .with_detail(e.detail())
                       .with_hint(e.hint());
  if (script != nullptr) {
    const MigrationScript::Location where = script->locate(e.position());
    if (where.in_file) {
      if (where.version) info.version = where.version;
      info.statement_line = where.line;
    }
    if (!info.version) info.version = only_version(*script);
  }
  return info;
}

StepResult StepExecutor::fail_from(const DbError& e, const MigrationScript* script,
                                   std::optional<Version> version, int attempts) const {
  StepResult r;
  r.attempts = attempts;
  r.error = error_info(e, script, version);
  r.end = e.sqlstate() == "57014" && stopped() ? StepEnd::cancelled : StepEnd::failed;
  return r;
}

StepResult StepExecutor::run_transaction(Session& session, const MigrationScript& script) {
  const std::optional<Version> version = only_version(script);
  int retries = 0, lock_polls = 0;
  std::optional<Clock::time_point> lock_deadline;
  while (true) {
    StepResult r;
    r.attempts = retries + 1;
    if (stopped()) {
      r.end = StepEnd::cancelled;
      r.error = ErrorInfo::message_only(version, "stopped before the migration started");
      return r;
    }
    const auto start = Clock::now();
    try {
      r.rows = session.exec(script.sql());
      r.elapsed = since(start);
      r.end = StepEnd::done;
      return r;
    } catch (const DbError& e) {
      if (e.sqlstate() == kLockBusySqlstate) {
        if (!lock_deadline) lock_deadline = Clock::now() + settings_.lock_wait;
        if (wait_for_lock(++lock_polls, *lock_deadline)) continue;
        r.end = stopped() ? StepEnd::cancelled : StepEnd::failed;
        r.error = ErrorInfo::message_only(version, locked_by_another_run_message(e.message()))
                      .with_sqlstate(e.sqlstate());
        return r;
      }
      if (e.sqlstate() == kHistoryChangedSqlstate) {
        r.end = StepEnd::history_changed;
        r.error = error_info(e, nullptr, version);
        return r;
      }
      if (is_retryable(e.sqlstate()) && retries < settings_.retries && !stopped()) {
        sleep_before_retry(++retries);
        continue;
      }
      return fail_from(e, &script, version, r.attempts);
    } catch (const ConnectionLost& e) {
      r.end = StepEnd::connection_lost;
      r.error = ErrorInfo::message_only(version, e.what());
      return r;
    }
  }
}

StepResult StepExecutor::run_transaction(Session& session, const std::string& sql) {
  MigrationScript script;
  script.add_sql(sql);
  return run_transaction(session, script);
}

StepResult StepExecutor::run_no_transaction(Session& session, const StepContext& ctx,
                                            const Migration& migration, Direction direction) {
  // Probe the server session, then claim in the next transaction only if it is still the same
  // one (README "Safety"); every failure path RESETs what was SET.
  const auto with_version = [&](StepResult r) {
    if (r.error && !r.error->version) r.error->version = migration.version;
    return r;
  };
  SessionProbe probe{random_probe_token(), ""};
  StepResult probed = run_transaction(session, session_probe_sql(probe.token));
  if (probed.end != StepEnd::done) return with_version(probed);
  const int pid = probed.rows.column("backend_pid");
  if (pid >= 0 && !probed.rows.rows.empty() && probed.rows.rows[0][pid]) {
    probe.backend_pid = *probed.rows.rows[0][pid];
  }
  MigrationScript claim;
  claim.add_sql(claim_no_transaction_sql(ctx, migration, direction, probe));
  StepResult claimed = run_transaction(session, claim);
  if (claimed.end != StepEnd::done) {
    reset_session_settings(session, ctx, claimed);
    return with_version(claimed);
  }
  const auto start = Clock::now();
  StepResult ran = run_statements(session, step_file(migration, direction), migration.version);
  if (ran.end != StepEnd::done) {
    reset_session_settings(session, ctx, ran);
    return ran;
  }
  const Millis elapsed = since(start);

  MigrationScript finish;
  finish.add_sql(finish_no_transaction_sql(ctx, migration, direction, elapsed, probe));
  StepResult finished = with_version(run_transaction(session, finish));
  if (finished.end != StepEnd::done) reset_session_settings(session, ctx, finished);
  if (finished.end == StepEnd::done && finished.rows.rows.empty()) {
    finished.end = StepEnd::failed;
    finished.error = ErrorInfo::message_only(
        migration.version, "the pending row of version " + std::to_string(migration.version) +
                               " disappeared while the migration ran (repaired meanwhile?)");
  }
  finished.attempts = 1;
  finished.elapsed = elapsed;
  return finished;
}

StepResult StepExecutor::run_statements(Session& session, const MigrationFile& file,
                                        Version version) const {
  StepResult r;
  r.attempts = 1;
  for (const SqlStatement& statement : split_sql(file.sql)) {
    try {
      session.exec(statement.text);
    } catch (const DbError& e) {
      r = fail_from(e, nullptr, version, 1);
      if (e.position() > 0) {
        const std::string_view text = statement.text;
        const std::size_t byte =
            util::byte_offset_of_char(text, static_cast<std::size_t>(e.position() - 1));
        r.error->statement_line = statement.line + util::line_at_byte(text, byte) - 1;
      } else {
        r.error->statement_line = statement.line;
      }
      return r;
    } catch (const ConnectionLost& e) {
      r.end = StepEnd::connection_lost;
      r.error = ErrorInfo::message_only(version, e.what());
      return r;
    }
  }
  r.end = StepEnd::done;
  return r;
}

void StepExecutor::reset_session_settings(Session& session, const StepContext& ctx,
                                          const StepResult& failed) {
  // A lost connection took its session (and settings) with it.
  if (failed.end == StepEnd::connection_lost) return;
  try {
    session.exec(reset_session_settings_sql(ctx));
  } catch (const std::exception&) {
    // Best effort: the connection is closed at the end of the tenant's run anyway.
  }
}

}  // namespace pgfleet
