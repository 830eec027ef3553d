// Verify scripts inside `apply` against real PostgreSQL (docs/PREFLIGHT.md "Verify scripts"): a
// verify that raises rolls its migration back on that tenant only; a verify that writes fails
// with 25006 and leaves nothing; a no-transaction migration whose verify fails stays pending
// (dirty); a verify that passes reports its time.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;

namespace {

// Two tenants with an accounts table; `dup` holds two e-mails that differ only in case.
struct TwoTenants {
  Workspace ws = make_workspace("apply_verify");
  std::string ok = create_database("av_ok");
  std::string dup = create_database("av_dup");
  std::string tenants;
  TwoTenants() {
    for (const std::string& db : {ok, dup}) {
      query(db, "CREATE TABLE accounts (id int, email text)");
      query(db, "INSERT INTO accounts VALUES (1, 'a@x.io'), (2, 'b@x.io')");
    }
    query(dup, "INSERT INTO accounts VALUES (3, 'A@x.io')");
    tenants = tenants_file(ws, json::array({{{"id", "ok"}, {"connection_string", dsn_for(ok)}},
                                            {{"id", "dup"}, {"connection_string", dsn_for(dup)}}}));
  }
  CliRun apply(const std::string& step, const std::string& extra = "") const {
    return run_cli(apply_over_tenants_file(ws, tenants, ws.results(step)) + extra, ws.dir);
  }
};

// 0001 adds a lower-cased e-mail column; its verify insists it is unique.
void write_lowered_email(const Workspace& ws) {
  ws.migration("0001_lower_email.up.sql",
               "ALTER TABLE accounts ADD COLUMN email_lower text;\n"
               "UPDATE accounts SET email_lower = lower(email);\n");
  ws.migration("0001_lower_email.verify.sql",
               "-- every lowered e-mail is unique\n"
               "SELECT 1 / (count(*) = count(DISTINCT email_lower))::int FROM accounts;\n");
  ws.migration("0002_notes.up.sql", "CREATE TABLE notes (id int);\n");
}

bool column_exists(const std::string& db, const std::string& table, const std::string& column) {
  return scalar(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = '" + table +
                        "' AND column_name = '" + column + "'") == "1";
}

}  // namespace

TEST_CASE("apply verify: a verify that raises rolls its migration back on that tenant only",
          "[verify]") {
  const TwoTenants t;
  write_lowered_email(t.ws);
  const CliRun run = t.apply("1");
  INFO(run.all());
  CHECK(run.code == 1);
  const std::string dir = only_run_dir(t.ws.results("1"));

  const json ok = tenant_record(dir, "ok");
  CHECK(ok.at("status") == "applied");
  REQUIRE(ok.at("migrations").size() == 2);
  const json& verified = ok.at("migrations")[0];
  CHECK(verified.at("version") == 1);
  REQUIRE(verified.at("verify_ms").is_number_integer());
  CHECK(verified.at("verify_ms").get<long>() >= 0);
  CHECK(verified.at("verify_ms").get<long>() <= verified.at("duration_ms").get<long>());
  CHECK(ok.at("migrations")[1].at("verify_ms").is_null());
  CHECK(history_versions(t.ok) == std::vector<long long>{1, 2});
  CHECK(column_exists(t.ok, "accounts", "email_lower"));

  const json dup = tenant_record(dir, "dup");
  CHECK(dup.at("status") == "failed");
  const json& error = dup.at("error");
  CHECK(error.at("phase") == "verify");
  CHECK(error.at("sqlstate") == "22012");
  CHECK(error.at("version") == 1);
  CHECK(error.at("statement_line") == 2);
  // Nothing of 0001 stays there, and 0002 never ran.
  CHECK(history_versions(t.dup).empty());
  CHECK_FALSE(column_exists(t.dup, "accounts", "email_lower"));
  CHECK(scalar(t.dup, "SELECT count(*) FROM accounts") == "3");

  SECTION("in one transaction for the tenant, the same") {
    query(t.ok,
          "DROP TABLE notes; ALTER TABLE accounts DROP COLUMN email_lower; "
          "TRUNCATE pgfleet.schema_migrations");
    const CliRun tenant_tx = t.apply("2", " --tx-mode tenant");
    INFO(tenant_tx.all());
    CHECK(tenant_tx.code == 1);
    const std::string dir2 = only_run_dir(t.ws.results("2"));
    CHECK(tenant_record(dir2, "ok").at("migrations")[0].at("verify_ms").is_number_integer());
    CHECK(tenant_record(dir2, "dup").at("error").at("phase") == "verify");
    CHECK(history_versions(t.ok) == std::vector<long long>{1, 2});
    CHECK(history_versions(t.dup).empty());
  }
}

TEST_CASE("apply verify: a verify that writes fails with 25006 and leaves nothing", "[verify]") {
  const TwoTenants t;
  t.ws.migration("0001_flag.up.sql", "ALTER TABLE accounts ADD COLUMN flagged bool;\n");
  t.ws.migration("0001_flag.verify.sql", "SELECT 1;\nDELETE FROM accounts;\n");
  const CliRun run = t.apply("1");
  INFO(run.all());
  CHECK(run.code == 1);
  const std::string dir = only_run_dir(t.ws.results("1"));
  for (const std::string id : {"ok", "dup"}) {
    const json record = tenant_record(dir, id);
    CHECK(record.at("status") == "failed");
    CHECK(record.at("error").at("sqlstate") == "25006");
    CHECK(record.at("error").at("phase") == "verify");
    CHECK(record.at("error").at("statement_line") == 2);
  }
  for (const std::string& db : {t.ok, t.dup}) {
    CHECK_FALSE(column_exists(db, "accounts", "flagged"));
    CHECK(history_versions(db).empty());
  }
  CHECK(scalar(t.ok, "SELECT count(*) FROM accounts") == "2");
}

TEST_CASE("apply verify: a no-transaction migration whose verify fails is left pending",
          "[verify]") {
  const TwoTenants t;
  t.ws.migration("0001_email_index.up.sql",
                 "-- pgfleet: no-transaction\n"
                 "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_email ON accounts "
                 "(email);\n");
  // Passes only where no two e-mails differ in case.
  t.ws.migration("0001_email_index.verify.sql",
                 "SELECT 1 / (count(*) = count(DISTINCT lower(email)))::int FROM accounts;\n");
  const CliRun run = t.apply("1");
  INFO(run.all());
  CHECK(run.code == 1);
  const std::string dir = only_run_dir(t.ws.results("1"));
  const json ok = tenant_record(dir, "ok");
  CHECK(ok.at("status") == "applied");
  CHECK(ok.at("migrations")[0].at("verify_ms").is_number_integer());
  CHECK(scalar(t.ok, "SELECT state FROM pgfleet.schema_migrations WHERE version = 1") == "applied");

  const json dup = tenant_record(dir, "dup");
  CHECK(dup.at("status") == "dirty");
  CHECK(dup.at("error").at("phase") == "verify");
  CHECK(dup.at("error").at("sqlstate") == "22012");
  CHECK(dup.at("reason").get<std::string>().find("verify script failed") != std::string::npos);
  CHECK(scalar(t.dup, "SELECT state FROM pgfleet.schema_migrations WHERE version = 1") ==
        "pending");
  // Its session settings were RESET although the finish rolled back.
  CHECK(valid_index_exists(t.dup, "accounts_email"));
}
