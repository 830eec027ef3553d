// apply's batches: the order of the statements, each guard's expected history, the terminators
// between parts, what the results say committed, and an error's position mapped to its file.
#include <catch2/catch.hpp>

#include "fake_session.hpp"
#include "migration_builders.hpp"
#include "pgfleet/engine/apply_batch.hpp"
#include "pgfleet/engine/step_executor.hpp"
#include "pgfleet/sql/quoting.hpp"
#include "pgfleet/util/utf8.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Byte offsets of every occurrence of `needle`.
std::vector<std::size_t> all_of(const std::string& text, const std::string& needle) {
  std::vector<std::size_t> out;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    out.push_back(at);
  }
  return out;
}

HistoryRow applied_row(const Migration& m) {
  return HistoryRow{m.version, m.name, m.checksum, RowState::applied, "r", "me"};
}

// Eleven migrations, each three lines long; the 7th has a typo on its second line.
std::vector<Migration> eleven() {
  std::vector<Migration> out;
  for (int v = 1; v <= 11; ++v) {
    const std::string t = "t" + std::to_string(v);
    const std::string second = v == 7 ? "CREAT TABLE oops (id int);\n" : "SELECT 1;\n";
    out.push_back(make_migration(v, "m" + std::to_string(v),
                                 "-- " + t + "\n" + second + "CREATE TABLE " + t + " (id int);"));
  }
  return out;
}

struct Batch {
  std::vector<Migration> migrations = eleven();
  RunSettings settings;
  HistoryTable history;
  ApplyBatch batch;
  Batch() {
    settings.run_id = "run-1";
    for (const Migration& m : migrations) batch.migrations.push_back(&m);
  }
  MigrationScript script(std::vector<HistoryRow> rows = {}) const {
    return apply_batch_script(BatchContext{history, settings, std::move(rows)}, batch);
  }
};

}  // namespace

TEST_CASE("batch: each migration is its own transaction with its statements in order") {
  Batch b;
  const std::string sql = b.script().sql();
  const auto begins = all_of(sql, "BEGIN;\n");
  const auto commits = all_of(sql, "COMMIT;\n");
  REQUIRE(begins.size() == 11);
  REQUIRE(commits.size() == 11);
  for (std::size_t i = 0; i < 11; ++i) {
    const std::size_t end = commits[i];
    CHECK(begins[i] < end);
    if (i + 1 < 11) CHECK(end < begins[i + 1]);
    const std::string part = sql.substr(begins[i], end - begins[i]);
    const std::string table = "CREATE TABLE t" + std::to_string(i + 1) + " ";
    // BEGIN, the clock, the timeouts, the guard, the file, its terminator, the history row.
    const std::size_t clock = part.find("set_config('pgfleet.started_at', clock_timestamp()");
    const std::size_t timeouts = part.find("SET LOCAL lock_timeout = '5000ms';");
    const std::size_t guard = part.find("pg_try_advisory_xact_lock");
    const std::size_t file = part.find(table);
    const std::size_t record = part.find("INSERT INTO pgfleet.schema_migrations");
    CHECK(clock < timeouts);
    CHECK(timeouts < guard);
    CHECK(guard < file);
    CHECK(file < record);
    CHECK(record != std::string::npos);
    CHECK(contains(part, "(id int);\n;\nINSERT INTO"));
    CHECK(contains(part, "VALUES (" + std::to_string(i + 1) + ", 'm" + std::to_string(i + 1)));
    CHECK(contains(part, "RETURNING version::text AS pgfleet_applied"));
  }
  CHECK(sql.substr(commits.back()) == "COMMIT;\n");
}

TEST_CASE("batch: each guard expects the history the transactions before it leave") {
  Batch b;
  const Migration zero = make_migration(0, "zero", "SELECT 0;");
  const std::string sql = b.script({applied_row(zero)}).sql();
  std::vector<HistoryRow> rows{applied_row(zero)};
  const auto begins = all_of(sql, "BEGIN;\n");
  for (std::size_t i = 0; i < b.migrations.size(); ++i) {
    const std::size_t end = i + 1 < begins.size() ? begins[i + 1] : sql.size();
    const std::string part = sql.substr(begins[i], end - begins[i]);
    CHECK(contains(part, sql_literal(HistoryTable::fingerprint(rows))));
    rows.push_back(applied_row(b.migrations[i]));
    CHECK_FALSE(contains(part, sql_literal(HistoryTable::fingerprint(rows))));
  }
}

