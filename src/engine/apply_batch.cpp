#include "pgfleet/engine/apply_batch.hpp"

#include <algorithm>
#include <utility>

#include "pgfleet/sql/quoting.hpp"
#include "script_parts.hpp"

namespace pgfleet {
namespace {

// The result columns that tell read_batch() what each part did.
constexpr const char* kFinishedColumn = "pgfleet_finished";
constexpr const char* kAppliedColumn = "pgfleet_applied";
constexpr const char* kDurationColumn = "pgfleet_duration_ms";
constexpr const char* kClaimedColumn = "pgfleet_claimed";
constexpr const char* kLockRelationColumn = "pgfleet_lock_relation";
constexpr const char* kLockModeColumn = "pgfleet_lock_mode";
constexpr const char* kVerifyStartColumn = "pgfleet_verify_start";  // the version verified
constexpr const char* kVerifyMsColumn = "pgfleet_verify_ms";        // its verify passed, in ms

// The newest relation oid when the transaction starts: relations above it are the migration's
// own (docs/PREFLIGHT.md, "Forecast"). pg_class.xmin cannot tell them: ALTER TABLE rewrites the
// row of an existing table too.
const char* const kOidMark =
    "SELECT set_config('pgfleet.oid_before', (SELECT max(oid)::text FROM pg_class), true);\n";
const char* const kModeRank =
    "CASE l.mode WHEN 'AccessShareLock' THEN 1 WHEN 'RowShareLock' THEN 2 "
    "WHEN 'RowExclusiveLock' THEN 3 WHEN 'ShareUpdateExclusiveLock' THEN 4 "
    "WHEN 'ShareLock' THEN 5 WHEN 'ShareRowExclusiveLock' THEN 6 WHEN 'ExclusiveLock' THEN 7 "
    "ELSE 8 END";

const char* const kStartClock =
    "SELECT set_config('pgfleet.started_at', clock_timestamp()::text, true);\n";
const char* const kDurationSinceClock =
    "(extract(epoch FROM clock_timestamp() - "
    "current_setting('pgfleet.started_at')::timestamptz) * 1000)::integer";

// A migration's verify script (docs/PREFLIGHT.md "Verify scripts"): after its text, read-only in
// a savepoint that is rolled back (so nothing it does stays), with the verify file's own
// timeouts; a marker row before and the time it took after tell read_batch() where an error
// came from.
void add_verify(MigrationScript& script, const StepContext& ctx, const Migration& m) {
  if (!m.verify) return;
  script.add_sql("SELECT set_config('pgfleet.verify_started', clock_timestamp()::text, true), " +
                 std::to_string(m.version) + " AS " + kVerifyStartColumn +
                 ";\nSAVEPOINT pgfleet_verify;\n" +
                 settings_sql(ctx, m.verify->directives, SetScope::transaction) +
                 "SET LOCAL transaction_read_only = on;\n");
  script.add_file(m.version, m.verify->sql, FileRole::verify);
  script.add_sql(
      std::string("ROLLBACK TO SAVEPOINT pgfleet_verify;\nRELEASE SAVEPOINT pgfleet_verify;\n"
                  "SELECT (extract(epoch FROM clock_timestamp() - "
                  "current_setting('pgfleet.verify_started')::timestamptz) * 1000)::integer AS ") +
      kVerifyMsColumn + ";\n");
}

// One transaction of transactional migrations, as the slots below build it.
struct Segment {
  const StepContext& ctx;  // expected_fingerprint: the history before this transaction
  const std::vector<const Migration*>& migrations;
};

// The slots of a transaction, in the order the server runs them. A check to add to every
// migration (a verify block, between the file and its history row) is one more MigrationSlot in
// kPerMigration (as `verify` is); one to add to every transaction is one more TransactionSlot
// in kClose (as `lock_read` is). Each slot appends its SQL; a file's text goes through add_file so
// that error positions map back to it.
using TransactionSlot = void (*)(MigrationScript&, const Segment&);
using MigrationSlot = void (*)(MigrationScript&, const Segment&, const Migration&);

// BEGIN, and the clock the first migration's duration is measured from.
void begin_transaction(MigrationScript& script, const Segment&) {
  script.add_sql(std::string("BEGIN;\n") + kStartClock + kOidMark);
}

// The first file's timeouts come before the guard, so that reading the history cannot wait on
// a lock forever either.
void first_file_settings(MigrationScript& script, const Segment& segment) {
  script.add_sql(
      settings_sql(segment.ctx, segment.migrations.front()->up.directives, SetScope::transaction));
}

// The advisory lock (try, else PF001) and the history check (PF002).
void guard(MigrationScript& script, const Segment& segment) {
  script.add_sql(segment.ctx.history.guard_sql(segment.ctx.expected_fingerprint));
}

// Later files of the same transaction (--tx-mode tenant): their own timeouts and clock.
void later_file_settings(MigrationScript& script, const Segment& segment, const Migration& m) {
  if (&m == segment.migrations.front()) return;
  script.add_sql(settings_sql(segment.ctx, m.up.directives, SetScope::transaction) + kStartClock);
}

void file_text(MigrationScript& script, const Segment&, const Migration& m) {
  script.add_file(m.version, m.up.sql);
}

// Its verify script, before the history row: a verify that raises rolls the migration back.
void verify(MigrationScript& script, const Segment& segment, const Migration& m) {
  add_verify(script, segment.ctx, m);
}

// The `applied` row, returning its version and the duration measured on the server.
void history_record(MigrationScript& script, const Segment& segment, const Migration& m) {
  script.add_sql(history_row_sql(segment.ctx, m, RowState::applied, kDurationSinceClock,
                                 std::string(" RETURNING version::text AS ") + kAppliedColumn +
                                     ", duration_ms AS " + kDurationColumn));
}

// The tables that existed before the transaction and that it holds a lock on, the strongest
// mode each, named as the tenant's search path would (docs/PREFLIGHT.md, "Forecast").
void lock_read(MigrationScript& script, const Segment& segment) {
  script.add_sql(
      std::string("SELECT DISTINCT ON (c.oid) CASE WHEN n.nspname = current_schema() THEN "
                  "c.relname::text ELSE n.nspname || '.' || c.relname END AS ") +
      kLockRelationColumn + ", l.mode AS " + kLockModeColumn +
      " FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
      " JOIN pg_namespace n ON n.oid = c.relnamespace"
      " WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted"
      " AND c.relkind IN ('r', 'p', 'm', 'f')"
      " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
      " AND c.oid <= current_setting('pgfleet.oid_before')::oid AND c.oid <> " +
      sql_literal(segment.ctx.history.qualified_name()) + "::regclass ORDER BY c.oid, " +
      kModeRank + " DESC;\n");
}

void commit(MigrationScript& script, const Segment&) { script.add_sql("COMMIT;\n"); }

constexpr TransactionSlot kOpen[] = {begin_transaction, first_file_settings, guard};
constexpr MigrationSlot kPerMigration[] = {later_file_settings, file_text, verify, history_record};
constexpr TransactionSlot kClose[] = {lock_read, commit};

void add_segment(MigrationScript& script, const Segment& segment) {
  for (TransactionSlot slot : kOpen) slot(script, segment);
  for (const Migration* m : segment.migrations) {
    for (MigrationSlot slot : kPerMigration) slot(script, segment, *m);
  }
  for (TransactionSlot slot : kClose) slot(script, segment);
}

// The finish of a no-transaction migration: same session as its claim (PF004), its session
// settings RESET, its verify script (a verify that raises leaves the row pending: dirty), its
// row marked applied.
void add_finish(MigrationScript& script, const StepContext& ctx, const NoTxFinish& finish) {
  script.add_sql("BEGIN;\n" +
                 probe_check_sql(finish.probe, kSessionLostSqlstate, kSessionLostMessage) +
                 reset_session_settings_sql(ctx));
  add_verify(script, ctx, *finish.migration);
  script.add_sql("UPDATE " + ctx.history.qualified_name() +
                 " SET state = 'applied', applied_at = now(), duration_ms = " +
                 std::to_string(finish.duration.count()) +
                 own_pending_row_sql(ctx, finish.migration->version) +
                 " RETURNING version::text AS " + kFinishedColumn + ";\nCOMMIT;\n");
}

// The claim of a no-transaction migration: still the backend of the state read (PF003), the
// guard, its pending row, the probe token and the session SETs its statements run with.
std::string claim_sql(const StepContext& ctx, const Migration& m, const SessionProbe& probe) {
  const SessionProbe backend_only{"", probe.backend_pid};
  return "BEGIN;\n" + probe_check_sql(backend_only, kSessionMovedSqlstate, kSessionMovedMessage) +
         guard_with_lock_timeout(ctx, ctx.expected_fingerprint) +
         history_row_sql(ctx, m, RowState::pending, "NULL",
                         std::string(" RETURNING version::text AS ") + kClaimedColumn) +
         "SELECT set_config('pgfleet.session_probe', " + sql_literal(probe.token) + ", false);\n" +
         settings_sql(ctx, m.up.directives, SetScope::session) + "COMMIT;\n";
}

void mark_applied(std::vector<HistoryRow>& rows, const Migration& m) {
  for (HistoryRow& row : rows) {
    if (row.version == m.version) {
      row.state = RowState::applied;
      return;
    }
  }
  rows.push_back(HistoryRow{m.version, m.name, m.checksum, RowState::applied, "", ""});
}

// The transactions of `migrations`: one each, or one for all in --tx-mode tenant.
std::vector<std::vector<const Migration*>> transactions_of(
    const RunSettings& settings, const std::vector<const Migration*>& migrations) {
  std::vector<std::vector<const Migration*>> out;
  for (const Migration* m : migrations) {
    if (out.empty() || settings.tx_mode == TxMode::file) out.emplace_back();
    out.back().push_back(m);
  }
  return out;
}

}  // namespace

MigrationScript apply_batch_script(const BatchContext& ctx, const ApplyBatch& batch) {
  MigrationScript script;
  std::vector<HistoryRow> rows = ctx.rows;
  const auto step = [&] {
    return StepContext{ctx.history, ctx.settings, HistoryTable::fingerprint(rows)};
  };
  if (batch.finish) {
    add_finish(script, step(), *batch.finish);
    mark_applied(rows, *batch.finish->migration);
  }
  for (const auto& transaction : transactions_of(ctx.settings, batch.migrations)) {
    const StepContext before = step();
    add_segment(script, Segment{before, transaction});
    for (const Migration* m : transaction) mark_applied(rows, *m);
  }
  if (batch.claim) script.add_sql(claim_sql(step(), *batch.claim, batch.claim_probe));
  return script;
}

namespace {

const std::optional<std::string>* first_cell(const QueryResult& r, const char* column) {
  const int index = r.column(column);
  if (index < 0 || r.rows.empty()) return nullptr;
  return &r.rows.front()[static_cast<std::size_t>(index)];
}

// The part of `batch` that an error stopped, from what had committed or run before it.
const Migration* stopped_part(const ApplyBatch& batch, TxMode mode, const BatchProgress& progress,
                              std::size_t recorded_uncommitted) {
  if (batch.finish && !progress.finished) return batch.finish->migration;
  const std::size_t recorded = progress.committed.size() + recorded_uncommitted;
  // A transaction of one migration whose row is in failed at its COMMIT (a deferred check).
  if (mode == TxMode::file && recorded_uncommitted > 0) return batch.migrations[recorded - 1];
  if (recorded < batch.migrations.size()) return batch.migrations[recorded];
  if (recorded_uncommitted > 0) return batch.migrations[recorded - 1];  // the COMMIT failed
  return batch.claim;
}

std::optional<long> number_in(const std::optional<std::string>& cell) {
  if (!cell) return std::nullopt;
  return std::stol(*cell);
}

std::vector<RelationLock> read_locks(const QueryResult& r) {
  const auto relation = static_cast<std::size_t>(r.column(kLockRelationColumn));
  const auto mode = static_cast<std::size_t>(r.column(kLockModeColumn));
  std::vector<RelationLock> out;
  for (const auto& row : r.rows)
    out.push_back(RelationLock{row[relation].value_or(""), row[mode].value_or("")});
  return out;
}

}  // namespace

BatchProgress read_batch(const ApplyBatch& batch, TxMode mode, const BatchResult& result) {
  BatchProgress progress;
  bool finish_open = false, claim_open = false, verifying = false;
  std::optional<long> verify_ms;  // of the migration whose history row comes next
  std::vector<CommittedMigration> open;
  std::vector<RelationLock> locks;
  for (const QueryResult& r : result.statements) {
    if (r.column(kVerifyStartColumn) >= 0) {
      verifying = true;
    } else if (const auto* ms = first_cell(r, kVerifyMsColumn)) {
      verifying = false;
      verify_ms = number_in(*ms);
    } else if (r.column(kFinishedColumn) >= 0) {
      finish_open = !r.rows.empty();
      progress.finish_row_missing = r.rows.empty();
      progress.finish_verify_ms = std::exchange(verify_ms, std::nullopt);
    } else if (const auto* applied = first_cell(r, kAppliedColumn)) {
      const auto m = std::find_if(
          batch.migrations.begin(), batch.migrations.end(), [&](const Migration* candidate) {
            return applied->has_value() && std::to_string(candidate->version) == **applied;
          });
      const auto* duration = first_cell(r, kDurationColumn);
      if (m != batch.migrations.end()) {
        open.push_back(CommittedMigration{*m, duration ? number_in(*duration).value_or(0) : 0,
                                          std::exchange(verify_ms, std::nullopt)});
      }
    } else if (r.column(kLockRelationColumn) >= 0) {
      locks = read_locks(r);
    } else if (const auto* claimed = first_cell(r, kClaimedColumn)) {
      claim_open = claimed->has_value();
    } else if (r.command == "COMMIT") {
      progress.finished = progress.finished || finish_open;
      progress.claimed = progress.claimed || claim_open;
      // --tx-mode tenant: the one transaction's locks go to its last migration.
      if (!open.empty() && !locks.empty()) {
        progress.locks.emplace_back(open.back().migration, locks);
      }
      progress.committed.insert(progress.committed.end(), open.begin(), open.end());
      locks.clear();
      finish_open = claim_open = false;
      open.clear();
    }
  }
  if (result.error) {
    progress.error = result.error;
    progress.stopped_in_verify = verifying;
    progress.stopped_at = stopped_part(batch, mode, progress, open.size());
  }
  return progress;
}

}  // namespace pgfleet
