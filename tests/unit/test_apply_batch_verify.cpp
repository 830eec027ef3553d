// A migration's verify script inside apply's batch (docs/PREFLIGHT.md "Verify scripts"): where
// it sits, what the results say about it, and an error in it named as phase `verify`.
#include <catch2/catch.hpp>

#include "fake_session.hpp"
#include "migration_builders.hpp"
#include "pgfleet/engine/apply_batch.hpp"
#include "pgfleet/engine/step_executor.hpp"
#include "pgfleet/util/utf8.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

Migration with_verify(Version v, const std::string& up, const std::string& verify) {
  Migration m = make_migration(v, "m" + std::to_string(v), up);
  m.verify = MigrationFile{std::to_string(v) + "_m.verify.sql", verify, parse_directives(verify)};
  return m;
}

int position_of(const std::string& sql, const std::string& needle) {
  const std::size_t byte = sql.find(needle);
  REQUIRE(byte != std::string::npos);
  return static_cast<int>(util::count_code_points(std::string_view(sql).substr(0, byte))) + 1;
}

std::size_t at(const std::string& text, const std::string& needle, std::size_t from = 0) {
  const std::size_t found = text.find(needle, from);
  REQUIRE(found != std::string::npos);
  return found;
}

QueryResult verify_started(Version v) {
  return statement_result({"set_config", "pgfleet_verify_start"}, {"x", std::to_string(v)});
}
QueryResult verify_passed(long ms) {
  return statement_result({"pgfleet_verify_ms"}, {std::to_string(ms)});
}

struct TwoMigrations {
  RunSettings settings;
  HistoryTable history;
  Migration checked =
      with_verify(1, "CREATE TABLE a (id int);\n",
                  "-- pgfleet: statement-timeout=1234ms\nSELECT 1;\nSELECT 1/0 FROM a;\n");
  Migration plain = make_migration(2, "plain", "CREATE TABLE b (id int);\n");
  ApplyBatch batch;
  TwoMigrations() { batch.migrations = {&checked, &plain}; }
  MigrationScript script() const {
    return apply_batch_script(BatchContext{history, settings, {}}, batch);
  }
};

}  // namespace

TEST_CASE("batch verify: after the file and before the history row read-only in a savepoint") {
  const TwoMigrations t;
  const std::string sql = t.script().sql();
  const std::string first = sql.substr(0, at(sql, "COMMIT;\n"));
  const std::size_t file = at(first, "CREATE TABLE a");
  const std::size_t marker = at(first, "AS pgfleet_verify_start");
  const std::size_t savepoint = at(first, "SAVEPOINT pgfleet_verify;");
  const std::size_t own_timeout = at(first, "SET LOCAL statement_timeout = '1234ms';", savepoint);
  const std::size_t read_only = at(first, "SET LOCAL transaction_read_only = on;");
  const std::size_t check = at(first, "SELECT 1/0 FROM a;");
  const std::size_t undo = at(first, "ROLLBACK TO SAVEPOINT pgfleet_verify;\n");
  const std::size_t ms = at(first, "AS pgfleet_verify_ms");
  const std::size_t row = at(first, "INSERT INTO pgfleet.schema_migrations");
  CHECK(file < marker);
  CHECK(marker < savepoint);
  CHECK(savepoint < own_timeout);
  CHECK(own_timeout < read_only);
  CHECK(read_only < check);
  CHECK(check < undo);
  CHECK(undo < ms);
  CHECK(ms < row);
  // The migration without a verify script gets none.
  const std::string second = sql.substr(at(sql, "COMMIT;\n") + 1);
  CHECK(second.find("SAVEPOINT") == std::string::npos);
}

TEST_CASE("batch verify: its time is reported with its migration and only there") {
  TwoMigrations t;
  std::vector<QueryResult> statements{verify_started(1), verify_passed(3)};
  statements = then(then(statements, committed({1}, 9)), committed({2}, 4));
  const BatchProgress p = read_batch(t.batch, TxMode::file, BatchResult{statements, {}});
  REQUIRE(p.committed.size() == 2);
  CHECK(p.committed[0].duration_ms == 9);
  CHECK(p.committed[0].verify_ms == 3L);
  CHECK_FALSE(p.committed[1].verify_ms);
  CHECK_FALSE(p.stopped_in_verify);
}

TEST_CASE("batch verify: an error in it names the verify file and its line") {
  const TwoMigrations t;
  const MigrationScript script = t.script();
  const DbError error("22012", "division by zero", "", "", position_of(script.sql(), "1/0 FROM a"));
  const BatchProgress p =
      read_batch(t.batch, TxMode::file, BatchResult{{verify_started(1)}, error});
  CHECK(p.stopped_in_verify);
  CHECK(p.committed.empty());
  REQUIRE(p.stopped_at != nullptr);
  CHECK(p.stopped_at->version == 1);
  const MigrationScript::Location where = script.locate(error.position());
  CHECK(where.role == FileRole::verify);
  CHECK(where.version == Version(1));
  CHECK(where.line == 3);  // the directive line counts
  CHECK(script.locate(position_of(script.sql(), "CREATE TABLE a")).role == FileRole::migration);

  SECTION("a RAISE without a position is told by the marker row") {
    const BatchProgress raised = read_batch(
        t.batch, TxMode::file, BatchResult{{verify_started(1)}, DbError("P0001", "missing")});
    CHECK(raised.stopped_in_verify);
  }
  SECTION("an error in the history row after a verify that passed is not the verify's") {
    const BatchProgress after = read_batch(
        t.batch, TxMode::file,
        BatchResult{{verify_started(1), verify_passed(2)}, DbError("23505", "duplicate")});
    CHECK_FALSE(after.stopped_in_verify);
  }
}

TEST_CASE("batch verify: a no-transaction migration verifies before its row is marked applied") {
  RunSettings settings;
  settings.run_id = "run-1";
  const HistoryTable history;
  const Migration index =
      with_verify(5, "-- pgfleet: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
                  "SELECT 1/count(*) FROM pg_indexes WHERE indexname = 'i';\n");
  ApplyBatch batch;
  batch.finish = NoTxFinish{&index, Millis(11), SessionProbe{"tok", "77"}};
  const HistoryRow claimed{5, "m5", index.checksum, RowState::pending, "run-1", ""};
  const std::string sql =
      apply_batch_script(BatchContext{history, settings, {claimed}}, batch).sql();
  CHECK(at(sql, "'PF004'") < at(sql, "SAVEPOINT pgfleet_verify;"));
  CHECK(at(sql, "RESET lock_timeout;") < at(sql, "SAVEPOINT pgfleet_verify;"));
  CHECK(at(sql, "pg_indexes WHERE indexname = 'i'") < at(sql, "SET state = 'applied'"));

  const BatchProgress done =
      read_batch(batch, TxMode::file,
                 BatchResult{then({verify_started(5), verify_passed(6)}, finished(5)), {}});
  CHECK(done.finished);
  CHECK(done.finish_verify_ms == 6L);
  const BatchProgress failed = read_batch(
      batch, TxMode::file, BatchResult{{verify_started(5)}, DbError("22012", "division by zero")});
  CHECK_FALSE(failed.finished);
  CHECK(failed.stopped_in_verify);
  REQUIRE(failed.stopped_at != nullptr);
  CHECK(failed.stopped_at->version == 5);
}