TEST_CASE("batch: a file that ends in a comment is terminated before the next part") {
  RunSettings settings;
  const HistoryTable history;
  const Migration m1 = make_migration(1, "one", "SELECT 1 -- no semicolon, ends in a comment");
  const Migration m2 = make_migration(2, "two", "SELECT 2;");
  ApplyBatch batch;
  batch.migrations = {&m1, &m2};
  const std::string sql = apply_batch_script(BatchContext{history, settings, {}}, batch).sql();
  CHECK(contains(sql, "ends in a comment\n;\nINSERT INTO"));
  CHECK(contains(sql, "SELECT 2;\n;\nINSERT INTO"));
}

TEST_CASE("batch: an error in the 7th of 11 migrations maps to its file and line") {
  Batch b;
  const MigrationScript script = b.script();
  const std::string sql = script.sql();
  const std::size_t byte = sql.find("CREAT TABLE oops");
  REQUIRE(byte != std::string::npos);
  const int position =
      static_cast<int>(util::count_code_points(std::string_view(sql).substr(0, byte))) + 1;
  const DbError error("42601", "syntax error at or near \"CREAT\"", "", "", position);
  // The server committed the first six, then stopped in the 7th's file.
  BatchResult result{committed({1, 2, 3, 4, 5, 6}), error};
  const BatchProgress progress = read_batch(b.batch, TxMode::file, result);
  REQUIRE(progress.committed.size() == 6);
  CHECK(progress.committed[5].migration->version == 6);
  CHECK(progress.committed[5].duration_ms == 7);
  REQUIRE(progress.stopped_at != nullptr);
  CHECK(progress.stopped_at->version == 7);
  const ErrorInfo info = StepExecutor::error_info(error, &script, progress.stopped_at->version);
  CHECK(info.version == Version(7));
  CHECK(info.statement_line == 2);
  CHECK(info.sqlstate == "42601");

  SECTION("without a position, the transaction that was running is named") {
    const BatchProgress p =
        read_batch(b.batch, TxMode::file,
                   BatchResult{committed({1, 2, 3, 4, 5, 6}), DbError("23505", "duplicate key")});
    REQUIRE(p.stopped_at != nullptr);
    CHECK(p.stopped_at->version == 7);
    const ErrorInfo i = StepExecutor::error_info(*p.error, &script, p.stopped_at->version);
    CHECK(i.version == Version(7));
    CHECK_FALSE(i.statement_line);
  }
  SECTION("a COMMIT that fails (a deferred check) names the migration whose row was inserted") {
    auto statements = committed({1, 2});
    statements.push_back(committed({3}).front());  // 3's row, then its COMMIT failed
    const BatchProgress p =
        read_batch(b.batch, TxMode::file, BatchResult{statements, DbError("23503", "deferred fk")});
    CHECK(p.committed.size() == 2);
    REQUIRE(p.stopped_at != nullptr);
    CHECK(p.stopped_at->version == 3);
  }
  SECTION("in one transaction for the tenant, the file after the last row inserted is named") {
    auto rows_in = committed({1, 2, 3}, 7, Transactions::one_for_all);
    rows_in.pop_back();  // no COMMIT: the transaction stopped in the 4th file
    const BatchProgress p = read_batch(b.batch, TxMode::tenant,
                                       BatchResult{rows_in, DbError("23505", "duplicate key")});
    CHECK(p.committed.empty());
    REQUIRE(p.stopped_at != nullptr);
    CHECK(p.stopped_at->version == 4);
  }
}

