// The history's rendered_checksum against real PostgreSQL (docs/PREFLIGHT.md "Placeholders"):
// apply records the checksum of each tenant's rendered text, adds the column to a history table
// made by an older pgfleet, and plan says when a tenant's placeholder value changed since; plan
// never changes an older table.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "pgfleet/util/sha256.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;

namespace {

const char* const kRegionUp =
    "-- pgfleet: placeholders\n"
    "CREATE TABLE settings (region text DEFAULT ${region:literal});\n";

std::string rendered_region_up(const std::string& region) {
  return "-- pgfleet: placeholders\n"
         "CREATE TABLE settings (region text DEFAULT '" +
         region + "');\n";
}

// The history table as pgfleet made it before the rendered_checksum column.
const char* const kOlderHistory =
    "CREATE SCHEMA pgfleet; CREATE TABLE pgfleet.schema_migrations (version bigint PRIMARY KEY, "
    "name text NOT NULL, checksum text NOT NULL, state text NOT NULL CHECK (state IN "
    "('applied', 'pending')), applied_at timestamptz NOT NULL DEFAULT now(), duration_ms "
    "integer, run_id text, applied_by text)";

bool has_rendered_column(const std::string& db) {
  return scalar(db,
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'pgfleet' "
                "AND table_name = 'schema_migrations' AND column_name = 'rendered_checksum'") ==
         "1";
}

std::string rendered_of(const std::string& db, int version) {
  return scalar(db,
                "SELECT coalesce(rendered_checksum, 'NULL') FROM pgfleet.schema_migrations "
                "WHERE version = " +
                    std::to_string(version));
}

}  // namespace

TEST_CASE("rendered checksum: recorded per tenant and plan names a changed placeholder value",
          "[placeholders]") {
  const Workspace ws = make_workspace("rendered");
  ws.migration("0001_settings.up.sql", kRegionUp);
  ws.migration("0002_notes.up.sql", "CREATE TABLE notes (id int);\n");
  const std::string eu = create_database("rc_eu");
  const std::string us = create_database("rc_us");
  const std::string older = create_database("rc_older");
  query(older, kOlderHistory);
  const auto tenants = [&](const std::string& us_region) {
    return tenants_file(
        ws, json::array({
                {{"id", "eu"}, {"connection_string", dsn_for(eu)}, {"region", "eu"}},
                {{"id", "us"}, {"connection_string", dsn_for(us)}, {"region", us_region}},
                {{"id", "older"}, {"connection_string", dsn_for(older)}, {"region", "eu"}},
            }));
  };
  const auto plan_over = [&](const std::string& tenants_path, const std::string& step) {
    return run_cli("plan --migrations " + sh_quote(ws.migrations) + " --tenants " +
                       sh_quote(tenants_path) + " --results-dir " + ws.results(step),
                   ws.dir);
  };
  const std::string first = tenants("us");

  // plan reads the older table without changing it.
  const CliRun plan0 = plan_over(first, "p0");
  INFO(plan0.all());
  REQUIRE(plan0.code == 0);
  CHECK_FALSE(has_rendered_column(older));

  const CliRun apply = run_cli(apply_over_tenants_file(ws, first, ws.results("a")), ws.dir);
  INFO(apply.all());
  REQUIRE(apply.code == 0);
  CHECK(has_rendered_column(older));
  CHECK(rendered_of(eu, 1) == pgfleet::util::sha256_hex(rendered_region_up("eu")));
  CHECK(rendered_of(us, 1) == pgfleet::util::sha256_hex(rendered_region_up("us")));
  CHECK(rendered_of(older, 1) == pgfleet::util::sha256_hex(rendered_region_up("eu")));
  CHECK(rendered_of(eu, 2) == "NULL");  // no placeholders: the checksum says it all
  // The fleet-wide checksum is of the file as written.
  CHECK(scalar(us, "SELECT checksum FROM pgfleet.schema_migrations WHERE version = 1") ==
        pgfleet::util::sha256_hex(kRegionUp));

  const CliRun plan = plan_over(tenants("ap"), "p1");
  INFO(plan.all());
  CHECK(plan.code == 0);
  const std::string dir = only_run_dir(ws.results("p1"));
  const json us_plan = tenant_record(dir, "us");
  CHECK(us_plan.at("status") == "up_to_date");
  CHECK(us_plan.at("reason").get<std::string>().find(
            "placeholder value changed since version(s) 1 were applied") != std::string::npos);
  CHECK_FALSE(tenant_record(dir, "eu").contains("reason"));
  CHECK(plan.all().find("us up to date at 2; a placeholder value changed") != std::string::npos);
}
