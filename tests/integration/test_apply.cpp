// The engine against real PostgreSQL: apply, re-run, drift, failures with lines, tx-mode tenant,
// schema-per-tenant, round-trip budget, plan, rollback, baseline, repair.
#include <catch2/catch.hpp>

#include "engine_support.hpp"
#include "pgfleet/engine/history_table.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

std::string count_rows(const std::string& db,
                       const std::string& table = "pgfleet.schema_migrations") {
  return scalar(db, "SELECT count(*) FROM " + table);
}

bool table_exists(const std::string& db, const std::string& name) {
  return scalar(db, "SELECT to_regclass('" + name + "') IS NOT NULL") == "t";
}

}  // namespace

TEST_CASE("apply runs pending migrations once, and a re-run is a no-op", "[engine]") {
  const std::string db = create_database("apply");
  Engine engine(table_migrations(5), "20260101T000000Z-aaaa");
  const Tenant tenant = tenant_for(db);

  TenantOutcome first = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  INFO((first.error ? first.error->message : first.reason));
  REQUIRE(first.status == TenantStatus::applied);
  CHECK_FALSE(first.from_version.has_value());
  CHECK(first.to_version == Version(5));
  REQUIRE(first.migrations.size() == 5);
  CHECK(first.migrations[0].version == 1);
  CHECK(first.migrations[0].name == "create_t1");
  CHECK(first.migrations[4].attempts == 1);
  CHECK(first.host == cluster().host + ":" + cluster().port);
  CHECK(count_rows(db) == "5");
  CHECK(scalar(db,
               "SELECT count(*) FROM pgfleet.schema_migrations WHERE state = 'applied' AND "
               "run_id = '20260101T000000Z-aaaa' AND applied_by = 'tester@localhost' AND "
               "duration_ms >= 0") == "5");
  CHECK(scalar(db, "SELECT checksum FROM pgfleet.schema_migrations WHERE version = 3") ==
        engine.set.find(3)->checksum);
  CHECK(table_exists(db, "t5"));

  // The same run again (a ledger re-claim, a resume) says what the run applied, with no extra
  // round trip; another run finds nothing to do.
  auto same_trips = std::make_shared<std::atomic<long>>(0);
  TenantOutcome same =
      engine.runner().apply(tenant, connector_for(tenant, engine.settings, same_trips));
  CHECK(same.status == TenantStatus::applied);
  CHECK(same.migrations.size() == 5);
  CHECK_FALSE(same.from_version.has_value());
  CHECK(same_trips->load() == 1);
  engine.settings.run_id = "20260101T000000Z-bbbb";
  auto trips = std::make_shared<std::atomic<long>>(0);
  TenantOutcome again =
      engine.runner().apply(tenant, connector_for(tenant, engine.settings, trips));
  CHECK(again.status == TenantStatus::up_to_date);
  CHECK(again.migrations.empty());
  CHECK(again.from_version == Version(5));
  CHECK(again.to_version == Version(5));
  CHECK(trips->load() == 1);  // the state read, nothing else
}

TEST_CASE("a 5-migration apply costs one round trip to read and one for all migrations",
          "[engine][round_trips]") {
  const std::string db = create_database("trips");
  query(db, HistoryTable().create_sql());
  Engine engine(table_migrations(5), "20260101T000000Z-trip");
  const Tenant tenant = tenant_for(db);
  auto trips = std::make_shared<std::atomic<long>>(0);
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings, trips));
  REQUIRE(out.status == TenantStatus::applied);
  CHECK(trips->load() <= 1 + 5);
  CHECK(trips->load() == 2);
  CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations WHERE duration_ms >= 0") == "5");

  SECTION("on a database never migrated, the state read creates the table: no extra trip") {
    const std::string fresh = create_database("trips_fresh");
    const Tenant t2 = tenant_for(fresh);
    auto trips2 = std::make_shared<std::atomic<long>>(0);
    REQUIRE(engine.runner().apply(t2, connector_for(t2, engine.settings, trips2)).status ==
            TenantStatus::applied);
    CHECK(trips2->load() == 2);
  }
  SECTION("--tx-mode tenant sends all pending migrations in one round trip") {
    const std::string other = create_database("trips_tenant");
    query(other, HistoryTable().create_sql());
    engine.settings.tx_mode = TxMode::tenant;
    const Tenant t3 = tenant_for(other);
    auto trips3 = std::make_shared<std::atomic<long>>(0);
    TenantOutcome o = engine.runner().apply(t3, connector_for(t3, engine.settings, trips3));
    REQUIRE(o.status == TenantStatus::applied);
    CHECK(o.migrations.size() == 5);
    CHECK(trips3->load() == 2);
  }
}

