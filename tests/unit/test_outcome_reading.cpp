// tenants.jsonl records read back into outcomes (report from the ledger, docs/LEDGER.md).
#include <catch2/catch.hpp>

#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/results/outcome_reading.hpp"

using namespace pgfleet;

TEST_CASE("outcome reading: a written record reads back to the same line", "[outcome]") {
  TenantOutcome o;
  o.tenant_id = "acme";
  o.status = TenantStatus::failed;
  o.from_version = 3;
  o.to_version = 4;
  o.migrations.push_back({4, "add_users", 12, 2});
  o.error = ErrorInfo::message_only(5, "relation \"x\" does not exist")
                .with_sqlstate("42P01")
                .with_line(2)
                .with_hint("create it");
  o.host = "db1:5432";
  o.duration_ms = 40;
  const nlohmann::json written = outcome_to_json(o);
  const TenantOutcome back = *outcome_from_json_line(written.dump());
  CHECK(back.tenant_id == "acme");
  CHECK(back.status == TenantStatus::failed);
  CHECK(back.to_version == Version{4});
  REQUIRE(back.migrations.size() == 1);
  CHECK(back.migrations[0].attempts == 2);
  CHECK(describe_problem(back) == describe_problem(o));
  CHECK(back.duration_ms == 40);
}

TEST_CASE("outcome reading: a record without an id or with an unknown status is refused",
          "[outcome]") {
  CHECK_FALSE(outcome_from_json_line(nlohmann::json{{"status", "applied"}}.dump()));
  CHECK_FALSE(
      outcome_from_json_line(nlohmann::json{{"tenant_id", "a"}, {"status", "weird"}}.dump()));
  CHECK_FALSE(outcome_from_json_line(nlohmann::json::array().dump()));
  CHECK(parse_tenant_status("up_to_date") == TenantStatus::up_to_date);
  CHECK_FALSE(parse_tenant_status("queued"));
}
