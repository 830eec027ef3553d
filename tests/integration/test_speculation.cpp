// apply's speculative first batch against real PostgreSQL: a uniform fleet saves the state
// read's round trip, a tenant at another version than the guess applies as usual with no
// failure and no extra round trip, and two runners guessing the same history on one tenant
// still apply every version exactly once.
#include <catch2/catch.hpp>
#include <thread>

#include "engine_support.hpp"
#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/engine/speculative_batch.hpp"
#include "tcp_proxy.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

// 1 and 2 transactional, 3 no-transaction (one CREATE INDEX CONCURRENTLY), 4 transactional.
std::vector<Migration> with_no_transaction_third() {
  auto out = table_migrations(4);
  out[2] = make_migration(3, "index",
                          "-- pgfleet: no-transaction\nCREATE INDEX CONCURRENTLY i3 ON t1 (id);\n");
  return out;
}

struct Applied {
  TenantOutcome outcome;
  long round_trips = 0;
};

Applied apply_counted(TenantRunner& runner, const std::string& db, const RunSettings& settings) {
  const Tenant tenant = tenant_for(db);
  auto trips = std::make_shared<std::atomic<long>>(0);
  Applied out;
  out.outcome = runner.apply(tenant, connector_for(tenant, settings, trips));
  out.round_trips = trips->load();
  return out;
}

std::string describe(const TenantOutcome& o) {
  return std::string(to_string(o.status)) + " " + (o.error ? o.error->message : "") + o.reason;
}

}  // namespace

TEST_CASE("speculation: a uniform fleet applies each tenant after the first in one round trip less",
          "[engine][round_trips][speculation]") {
  SECTION("transactional migrations only: one round trip") {
    Engine engine(table_migrations(5), "20260101T000000Z-spc1");
    TenantRunner runner = engine.runner();
    const Applied first = apply_counted(runner, create_database("spec_a"), engine.settings);
    REQUIRE(first.outcome.status == TenantStatus::applied);
    CHECK(first.round_trips == 2);  // no guess yet
    const std::string db = create_database("spec_b");
    const Applied second = apply_counted(runner, db, engine.settings);
    INFO(describe(second.outcome));
    REQUIRE(second.outcome.status == TenantStatus::applied);
    CHECK(second.round_trips == 1);
    REQUIRE(second.outcome.migrations.size() == 5);
    CHECK(second.outcome.migrations[4].attempts == 1);
    CHECK_FALSE(second.outcome.from_version.has_value());
    CHECK(second.outcome.to_version == Version(5));
    CHECK(scalar(db,
                 "SELECT count(*) FROM pgfleet.schema_migrations WHERE state = 'applied' AND "
                 "run_id = '20260101T000000Z-spc1' AND duration_ms >= 0") == "5");
  }
  SECTION("runners sharing one guess (the CLI: a runner per tenant) guess alike") {
    Engine engine(table_migrations(3), "20260101T000000Z-spc4");
    auto guess = std::make_shared<ApplyGuess>();
    TenantRunner one(engine.set, engine.settings, engine.reporter, engine.stop, guess);
    TenantRunner other(engine.set, engine.settings, engine.reporter, engine.stop, guess);
    REQUIRE(apply_counted(one, create_database("spec_h"), engine.settings).round_trips == 2);
    const Applied second = apply_counted(other, create_database("spec_i"), engine.settings);
    REQUIRE(second.outcome.status == TenantStatus::applied);
    CHECK(second.round_trips == 1);
  }
  SECTION("--tx-mode tenant: one transaction for all, sent with the state read") {
    Engine engine(table_migrations(4), "20260101T000000Z-spc5");
    engine.settings.tx_mode = TxMode::tenant;
    TenantRunner runner = engine.runner();
    REQUIRE(apply_counted(runner, create_database("spec_j"), engine.settings).round_trips == 2);
    const Applied second = apply_counted(runner, create_database("spec_k"), engine.settings);
    REQUIRE(second.outcome.status == TenantStatus::applied);
    CHECK(second.outcome.migrations.size() == 4);
    CHECK(second.round_trips == 1);
  }
  SECTION("a no-transaction migration: its claim goes with the first batch") {
    Engine engine(with_no_transaction_third(), "20260101T000000Z-spc2");
    TenantRunner runner = engine.runner();
    const Applied first = apply_counted(runner, create_database("spec_c"), engine.settings);
    REQUIRE(first.outcome.status == TenantStatus::applied);
    CHECK(first.round_trips == 4);  // read, 1-2 + claim, the index, finish + 4
    const std::string db = create_database("spec_d");
    const Applied second = apply_counted(runner, db, engine.settings);
    INFO(describe(second.outcome));
    REQUIRE(second.outcome.status == TenantStatus::applied);
    CHECK(second.outcome.migrations.size() == 4);
    CHECK(second.round_trips == 3);
    CHECK(scalar(db,
                 "SELECT string_agg(version || ':' || state, ',' ORDER BY version) FROM "
                 "pgfleet.schema_migrations") == "1:applied,2:applied,3:applied,4:applied");
    CHECK(scalar(db,
                 "SELECT count(*) FROM pg_index WHERE indexrelid = 'i3'::regclass AND "
                 "indisvalid") == "1");
    CHECK(second.outcome.migrations[2].version == 3);
  }
}