TEST_CASE("batch: a no-transaction migration's finish comes first and its claim last") {
  RunSettings settings;
  settings.run_id = "run-1";
  const HistoryTable history;
  const Migration noTx1 = make_migration(
      1, "idx", "-- pgfleet: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n");
  const Migration m2 = make_migration(2, "two", "CREATE TABLE two (id int);\n");
  const Migration noTx3 =
      make_migration(3, "idx3",
                     "-- pgfleet: no-transaction\n-- pgfleet: lock-timeout=4321ms\n"
                     "CREATE INDEX CONCURRENTLY j ON t (b);\n");
  ApplyBatch batch;
  batch.finish = NoTxFinish{&noTx1, Millis(42), SessionProbe{"tok1", "4242"}};
  batch.migrations = {&m2};
  batch.claim = &noTx3;
  batch.claim_probe = SessionProbe{"tok3", "4242"};
  const HistoryRow claimed_row{1, "idx", noTx1.checksum, RowState::pending, "run-1", ""};
  const std::string sql =
      apply_batch_script(BatchContext{history, settings, {claimed_row}}, batch).sql();

  const auto begins = all_of(sql, "BEGIN;\n");
  REQUIRE(begins.size() == 3);
  const std::string finish = sql.substr(0, begins[1]);
  const std::string claim = sql.substr(begins[2]);
  // The finish: same session as the claim (PF004), RESET, the row marked applied.
  CHECK(contains(finish, "'PF004'"));
  CHECK(contains(finish, "current_setting('pgfleet.session_probe', true) IS DISTINCT FROM 'tok1'"));
  CHECK(contains(finish, "pg_backend_pid()::text <> '4242'"));
  CHECK(finish.find("'PF004'") < finish.find("RESET lock_timeout;"));
  CHECK(contains(finish, "RESET pgfleet.session_probe;"));
  CHECK(contains(finish,
                 "SET state = 'applied', applied_at = now(), duration_ms = 42 WHERE "
                 "version = 1 AND state = 'pending' AND run_id = 'run-1'"));
  CHECK(contains(finish, "RETURNING version::text AS pgfleet_finished;\nCOMMIT;\n"));
  // The transaction in between expects 1 applied.
  std::vector<HistoryRow> rows{claimed_row};
  rows[0].state = RowState::applied;
  CHECK(contains(sql.substr(begins[1], begins[2] - begins[1]),
                 sql_literal(HistoryTable::fingerprint(rows))));
  // The claim: still the state read's backend (PF003, no token yet), the guard expecting 1 and
  // 2, the pending row, then the probe token and the file's session-level settings.
  rows.push_back(HistoryRow{2, "two", m2.checksum, RowState::applied, "", ""});
  CHECK(contains(claim, "'PF003'"));
  CHECK(contains(claim, "pg_backend_pid()::text <> '4242'"));
  CHECK_FALSE(contains(claim, "current_setting('pgfleet.session_probe'"));
  CHECK(contains(claim, sql_literal(HistoryTable::fingerprint(rows))));
  CHECK(claim.find("'PF003'") < claim.find("pg_try_advisory_xact_lock"));
  CHECK(claim.find("pg_try_advisory_xact_lock") < claim.find("'pending'"));
  CHECK(contains(claim, "RETURNING version::text AS pgfleet_claimed;\n"));
  CHECK(contains(claim,
                 "SELECT set_config('pgfleet.session_probe', 'tok3', false);\n"
                 "SET lock_timeout = '4321ms';\nSET statement_timeout = '0ms';\n"
                 "COMMIT;\n"));
  CHECK_FALSE(contains(claim, "CREATE INDEX"));

  const BatchProgress done = read_batch(
      batch, TxMode::file, BatchResult{then(then(finished(1), committed({2})), claimed(3)), {}});
  CHECK(done.finished);
  CHECK(done.committed.size() == 1);
  CHECK(done.claimed);
  CHECK_FALSE(done.error);

  const BatchProgress stopped =
      read_batch(batch, TxMode::file,
                 BatchResult{then(finished(1), committed({2})), DbError("PF003", "moved")});
  CHECK(stopped.finished);
  CHECK_FALSE(stopped.claimed);
  REQUIRE(stopped.stopped_at != nullptr);
  CHECK(stopped.stopped_at->version == 3);

  std::vector<QueryResult> gone{statement_result({"pgfleet_finished"}, {}, "UPDATE 0")};
  const BatchProgress missing = read_batch(batch, TxMode::file, BatchResult{gone, std::nullopt});
  CHECK(missing.finish_row_missing);
  CHECK_FALSE(missing.finished);
}
