// Faults between pgfleet and a tenant: a connection cut right after the migration query was sent
// (the server still commits it, late) is reconciled from the history, never applied twice.
#include <catch2/catch.hpp>

#include "engine_support.hpp"
#include "tcp_proxy.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

TEST_CASE(
    "a connection cut right after the migration query is reconciled once its backend "
    "committed",
    "[engine][faults]") {
  const std::string db = create_database("cut");
  TcpProxy proxy(cluster().host, std::stoi(cluster().port), "cut-here");
  const Tenant tenant = tenant_for(db, dsn_through(dsn_for(db), cluster().port, proxy.port()));
  // The orphaned backend commits about a second after pgfleet saw the connection drop.
  Engine engine({make_migration(1, "slow",
                                "CREATE TABLE slow (id int);\n"
                                "SELECT pg_sleep(1.5); -- cut-here\n"),
                 make_migration(2, "after", "CREATE TABLE after_cut (id int);\n")},
                "20260101T000000Z-cut1");
  TenantOutcome out = engine.runner().apply(tenant, connector_for(tenant, engine.settings));
  INFO((out.error ? out.error->message : out.reason));
  REQUIRE(proxy.cuts() == 1);
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.to_version == Version(2));
  CHECK(out.migrations.size() == 2);
  CHECK(scalar(db,
               "SELECT string_agg(version || ':' || state || ':' || run_id, ',' ORDER BY "
               "version) FROM pgfleet.schema_migrations") ==
        "1:applied:20260101T000000Z-cut1,2:applied:20260101T000000Z-cut1");

  Engine rerun(engine.set.all(), "20260101T000001Z-cut2");
  CHECK(rerun.runner().apply(tenant, connector_for(tenant, rerun.settings)).status ==
        TenantStatus::up_to_date);
}