TEST_CASE("speculation: a tenant at another version than the guess applies with no failure",
          "[engine][round_trips][speculation]") {
  Engine engine(table_migrations(5), "20260101T000000Z-spc3");
  TenantRunner runner = engine.runner();
  REQUIRE(apply_counted(runner, create_database("spec_e"), engine.settings).outcome.status ==
          TenantStatus::applied);  // the guess is now "nothing applied"

  const std::string db = create_database("spec_f");
  Engine older(table_migrations(3), "20260101T000000Z-old3");
  TenantRunner older_runner = older.runner();
  REQUIRE(apply_counted(older_runner, db, older.settings).outcome.status == TenantStatus::applied);

  const Applied out = apply_counted(runner, db, engine.settings);
  INFO(describe(out.outcome));
  REQUIRE(out.outcome.status == TenantStatus::applied);
  CHECK_FALSE(out.outcome.error);
  CHECK(out.outcome.from_version == Version(3));
  REQUIRE(out.outcome.migrations.size() == 2);
  CHECK(out.outcome.migrations[0].version == 4);
  CHECK(out.outcome.migrations[0].attempts == 1);
  CHECK(out.round_trips == 2);  // the miss cost none: read (+ wrong guess), the batch
  CHECK(scalar(db,
               "SELECT string_agg(version || ':' || coalesce(run_id, ''), ',' ORDER BY "
               "version) FROM pgfleet.schema_migrations") ==
        "1:20260101T000000Z-old3,2:20260101T000000Z-old3,3:20260101T000000Z-old3,"
        "4:20260101T000000Z-spc3,5:20260101T000000Z-spc3");

  SECTION("the guess follows the fleet: the next tenant at version 3 is a hit") {
    const std::string next = create_database("spec_g");
    REQUIRE(apply_counted(older_runner, next, older.settings).outcome.status ==
            TenantStatus::applied);
    const Applied hit = apply_counted(runner, next, engine.settings);
    REQUIRE(hit.outcome.status == TenantStatus::applied);
    CHECK(hit.outcome.migrations.size() == 2);
    CHECK(hit.round_trips == 1);
  }
}

