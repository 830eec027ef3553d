// Locks against real PostgreSQL: lock_timeout retries (55P03), readers not stuck behind a
// waiting migration, statement timeouts, directive timeouts, and another run's advisory lock.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "engine_support.hpp"
#include "pgfleet/engine/history_table.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using Clock = std::chrono::steady_clock;

namespace {

long ms_since(Clock::time_point start) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// A database with table `items` and its history at version 1.
std::string database_with_items(Engine& engine, const std::string& prefix) {
  const std::string db = create_database(prefix);
  const Tenant tenant = tenant_for(db);
  const TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  REQUIRE(out.status == TenantStatus::applied);
  return db;
}

Migration items() { return make_migration(1, "items", "CREATE TABLE items (id int);\n"); }

}  // namespace

TEST_CASE("a lock held by a long transaction times out the migration, which is retried",
          "[engine][locks]") {
  Engine setup({items()}, "20260101T000000Z-lock");
  const std::string db = database_with_items(setup, "lock_retry");
  const Tenant tenant = tenant_for(db);
  Engine engine({items(), make_migration(2, "alter", "ALTER TABLE items ADD COLUMN c int;\n")},
                "20260101T000001Z-lock");
  engine.settings.lock_timeout = Millis(300);
  engine.settings.retries = 8;

  auto holder = connect_postgres(dsn_for(db));
  holder->exec("BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    holder->exec("COMMIT");
  });
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  release.join();
  INFO((out.error ? out.error->message : out.reason));
  REQUIRE(out.status == TenantStatus::applied);
  REQUIRE(out.migrations.size() == 1);
  CHECK(out.migrations[0].attempts > 1);
  CHECK(scalar(db,
               "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' "
               "AND column_name = 'c'") == "1");
}

TEST_CASE("readers wait at most about the lock timeout behind a blocked migration",
          "[engine][locks]") {
  Engine setup({items()}, "20260101T000000Z-read");
  const std::string db = database_with_items(setup, "lock_reader");
  const Tenant tenant = tenant_for(db);
  Engine engine({items(), make_migration(2, "alter", "ALTER TABLE items ADD COLUMN c int;\n")},
                "20260101T000001Z-read");
  engine.settings.lock_timeout = Millis(400);
  engine.settings.retries = 3;

  // A long open transaction that has read the table: the ALTER must wait for it, and without a
  // lock timeout every later reader would queue behind the ALTER until this transaction ends.
  auto holder = connect_postgres(dsn_for(db));
  holder->exec("BEGIN; SELECT count(*) FROM items");
  auto reader = connect_postgres(dsn_for(db));

  long reader_wait_ms = -1;
  const auto start = Clock::now();
  std::thread read([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // while the ALTER waits
    const auto t0 = Clock::now();
    reader->exec("SELECT count(*) FROM items");
    reader_wait_ms = ms_since(t0);
  });
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  const long runner_ms = ms_since(start);
  read.join();
  holder->exec("COMMIT");

  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->sqlstate == "55P03");
  CHECK(out.error->version == Version(2));
  CHECK(out.to_version == Version(1));
  // 1 try + 3 retries, each waiting the full lock timeout.
  CHECK(runner_ms >= 4 * 400);
  CHECK(reader_wait_ms >= 0);
  CHECK(reader_wait_ms < 400 + 1000);
  CHECK(reader_wait_ms < runner_ms);
}

TEST_CASE("a statement timeout fails the migration without retrying", "[engine][locks]") {
  const std::string db = create_database("stmt_timeout");
  const Tenant tenant = tenant_for(db);
  Engine engine({make_migration(1, "slow",
                                "-- pgfleet: statement-timeout=200ms\n"
                                "SELECT pg_sleep(3);\n")},
                "20260101T000000Z-stmt");
  const auto start = Clock::now();
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  CHECK(ms_since(start) < 2500);
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->sqlstate == "57014");
}

TEST_CASE("directives override the run's timeouts for their file only", "[engine][locks]") {
  const std::string db = create_database("directive");
  const Tenant tenant = tenant_for(db);
  Engine engine(
      {make_migration(1, "check_directive",
                      "-- pgfleet: lock-timeout=1234ms statement-timeout=1min\n"
                      "DO $$ BEGIN\n"
                      "  IF current_setting('lock_timeout') <> '1234ms' OR\n"
                      "     current_setting('statement_timeout') <> '1min' THEN\n"
                      "    RAISE EXCEPTION 'got % / %', current_setting('lock_timeout'),\n"
                      "      current_setting('statement_timeout');\n"
                      "  END IF;\n"
                      "END $$;\n"),
       make_migration(2, "check_default",
                      "DO $$ BEGIN\n"
                      "  IF current_setting('lock_timeout') <> '2s' THEN\n"
                      "    RAISE EXCEPTION 'got %', current_setting('lock_timeout');\n"
                      "  END IF;\n"
                      "END $$;\n")},
      "20260101T000000Z-dirv");
  engine.settings.lock_timeout = Millis(2000);
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  INFO((out.error ? out.error->message : out.reason));
  CHECK(out.status == TenantStatus::applied);
}

TEST_CASE("another run holding the tenant's advisory lock is waited for, within lock_wait",
          "[engine][locks]") {
  const std::string db = create_database("advisory");
  const Tenant tenant = tenant_for(db);
  query(db, HistoryTable().create_sql());
  Engine engine({items()}, "20260101T000000Z-advl");
  auto other_run = connect_postgres(dsn_for(db));
  const std::string take_lock =
      "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(HistoryTable().lock_key()) + ")";

  SECTION("released in time: the migration then applies") {
    other_run->exec(take_lock);
    std::thread release([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      other_run->exec("COMMIT");
    });
    TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
    release.join();
    CHECK(out.status == TenantStatus::applied);
    REQUIRE(out.migrations.size() == 1);
    CHECK(out.migrations[0].attempts == 1);  // lock polls are not retries
  }
  SECTION("held past lock_wait: failed, naming the other run") {
    engine.settings.lock_wait = Millis(600);
    other_run->exec(take_lock);
    const auto start = Clock::now();
    TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
    const long waited = ms_since(start);
    other_run->exec("COMMIT");
    CHECK(out.status == TenantStatus::failed);
    REQUIRE(out.error);
    CHECK(out.error->message.find("locked by another pgfleet run") != std::string::npos);
    CHECK(waited >= 600);
    CHECK(waited < 5000);
    CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations") == "0");
  }
}

TEST_CASE("an orphaned advisory lock of a dead runner's backend is waited for then named",
          "[engine][locks][faults]") {
  const std::string db = create_database("orphan_lock");
  const Tenant tenant = tenant_for(db);
  query(db, HistoryTable().create_sql());
  Engine engine({items()}, "20260101T000000Z-orph");
  engine.settings.lock_wait = Millis(600);
  // The backend of a runner that died mid-transaction: it keeps the lock and never commits.
  auto orphan = connect_postgres(dsn_for(db));
  const std::string pid =
      *orphan
           ->exec(
               "SET application_name = 'pgfleet/20250101T000000Z-dead'; BEGIN; SELECT "
               "pg_advisory_xact_lock(" +
               std::to_string(HistoryTable().lock_key()) + "); SELECT pg_backend_pid()::text")
           .rows.at(0)
           .at(0);
  const auto start = Clock::now();
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  const long waited = ms_since(start);
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  INFO(out.error->message);
  CHECK(out.error->message.find("pid " + pid) != std::string::npos);
  CHECK(out.error->message.find("pgfleet/20250101T000000Z-dead") != std::string::npos);
  CHECK(waited >= 600);
  CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations") == "0");
}