TEST_CASE("an edited applied file is drift: nothing runs", "[engine]") {
  const std::string db = create_database("drift");
  Engine engine(table_migrations(2), "20260101T000000Z-drft");
  const Tenant tenant = tenant_for(db);
  REQUIRE(engine.runner().apply(tenant, connector_for(tenant, engine.settings)).status ==
          TenantStatus::applied);

  auto edited = table_migrations(2);
  edited[1] = make_migration(2, "create_t2", "CREATE TABLE t2 (id bigint);\n");
  edited.push_back(make_migration(3, "more", "CREATE TABLE t3 (id int);\n"));
  Engine changed(edited, "20260101T000001Z-drft");
  TenantOutcome out = changed.runner().apply(tenant, connector_for(tenant, changed.settings));
  CHECK(out.status == TenantStatus::drift);
  CHECK(out.reason.find("checksum differs for 2") != std::string::npos);
  CHECK(out.migrations.empty());
  CHECK(out.to_version == Version(2));
  CHECK_FALSE(table_exists(db, "t3"));
  CHECK(count_rows(db) == "2");

  TenantOutcome plan = changed.runner().plan(tenant, connector_for(tenant, changed.settings));
  CHECK(plan.status == TenantStatus::drift);
}

TEST_CASE("a missing file or an out-of-order version is refused", "[engine]") {
  const std::string db = create_database("order");
  auto all = table_migrations(3);
  Engine engine({all[0], all[2]}, "20260101T000000Z-ordr");
  const Tenant tenant = tenant_for(db);
  REQUIRE(engine.runner().apply(tenant, connector_for(tenant, engine.settings)).status ==
          TenantStatus::applied);

  Engine with_gap(all, "20260101T000001Z-ordr");
  TenantOutcome out = with_gap.runner().apply(tenant, connector_for(tenant, with_gap.settings));
  CHECK(out.status == TenantStatus::drift);
  CHECK(out.reason.find("version 2") != std::string::npos);
  CHECK_FALSE(table_exists(db, "t2"));

  Engine missing({all[0]}, "20260101T000002Z-ordr");
  out = missing.runner().apply(tenant, connector_for(tenant, missing.settings));
  CHECK(out.status == TenantStatus::drift);
  CHECK(out.reason.find("version 3") != std::string::npos);
}

TEST_CASE("a failing migration leaves the tenant at the previous version, with sqlstate and line",
          "[engine]") {
  const std::string db = create_database("fail");
  auto migrations = table_migrations(2);
  migrations.push_back(make_migration(3, "broken",
                                      "-- adds c\n"
                                      "CREATE TABLE c (id int);\n"
                                      "INSERT INTO c VALUES (1);\n"
                                      "SELECT nope\n"
                                      "  FROM c;\n"));
  migrations.push_back(make_migration(4, "after", "CREATE TABLE t4 (id int);\n"));
  Engine engine(migrations, "20260101T000000Z-fail");
  const Tenant tenant = tenant_for(db);
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  CHECK(out.status == TenantStatus::failed);
  CHECK(out.to_version == Version(2));
  CHECK(out.migrations.size() == 2);
  REQUIRE(out.error);
  CHECK(out.error->version == Version(3));
  CHECK(out.error->sqlstate == "42703");
  CHECK(out.error->message.find("nope") != std::string::npos);
  CHECK(out.error->statement_line == 4);
  CHECK_FALSE(table_exists(db, "c"));
  CHECK_FALSE(table_exists(db, "t4"));
  CHECK(count_rows(db) == "2");
}

TEST_CASE("error lines count characters, not bytes, before the failing statement", "[engine]") {
  const std::string db = create_database("utf8line");
  Engine engine({make_migration(1, "unicode",
                                "-- Grüße, 日本語, emoji 😀\n"
                                "CREATE TABLE café (naïve text DEFAULT 'ß');\n"
                                "\n"
                                "SELECT naïve, missing_column FROM café;\n")},
                "20260101T000000Z-utf8");
  const Tenant tenant = tenant_for(db);
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  REQUIRE(out.error);
  CHECK(out.error->sqlstate == "42703");
  CHECK(out.error->statement_line == 4);
  CHECK(out.error->version == Version(1));

  SECTION("a syntax error at the end of a file points at its last line") {
    Engine eof({make_migration(1, "eof", "CREATE TABLE x (\n  id int,\n")},
               "20260101T000000Z-eof1");
    TenantOutcome o = eof.runner().apply(tenant, connector_for(tenant, eof.settings));
    REQUIRE(o.error);
    CHECK(o.error->sqlstate == "42601");
    CHECK(o.error->statement_line == 2);
  }
}

