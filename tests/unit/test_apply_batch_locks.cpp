// apply's lock read: one pg_locks SELECT before each COMMIT, read back into the migration it
// belongs to (docs/PREFLIGHT.md, "Forecast").
#include <catch2/catch.hpp>

#include "migration_builders.hpp"
#include "pgfleet/engine/apply_batch.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

QueryResult tagged(std::string command) { return QueryResult{{}, {}, std::move(command)}; }

QueryResult applied(Version v) {
  return QueryResult{{"pgfleet_applied", "pgfleet_duration_ms"},
                     {{std::to_string(v), std::string("4")}},
                     "INSERT 0 1"};
}

QueryResult locks(std::vector<std::pair<std::string, std::string>> held) {
  QueryResult r{{"pgfleet_lock_relation", "pgfleet_lock_mode"}, {}, "SELECT"};
  for (const auto& [relation, mode] : held) r.rows.push_back({relation, mode});
  return r;
}

}  // namespace

TEST_CASE("batch locks: each transaction reads its locks just before its COMMIT") {
  const Migration one = make_migration(1, "one", "ALTER TABLE t ADD COLUMN c int;");
  const Migration two = make_migration(2, "two", "SELECT 1;");
  RunSettings settings;
  HistoryTable history;
  ApplyBatch batch;
  batch.migrations = {&one, &two};
  const std::string sql = apply_batch_script(BatchContext{history, settings, {}}, batch).sql();
  std::size_t from = 0;
  for (int i = 0; i < 2; ++i) {
    const std::size_t read = sql.find("FROM pg_locks", from);
    const std::size_t commit = sql.find("COMMIT;", from);
    REQUIRE(read != std::string::npos);
    CHECK(sql.find("INSERT INTO", from) < read);
    CHECK(read < commit);
    from = commit + 1;
  }
}

TEST_CASE("batch locks: a committed transaction's locks go to its migration") {
  const Migration one = make_migration(1, "one", "ALTER TABLE t ADD COLUMN c int;");
  const Migration two = make_migration(2, "two", "SELECT 1;");
  ApplyBatch batch;
  batch.migrations = {&one, &two};
  BatchResult result;
  result.statements = {tagged("BEGIN"),  applied(1),      locks({{"t", "AccessExclusiveLock"}}),
                       tagged("COMMIT"), tagged("BEGIN"), applied(2),
                       locks({}),        tagged("COMMIT")};
  const BatchProgress progress = read_batch(batch, TxMode::file, result);
  REQUIRE(progress.committed.size() == 2);
  REQUIRE(progress.locks.size() == 1);
  CHECK(progress.locks[0].first == &one);
  REQUIRE(progress.locks[0].second.size() == 1);
  CHECK(progress.locks[0].second[0].relation == "t");
  CHECK(progress.locks[0].second[0].mode == "AccessExclusiveLock");
}