TEST_CASE("speculation: two runners guessing the same history on one tenant apply once",
          "[engine][concurrency][speculation]") {
  const auto migrations = with_no_transaction_third();
  Engine a(migrations, "20260101T000000Z-spra");
  Engine b(migrations, "20260101T000000Z-sprb");
  TenantRunner runner_a = a.runner();
  TenantRunner runner_b = b.runner();
  // Both guess "nothing applied".
  REQUIRE(apply_counted(runner_a, create_database("spec_ra"), a.settings).outcome.status ==
          TenantStatus::applied);
  REQUIRE(apply_counted(runner_b, create_database("spec_rb"), b.settings).outcome.status ==
          TenantStatus::applied);

  for (int round = 0; round < 3; ++round) {
    const std::string db = create_database("spec_race" + std::to_string(round));
    query(db, HistoryTable().create_sql());
    Applied out_a, out_b;
    std::thread ta([&] { out_a = apply_counted(runner_a, db, a.settings); });
    std::thread tb([&] { out_b = apply_counted(runner_b, db, b.settings); });
    ta.join();
    tb.join();
    INFO("round " << round << " a: " << describe(out_a.outcome)
                  << " b: " << describe(out_b.outcome));
    const auto fine = [](const TenantOutcome& o) {
      return o.status == TenantStatus::applied || o.status == TenantStatus::up_to_date;
    };
    CHECK(fine(out_a.outcome));
    CHECK(fine(out_b.outcome));
    CHECK(out_a.outcome.migrations.size() + out_b.outcome.migrations.size() == 4);
    CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations WHERE state = 'applied'") ==
          "4");
    CHECK(scalar(db, "SELECT count(*) FROM pg_tables WHERE tablename IN ('t1', 't2', 't4')") ==
          "3");
  }
}

TEST_CASE("speculation: a connection cut during the speculative query reports what committed",
          "[engine][faults][speculation]") {
  auto migrations = table_migrations(3);
  migrations[1] =
      make_migration(2, "slow", "CREATE TABLE t2 (id int);\nSELECT pg_sleep(1); -- cut-here\n");
  Engine engine(migrations, "20260101T000000Z-spcc");
  TenantRunner runner = engine.runner();
  REQUIRE(apply_counted(runner, create_database("spec_cut_a"), engine.settings).outcome.status ==
          TenantStatus::applied);  // the guess: nothing applied

  SECTION("a right guess: the migrations it committed are reported, the rest applies") {
    const std::string db = create_database("spec_cut_b");
    TcpProxy proxy(cluster().host, std::stoi(cluster().port), "cut-here");
    const Tenant tenant = tenant_for(db, dsn_through(dsn_for(db), cluster().port, proxy.port()));
    const TenantOutcome out = runner.apply(tenant, connector_for(tenant, engine.settings));
    INFO(describe(out));
    REQUIRE(proxy.cuts() == 1);
    CHECK(out.status == TenantStatus::applied);
    CHECK_FALSE(out.from_version.has_value());
    CHECK(out.migrations.size() == 3);
    CHECK(scalar(db,
                 "SELECT string_agg(version || ':' || run_id, ',' ORDER BY version) FROM "
                 "pgfleet.schema_migrations") ==
          "1:20260101T000000Z-spcc,2:20260101T000000Z-spcc,3:20260101T000000Z-spcc");
  }
  SECTION("a wrong guess: nothing is reported for it, the pending ones apply") {
    const std::string db = create_database("spec_cut_c");
    Engine older({migrations[0]}, "20260101T000000Z-old1");
    REQUIRE(older.runner()
                .apply(tenant_for(db), connector_for(tenant_for(db), older.settings))
                .status == TenantStatus::applied);
    TcpProxy proxy(cluster().host, std::stoi(cluster().port), "cut-here");
    const Tenant tenant = tenant_for(db, dsn_through(dsn_for(db), cluster().port, proxy.port()));
    const TenantOutcome out = runner.apply(tenant, connector_for(tenant, engine.settings));
    INFO(describe(out));
    REQUIRE(proxy.cuts() == 1);
    CHECK(out.status == TenantStatus::applied);
    CHECK(out.from_version == Version(1));
    REQUIRE(out.migrations.size() == 2);
    CHECK(out.migrations[0].version == 2);
    CHECK(scalar(db,
                 "SELECT string_agg(version || ':' || run_id, ',' ORDER BY version) FROM "
                 "pgfleet.schema_migrations") ==
          "1:20260101T000000Z-old1,2:20260101T000000Z-spcc,3:20260101T000000Z-spcc");
  }
}
