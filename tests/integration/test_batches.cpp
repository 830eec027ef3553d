// apply's batches against real PostgreSQL (README "How apply talks to a tenant"): a failure in
// the middle of a batch keeps what came before it committed and recorded; a lock timeout is
// retried from the migration that hit it, not from the start of the batch.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "engine_support.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

// Forwards to a real session and keeps the text of every batch it sends.
class BatchRecorder : public ForwardingSession {
 public:
  BatchRecorder(std::unique_ptr<Session> inner, std::shared_ptr<std::vector<std::string>> sent)
      : ForwardingSession(std::move(inner)), sent_(std::move(sent)) {}
  BatchResult exec_batch(const std::string& sql) override {
    sent_->push_back(sql);
    return inner().exec_batch(sql);
  }

 private:
  std::shared_ptr<std::vector<std::string>> sent_;
};

Connector recording(const Tenant& tenant, const RunSettings& settings,
                    std::shared_ptr<std::vector<std::string>> sent) {
  Connector inner = connector_for(tenant, settings);
  return [inner, sent]() -> std::unique_ptr<Session> {
    return std::make_unique<BatchRecorder>(inner(), sent);
  };
}

bool table_exists(const std::string& db, const std::string& name) {
  return scalar(db, "SELECT to_regclass('" + name + "') IS NOT NULL") == "t";
}

}  // namespace

TEST_CASE("an error in the middle migration of a batch keeps the ones before it committed",
          "[engine][batch]") {
  const std::string db = create_database("batch_mid");
  auto migrations = table_migrations(5);
  migrations[2] = make_migration(3, "broken",
                                 "CREATE TABLE t3 (id int);\n"
                                 "-- the next line fails\n"
                                 "INSERT INTO t3 VALUES ('not a number');\n");
  Engine engine(migrations, "20260101T000000Z-bmid");
  const Tenant tenant = tenant_for(db);
  auto trips = std::make_shared<std::atomic<long>>(0);
  const TenantOutcome out =
      engine.runner().apply(tenant, connector_for(tenant, engine.settings, trips));
  REQUIRE(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->version == Version(3));
  CHECK(out.error->statement_line == 3);
  CHECK(out.error->sqlstate == "22P02");
  REQUIRE(out.migrations.size() == 2);
  CHECK(out.migrations[1].version == 2);
  CHECK(out.to_version == Version(2));
  // 1 and 2 committed with their rows and server-side durations; 3, 4 and 5 left no trace.
  CHECK(scalar(db,
               "SELECT string_agg(version || ':' || state || ':' || (duration_ms >= 0)::text, "
               "',' ORDER BY version) FROM pgfleet.schema_migrations") ==
        "1:applied:true,2:applied:true");
  CHECK(table_exists(db, "t1"));
  CHECK(table_exists(db, "t2"));
  CHECK_FALSE(table_exists(db, "t3"));
  CHECK_FALSE(table_exists(db, "t4"));
  CHECK_FALSE(table_exists(db, "t5"));
  // The state read, the batch, the ROLLBACK of the failed transaction.
  CHECK(trips->load() == 3);

  SECTION("the session was left idle: fixed, the next run applies 3 to 5") {
    auto fixed = table_migrations(5);
    fixed[2] = make_migration(3, "broken", "CREATE TABLE t3 (id int);\n");
    Engine again(fixed, "20260101T000001Z-bmid");
    const TenantOutcome rerun = again.runner().apply(tenant, connector_for(tenant, again.settings));
    CHECK(rerun.status == TenantStatus::applied);
    CHECK(rerun.migrations.size() == 3);
    CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations") == "5");
  }
}

TEST_CASE("a syntax error in the 3rd migration of a batch still applies the two before it",
          "[engine][batch]") {
  // The server parses a whole query string before running any of it: the batch is sent again
  // without the broken file, so that 1 and 2 apply as they would one by one.
  const std::string db = create_database("batch_syntax");
  auto migrations = table_migrations(4);
  migrations[2] = make_migration(3, "broken", "-- typo below\nCREAT TABLE t3 (id int);\n");
  Engine engine(migrations, "20260101T000000Z-bsyn");
  const Tenant tenant = tenant_for(db);
  const TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  REQUIRE(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->version == Version(3));
  CHECK(out.error->statement_line == 2);
  CHECK(out.error->sqlstate == "42601");
  CHECK(out.migrations.size() == 2);
  CHECK(scalar(db,
               "SELECT string_agg(version::text, ',' ORDER BY version) FROM "
               "pgfleet.schema_migrations") == "1,2");
  CHECK_FALSE(table_exists(db, "t4"));
}

TEST_CASE("a lock timeout on the 5th migration of a batch retries from the 5th",
          "[engine][batch][locks]") {
  const std::string db = create_database("batch_lock");
  query(db, "CREATE TABLE busy (id int)");
  auto migrations = table_migrations(6);
  migrations[4] = make_migration(5, "alter_busy",
                                 "-- pgfleet: lock-timeout=200ms\n"
                                 "ALTER TABLE busy ADD COLUMN c int;\n");
  Engine engine(migrations, "20260101T000000Z-blck");
  engine.settings.retries = 10;
  const Tenant tenant = tenant_for(db);

  auto holder = connect_postgres(dsn_for(db));
  holder->exec("BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE");
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    holder->exec("COMMIT");
  });
  auto sent = std::make_shared<std::vector<std::string>>();
  const TenantOutcome out = engine.runner().apply(tenant, recording(tenant, engine.settings, sent));
  release.join();
  INFO((out.error ? out.error->message : out.reason));
  REQUIRE(out.status == TenantStatus::applied);
  REQUIRE(out.migrations.size() == 6);
  for (int i : {0, 1, 2, 3, 5}) CHECK(out.migrations[static_cast<std::size_t>(i)].attempts == 1);
  CHECK(out.migrations[4].attempts > 1);
  // The first batch held all six; every retry starts at the 5th and holds 5 and 6 only.
  REQUIRE(sent->size() >= 2);
  CHECK(sent->front().find("CREATE TABLE t1 ") != std::string::npos);
  for (std::size_t i = 1; i < sent->size(); ++i) {
    CHECK(sent->at(i).find("CREATE TABLE t4 ") == std::string::npos);
    CHECK(sent->at(i).find("ALTER TABLE busy") != std::string::npos);
    CHECK(sent->at(i).find("CREATE TABLE t6 ") != std::string::npos);
  }
  CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations WHERE state = 'applied'") ==
        "6");
  // 1 to 4 committed in the first attempt, before 5 was retried.
  CHECK(scalar(db,
               "SELECT (SELECT max(applied_at) FROM pgfleet.schema_migrations WHERE version <= 4) "
               "< (SELECT applied_at FROM pgfleet.schema_migrations WHERE version = 5)") == "t");
}
