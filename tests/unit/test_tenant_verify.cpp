// TenantRunner::verify against a scripted session (docs/PREFLIGHT.md "pgfleet verify"): two round
// trips in one read-only transaction, only applied versions with a verify script, errors mapped
// to the verify file's line with phase verify, the ROLLBACK after an error.
#include <catch2/catch.hpp>

#include "fake_session.hpp"
#include "migration_builders.hpp"
#include "pgfleet/engine/tenant_runner.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

struct VerifyFixture {
  MigrationSet set;
  RunSettings settings;
  Reporter reporter;
  std::atomic<bool> stop{false};
  std::shared_ptr<FakeScript> script = std::make_shared<FakeScript>();
  Tenant tenant;

  VerifyFixture() : set(migrations()) {
    settings.run_id = "run-1";
    tenant.id = "acme";
  }
  static std::vector<Migration> migrations() {
    std::vector<Migration> ms = table_migrations(3);
    ms[0].verify = MigrationFile{"0001.verify.sql", "SELECT 1 FROM t1;\n", {}};
    ms[2].verify = MigrationFile{"0003.verify.sql", "-- t3\nSELECT missing FROM t3;\n", {}};
    return ms;
  }
  HistoryRow row(Version v, RowState state = RowState::applied) {
    const Migration* m = set.find(v);
    return HistoryRow{v, m->name, m->checksum, state, "run-0", "me"};
  }
  TenantOutcome verify() {
    Connector connect = [this]() -> std::unique_ptr<Session> {
      return std::make_unique<FakeSession>(script);
    };
    return TenantRunner(set, settings, reporter, stop).verify(tenant, connect);
  }
};

}  // namespace

TEST_CASE("verify runner: applied versions with a verify script in two round trips") {
  VerifyFixture f;
  f.script->expect("BEGIN READ ONLY", state_rows({f.row(1), f.row(2), f.row(3)}))
      .expect("SELECT 1 FROM t1;");
  const TenantOutcome out = f.verify();
  CHECK(f.script->mismatches.empty());
  REQUIRE(f.script->sent.size() == 2);
  CHECK(f.script->sent[0].find("SET LOCAL lock_timeout") != std::string::npos);
  const std::string& checks = f.script->sent[1];
  CHECK(checks.find("SELECT missing FROM t3;") > checks.find("SELECT 1 FROM t1;"));
  CHECK(checks.find("SELECT 3 AS pgfleet_verify_step;") > checks.find("SELECT 1 FROM t1;"));
  CHECK(checks.rfind("ROLLBACK;\n") == checks.size() - 10);
  CHECK(checks.find("COMMIT") == std::string::npos);
  CHECK(out.status == TenantStatus::verified);
  CHECK(is_ok(out.status));
  CHECK(out.reason == "verified version(s) 1, 3");
}

TEST_CASE("verify runner: a failing check fails the tenant at its verify line then rolls back") {
  VerifyFixture f;
  f.script->expect("BEGIN READ ONLY", state_rows({f.row(3)}));
  // The position of `missing` in the second query: found from the text sent.
  f.script->replies.push_back({"SELECT missing", [&]() -> QueryResult {
                                 const std::string& sql = f.script->sent.back();
                                 const int at = static_cast<int>(sql.find("missing")) + 1;
                                 throw DbError("42703", "column \"missing\" does not exist", "", "",
                                               at);
                               }});
  f.script->expect("ROLLBACK");
  const TenantOutcome out = f.verify();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->phase == ErrorPhase::verify);
  CHECK(out.error->sqlstate == "42703");
  CHECK(out.error->version == 3);
  CHECK(out.error->statement_line == 2);
}

TEST_CASE("verify runner: nothing to verify is verified with a reason") {
  VerifyFixture f;
  f.script->expect_error("BEGIN READ ONLY", "42P01", "relation does not exist").expect("ROLLBACK");
  TenantOutcome out = f.verify();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::verified);
  CHECK(out.reason == "nothing to verify: no history table");

  VerifyFixture g;  // version 2 has no verify script; a pending 3 is not verified
  g.script->expect("BEGIN READ ONLY", state_rows({g.row(2), g.row(3, RowState::pending)}))
      .expect("ROLLBACK");
  out = g.verify();
  CHECK(g.script->mismatches.empty());
  CHECK(out.status == TenantStatus::verified);
  CHECK(out.reason == "nothing to verify: no applied version has a verify script");
}
