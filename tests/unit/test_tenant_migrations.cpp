#include <catch2/catch.hpp>

#include "migration_builders.hpp"
#include "pgfleet/fleet/tenant_migrations.hpp"
#include "pgfleet/results/redacting_reporter.hpp"

using namespace pgfleet;

namespace {

Tenant tenant(const std::string& id, std::map<std::string, std::string> vars) {
  Tenant t;
  t.id = id;
  t.connection_string = "postgresql://app@db1/" + id + "_db";
  t.conninfo = ConnInfo::parse(t.connection_string);
  t.vars = std::move(vars);
  return t;
}

MigrationSet region_set() {
  return MigrationSet({test::make_migration(
      1, "x", "-- pgfleet: placeholders\nCREATE TABLE t (r text DEFAULT ${region:literal});\n",
      "-- pgfleet: placeholders\nDROP TABLE t; -- ${tenant_id}\n")});
}

// Keeps what it was told.
class Recorder : public Reporter {
 public:
  std::vector<TenantOutcome> outcomes;
  std::vector<std::string> lines;
  void tenant_finished(const TenantOutcome& o) override { outcomes.push_back(o); }
  void log(const std::string& line) override { lines.push_back(line); }
};

}  // namespace

TEST_CASE("tenant placeholders: built-ins win over the tenant's vars and the tenant over --var") {
  Tenant t = tenant("acme", {{"region", "eu"}, {"tenant_id", "spoof"}});
  t.schema = "acme_s";
  const PlaceholderValues v =
      placeholder_values(t, {{"region", "us"}, {"plan", "free"}}, "20261204T120000Z-abcd");
  CHECK(v.at("region") == "eu");
  CHECK(v.at("plan") == "free");
  CHECK(v.at("tenant_id") == "acme");
  CHECK(v.at("schema") == "acme_s");
  CHECK(v.at("database") == "acme_db");
  CHECK(v.at("run_id") == "20261204T120000Z-abcd");
  CHECK(placeholder_values(tenant("b", {}), {}, "r").at("schema").empty());
  CHECK(is_builtin_placeholder("database"));
  CHECK_FALSE(is_builtin_placeholder("region"));
}

TEST_CASE("tenant placeholders: each tenant gets its own set and a missing value is invalid") {
  const MigrationSet set = region_set();
  const TenantMigrations sets(set, {}, "run");
  const TenantMigrationSet eu = sets.for_tenant(tenant("acme", {{"region", "eu"}}));
  REQUIRE(eu.set);
  CHECK_FALSE(eu.refused);
  CHECK(eu.set->all()[0].up.sql.find("DEFAULT 'eu'") != std::string::npos);
  CHECK(eu.set->all()[0].down->sql.find("-- ${tenant_id}") != std::string::npos);  // a comment
  CHECK(eu.set->all()[0].checksum == set.all()[0].checksum);

  const TenantMigrationSet none = sets.for_tenant(tenant("bare", {}));
  CHECK_FALSE(none.set);
  REQUIRE(none.refused);
  CHECK(none.refused->status == TenantStatus::invalid);
  REQUIRE(none.refused->error);
  CHECK(none.refused->error->phase == ErrorPhase::placeholders);
  CHECK(none.refused->error->version == Version{1});
  CHECK(none.refused->error->statement_line == 2);
  CHECK_THAT(none.refused->error->message,
             Catch::Contains("1_x.up.sql line 2") && Catch::Contains("${region}"));

  const TenantMigrations with_default(set, {{"region", "us"}}, "run");
  CHECK(with_default.for_tenant(tenant("bare", {})).set->all()[0].up.sql.find("'us'") !=
        std::string::npos);
}

TEST_CASE("tenant placeholders: a set without placeholders is shared, not copied") {
  const MigrationSet plain({test::make_migration(1, "x", "SELECT '${region}';")});
  const TenantMigrations sets(plain, {}, "run");
  CHECK(sets.for_tenant(tenant("a", {})).set.get() == &plain);
}

TEST_CASE("redacting reporter masks secret values in outcomes and log lines") {
  Recorder inner;
  RedactingReporter redacting(inner, {"s3cr3t-value"});
  TenantOutcome o = not_run("a", TenantStatus::failed, "reason s3cr3t-value");
  o.error = ErrorInfo::message_only(1, "invalid input: \"s3cr3t-value\"")
                .with_detail("d s3cr3t-value")
                .with_hint("h s3cr3t-value");
  redacting.tenant_finished(o);
  redacting.log("line s3cr3t-value");
  REQUIRE(inner.outcomes.size() == 1);
  const TenantOutcome& seen = inner.outcomes[0];
  CHECK(seen.reason == "reason ***");
  CHECK(seen.error->message == "invalid input: \"***\"");
  CHECK(seen.error->detail == "d ***");
  CHECK(seen.error->hint == "h ***");
  CHECK(inner.lines == std::vector<std::string>{"line ***"});
}

TEST_CASE("tenant placeholders: without rendering (repair and baseline) a missing value is fine") {
  const MigrationSet set = region_set();
  const TenantMigrations sets(set, {}, "run", PlaceholderRendering::none);
  const TenantMigrationSet own = sets.for_tenant(tenant("bare", {}));
  CHECK_FALSE(own.refused);
  CHECK(own.set.get() == &set);
}