TEST_CASE("flag --tx-mode tenant applies all or nothing", "[engine]") {
  const std::string db = create_database("txtenant");
  auto migrations = table_migrations(3);
  migrations.push_back(make_migration(4, "broken", "CREATE TABLE t4 (id int);\nSELECT 1/0;\n"));
  Engine engine(migrations, "20260101T000000Z-txtn");
  engine.settings.tx_mode = TxMode::tenant;
  const Tenant tenant = tenant_for(db);
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  CHECK(out.status == TenantStatus::failed);
  CHECK(out.migrations.empty());
  CHECK_FALSE(out.to_version.has_value());
  REQUIRE(out.error);
  CHECK(out.error->sqlstate == "22012");
  CHECK(count_rows(db) == "0");
  CHECK_FALSE(table_exists(db, "t1"));

  SECTION("without the broken file all four... three apply together") {
    Engine good(table_migrations(3), "20260101T000001Z-txtn");
    good.settings.tx_mode = TxMode::tenant;
    TenantOutcome ok = good.runner().apply(tenant, connector_for(tenant, good.settings));
    CHECK(ok.status == TenantStatus::applied);
    CHECK(ok.migrations.size() == 3);
    CHECK(count_rows(db) == "3");
  }
  SECTION("the error line of a later file in the transaction is found") {
    auto m = table_migrations(2);
    m.push_back(make_migration(3, "bad", "\n\nSELECT * FROM no_such_table;\n"));
    Engine bad(m, "20260101T000002Z-txtn");
    bad.settings.tx_mode = TxMode::tenant;
    TenantOutcome o = bad.runner().apply(tenant, connector_for(tenant, bad.settings));
    REQUIRE(o.error);
    CHECK(o.error->sqlstate == "42P01");
    CHECK(o.error->version == Version(3));
    CHECK(o.error->statement_line == 3);
  }
}

TEST_CASE("schema-per-tenant keeps the history and the objects in the tenant's schema",
          "[engine]") {
  const std::string db = create_database("schema");
  Engine engine(table_migrations(2), "20260101T000000Z-schm");
  Tenant tenant = tenant_for(db);
  tenant.schema = "Acme Corp";
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  INFO((out.error ? out.error->message : out.reason));
  REQUIRE(out.status == TenantStatus::applied);
  CHECK(count_rows(db, "\"Acme Corp\".pgfleet_schema_migrations") == "2");
  CHECK(table_exists(db, "\"Acme Corp\".t2"));
  CHECK_FALSE(table_exists(db, "public.t2"));
  CHECK_FALSE(table_exists(db, "pgfleet.schema_migrations"));
}

