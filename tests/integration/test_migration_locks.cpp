// The locks a migration held on tables that existed before it, read from pg_locks just before
// its COMMIT (docs/PREFLIGHT.md, "Forecast").
#include <catch2/catch.hpp>

#include "engine_support.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

TEST_CASE("apply reports the locks a migration held on existing tables only", "[engine][locks]") {
  const std::string db = create_database("locks");
  query(db, "CREATE TABLE existing (id int)");
  std::vector<Migration> migrations{
      make_migration(1, "alter", "ALTER TABLE existing ADD COLUMN c int;"),
      make_migration(2, "create", "CREATE TABLE fresh (id int); SELECT 1 FROM existing;")};
  Engine engine(migrations, "20260101T000000Z-locks");
  const Tenant tenant = tenant_for(db);
  const TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  REQUIRE(out.status == TenantStatus::applied);
  REQUIRE(out.migrations.size() == 2);
  REQUIRE(out.migrations[0].locks.size() == 1);
  CHECK(out.migrations[0].locks[0].relation == "existing");
  CHECK(out.migrations[0].locks[0].mode == "AccessExclusiveLock");
  // The new table is not reported; the table it read is, with the mode of a read.
  REQUIRE(out.migrations[1].locks.size() == 1);
  CHECK(out.migrations[1].locks[0].relation == "existing");
  CHECK(out.migrations[1].locks[0].mode == "AccessShareLock");
}
