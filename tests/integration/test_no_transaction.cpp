// no-transaction migrations against real PostgreSQL: CREATE INDEX CONCURRENTLY statement by
// statement, a failure leaving a pending row (dirty), and repair.
#include <catch2/catch.hpp>

#include "engine_support.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

Migration items_table() {
  return make_migration(1, "items",
                        "CREATE TABLE items (id serial PRIMARY KEY, a int, b text, dup int);\n"
                        "INSERT INTO items (a, b, dup) SELECT g, g::text, g % 3 FROM "
                        "generate_series(1, 1000) g;\n");
}

const std::string kTwoIndexes =
    "-- pgfleet: no-transaction\n"
    "CREATE INDEX CONCURRENTLY items_a ON items (a);\n"
    "\n"
    "CREATE INDEX CONCURRENTLY items_b\n"
    "  ON items (b);\n";

const std::string kFailingUnique =
    "-- pgfleet: no-transaction\n"
    "CREATE INDEX CONCURRENTLY items_a ON items (a);\n"
    "CREATE UNIQUE INDEX CONCURRENTLY items_dup ON items (dup);\n";

}  // namespace

TEST_CASE("a no-transaction migration runs CREATE INDEX CONCURRENTLY statement by statement",
          "[engine][no_transaction]") {
  const std::string db = create_database("notx");
  Engine engine({items_table(), make_migration(2, "indexes", kTwoIndexes),
                 make_migration(3, "after", "ALTER TABLE items ADD COLUMN c int;\n")},
                "20260101T000000Z-notx");
  const Tenant tenant = tenant_for(db);
  auto trips = std::make_shared<std::atomic<long>>(0);
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings, trips));
  INFO((out.error ? out.error->message : out.reason));
  REQUIRE(out.status == TenantStatus::applied);
  CHECK(out.migrations.size() == 3);
  CHECK(out.to_version == Version(3));
  CHECK(scalar(db,
               "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
               "WHERE c.relname IN ('items_a', 'items_b') AND i.indisvalid") == "2");
  CHECK(scalar(db,
               "SELECT state || ':' || (duration_ms IS NOT NULL)::text FROM "
               "pgfleet.schema_migrations WHERE version = 2") == "applied:true");
  // read (and create the table), v1 + the claim, 2 statements, the finish + v3
  CHECK(trips->load() == 5);
  // The session-level settings were reset: nothing leaks into later statements (of a new run).
  engine.settings.run_id = "20260101T000000Z-notx2";
  CHECK(engine.runner().apply(tenant, connector_for(tenant, engine.settings)).status ==
        TenantStatus::up_to_date);
}

TEST_CASE("a failing no-transaction migration leaves a pending row: the next run is dirty",
          "[engine][no_transaction]") {
  const std::string db = create_database("notx_fail");
  Engine engine({items_table(), make_migration(2, "unique_dup", kFailingUnique)},
                "20260101T000000Z-nofl");
  const Tenant tenant = tenant_for(db);
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  CHECK(out.status == TenantStatus::failed);
  CHECK(out.to_version == Version(1));
  REQUIRE(out.error);
  CHECK(out.error->version == Version(2));
  CHECK(out.error->sqlstate == "23505");
  CHECK(out.error->statement_line == 3);
  CHECK(out.reason.find("pending") != std::string::npos);
  CHECK(scalar(db, "SELECT state FROM pgfleet.schema_migrations WHERE version = 2") == "pending");

  Engine next(engine.set.all(), "20260101T000001Z-nofl");
  TenantOutcome again = next.runner().apply(tenant, connector_for(tenant, next.settings));
  CHECK(again.status == TenantStatus::dirty);
  CHECK(again.reason.find("version 2") != std::string::npos);
  CHECK(again.migrations.empty());
  CHECK(next.runner().plan(tenant, connector_for(tenant, next.settings)).status ==
        TenantStatus::dirty);

  SECTION("repair removes the row; the invalid index still makes it dirty until dropped") {
    TenantOutcome repaired =
        next.runner().repair(tenant, connector_for(tenant, next.settings), 2, RepairMark::removed);
    CHECK(repaired.status == TenantStatus::applied);
    CHECK(repaired.to_version == Version(1));
    TenantOutcome still = next.runner().apply(tenant, connector_for(tenant, next.settings));
    CHECK(still.status == TenantStatus::dirty);
    CHECK(still.reason.find("items_dup") != std::string::npos);

    query(db, "DROP INDEX items_dup; DROP INDEX items_a; UPDATE items SET dup = id");
    TenantOutcome fixed = next.runner().apply(tenant, connector_for(tenant, next.settings));
    CHECK(fixed.status == TenantStatus::applied);
    CHECK(fixed.to_version == Version(2));
  }
  SECTION("repair can mark the row applied") {
    query(db, "DROP INDEX items_dup");
    TenantOutcome repaired =
        next.runner().repair(tenant, connector_for(tenant, next.settings), 2, RepairMark::applied);
    CHECK(repaired.status == TenantStatus::applied);
    CHECK(repaired.to_version == Version(2));
    CHECK(next.runner().apply(tenant, connector_for(tenant, next.settings)).status ==
          TenantStatus::up_to_date);
    // Now nothing is pending: a second repair is refused.
    CHECK(next.runner()
              .repair(tenant, connector_for(tenant, next.settings), 2, RepairMark::removed)
              .status == TenantStatus::failed);
  }
}

TEST_CASE("a no-transaction .down runs statement by statement on rollback",
          "[engine][no_transaction]") {
  const std::string db = create_database("notx_down");
  Engine engine({items_table(), make_migration(2, "index", kTwoIndexes,
                                               std::string("-- pgfleet: no-transaction\n"
                                                           "DROP INDEX CONCURRENTLY items_b;\n"
                                                           "DROP INDEX CONCURRENTLY items_a;\n"))},
                "20260101T000000Z-nodn");
  const Tenant tenant = tenant_for(db);
  REQUIRE(engine.runner().apply(tenant, connector_for(tenant, engine.settings)).status ==
          TenantStatus::applied);
  TenantOutcome out =
      engine.runner().rollback_to(tenant, connector_for(tenant, engine.settings), 1);
  INFO((out.error ? out.error->message : out.reason));
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.to_version == Version(1));
  CHECK(scalar(db, "SELECT count(*) FROM pg_class WHERE relname IN ('items_a', 'items_b')") == "0");
  CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations") == "1");
}