TEST_CASE("plan changes nothing and lists what is pending", "[engine]") {
  const std::string db = create_database("plan");
  Engine engine(table_migrations(3), "20260101T000000Z-plan");
  engine.settings.target = 2;
  const Tenant tenant = tenant_for(db);
  TenantOutcome out = engine.runner().plan(tenant, connector_for(tenant, engine.settings));
  CHECK(out.status == TenantStatus::pending);
  CHECK(out.pending == std::vector<Version>{1, 2});
  CHECK(scalar(db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgfleet'") == "0");

  REQUIRE(engine.runner().apply(tenant, connector_for(tenant, engine.settings)).to_version ==
          Version(2));
  CHECK_FALSE(table_exists(db, "t3"));
  CHECK(engine.runner().plan(tenant, connector_for(tenant, engine.settings)).status ==
        TenantStatus::up_to_date);
}

TEST_CASE("rollback_to runs .down files newest first and deletes their rows", "[engine]") {
  const std::string db = create_database("rollback");
  Engine engine(table_migrations(3), "20260101T000000Z-rbck");
  const Tenant tenant = tenant_for(db);
  REQUIRE(engine.runner().apply(tenant, connector_for(tenant, engine.settings)).status ==
          TenantStatus::applied);

  TenantOutcome out =
      engine.runner().rollback_to(tenant, connector_for(tenant, engine.settings), 1);
  CHECK(out.status == TenantStatus::applied);
  REQUIRE(out.migrations.size() == 2);
  CHECK(out.migrations[0].version == 3);
  CHECK(out.migrations[1].version == 2);
  CHECK(out.to_version == Version(1));
  CHECK(count_rows(db) == "1");
  CHECK_FALSE(table_exists(db, "t2"));
  CHECK(table_exists(db, "t1"));

  CHECK(engine.runner().rollback_to(tenant, connector_for(tenant, engine.settings), 1).status ==
        TenantStatus::up_to_date);
  TenantOutcome above =
      engine.runner().rollback_to(tenant, connector_for(tenant, engine.settings), 3);
  CHECK(above.status == TenantStatus::failed);

  SECTION("a version without .down is refused, naming it") {
    auto m = table_migrations(1);
    m.push_back(make_migration(2, "no_down", "CREATE TABLE nd (id int);\n"));
    Engine e2(m, "20260101T000001Z-rbck");
    REQUIRE(e2.runner().apply(tenant, connector_for(tenant, e2.settings)).status ==
            TenantStatus::applied);
    TenantOutcome refused = e2.runner().rollback_to(tenant, connector_for(tenant, e2.settings), 0);
    CHECK(refused.status == TenantStatus::failed);
    CHECK(refused.reason.find("version 2") != std::string::npos);
    CHECK(count_rows(db) == "2");
  }
}

TEST_CASE("run_script runs only while the tenant is at the expected version", "[engine]") {
  const std::string db = create_database("script");
  Engine engine(table_migrations(3), "20260101T000000Z-scrp");
  const Tenant tenant = tenant_for(db);
  REQUIRE(engine.runner().apply(tenant, connector_for(tenant, engine.settings)).status ==
          TenantStatus::applied);
  const std::string script =
      "DROP TABLE t3;\nDELETE FROM pgfleet.schema_migrations WHERE version = 3;\n"
      "DROP TABLE t2;\nDELETE FROM pgfleet.schema_migrations WHERE version = 2;\n";

  TenantOutcome wrong =
      engine.runner().run_script(tenant, connector_for(tenant, engine.settings), script, 4);
  CHECK(wrong.status == TenantStatus::failed);
  CHECK(wrong.reason.find("at version 3") != std::string::npos);
  CHECK(table_exists(db, "t3"));

  TenantOutcome ok =
      engine.runner().run_script(tenant, connector_for(tenant, engine.settings), script, 3);
  CHECK(ok.status == TenantStatus::applied);
  CHECK(ok.to_version == Version(1));
  CHECK(ok.migrations.size() == 2);
  CHECK_FALSE(table_exists(db, "t2"));

  TenantOutcome broken = engine.runner().run_script(tenant, connector_for(tenant, engine.settings),
                                                    "DROP TABLE t1;\nSELECT * FROM nope;\n", 1);
  CHECK(broken.status == TenantStatus::failed);
  REQUIRE(broken.error);
  CHECK(broken.error->statement_line == 2);
  CHECK(table_exists(db, "t1"));
}

TEST_CASE("baseline records versions without running them, repair needs a pending row",
          "[engine]") {
  const std::string db = create_database("baseline");
  Engine engine(table_migrations(4), "20260101T000000Z-base");
  const Tenant tenant = tenant_for(db);
  TenantOutcome out = engine.runner().baseline(tenant, connector_for(tenant, engine.settings), 2);
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.migrations.size() == 2);
  CHECK(out.to_version == Version(2));
  CHECK_FALSE(table_exists(db, "t1"));
  engine.settings.run_id = "20260101T000000Z-appl";  // apply is a run of its own
  TenantOutcome applied = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  CHECK(applied.migrations.size() == 2);
  CHECK(table_exists(db, "t4"));
  CHECK(engine.runner().baseline(tenant, connector_for(tenant, engine.settings), 2).status ==
        TenantStatus::failed);

  TenantOutcome repair = engine.runner().repair(tenant, connector_for(tenant, engine.settings), 3,
                                                RepairMark::removed);
  CHECK(repair.status == TenantStatus::failed);
  CHECK(count_rows(db) == "4");
}

TEST_CASE("connect failures are unreachable (transient) or failed (permanent)", "[engine]") {
  Engine engine(table_migrations(1), "20260101T000000Z-conn");
  Tenant closed = tenant_for("x", "postgres://postgres@127.0.0.1:1/x?connect_timeout=2");
  TenantOutcome out = engine.runner().apply(closed, connector_for(closed, engine.settings));
  CHECK(out.status == TenantStatus::unreachable);
  REQUIRE(out.error);
  CHECK_FALSE(out.error->message.empty());

  Tenant missing = tenant_for("nope", dsn_for("no_such_database_here"));
  out = engine.runner().apply(missing, connector_for(missing, engine.settings));
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->message.find(cluster().password) == std::string::npos);
}
