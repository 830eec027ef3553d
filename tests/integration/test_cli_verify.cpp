// `pgfleet verify` end to end through the binary against real PostgreSQL (docs/PREFLIGHT.md
// "Verify scripts"): a tenant whose schema lost what a verify checks fails with phase verify and
// the SQLSTATE at the verify file's line, the others are verified, and nothing is ever written.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;

namespace {

std::string literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

void write_verified_set(const Workspace& ws) {
  ws.migration("0001_users.up.sql",
               "CREATE TABLE users (id int);\nCREATE INDEX users_id_idx ON users (id);\n");
  ws.migration("0001_users.verify.sql",
               "SELECT 1 / count(*) FROM pg_indexes WHERE indexname = 'users_id_idx';\n");
  ws.migration("0002_orders.up.sql", "CREATE TABLE orders (id int, total numeric);\n");
  ws.migration("0002_orders.verify.sql",
               "-- the orders table and its total column are there\n"
               "SELECT total FROM orders LIMIT 1;\n");
  // No verify script: nothing of it is checked.
  ws.migration("0003_notes.up.sql", "CREATE TABLE notes (id int);\n");
}

}  // namespace

TEST_CASE("verify: a tenant missing what a verify checks fails and the others are verified",
          "[verify]") {
  const std::string cp = create_database("vf_cp");
  query(cp, "CREATE TABLE tenants (id text, connection_string text)");
  std::map<std::string, std::string> db;
  for (const std::string id : {"good1", "good2", "broken"}) {
    db[id] = create_database("vf_" + id);
    query(cp, "INSERT INTO tenants VALUES (" + literal(id) + ", " + literal(dsn_for(db[id])) + ")");
  }
  const Workspace ws = make_workspace("verify");
  write_verified_set(ws);
  const std::string common = "--control-plane " + sh_quote(dsn_for(cp)) + " --tenant-query " +
                             sh_quote("SELECT id, connection_string FROM tenants") +
                             " --migrations " + sh_quote(ws.migrations) + " --yes";
  const CliRun apply = run_cli("apply " + common + " --results-dir " + ws.results("1"), ws.dir);
  INFO(apply.all());
  REQUIRE(apply.code == 0);
  query(db["broken"], "ALTER TABLE orders DROP COLUMN total");

  const CliRun verify = run_cli("verify " + common + " --results-dir " + ws.results("2"), ws.dir);
  INFO(verify.all());
  CHECK(verify.code == 1);
  const std::string run = only_run_dir(ws.results("2"));
  for (const std::string id : {"good1", "good2"}) {
    const json good = tenant_record(run, id);
    CHECK(good.at("status") == "verified");
    CHECK(good.at("to_version") == 3);
  }
  const json broken = tenant_record(run, "broken");
  CHECK(broken.at("status") == "failed");
  const json& error = broken.at("error");
  CHECK(error.at("phase") == "verify");
  CHECK(error.at("sqlstate") == "42703");
  CHECK(error.at("version") == 2);
  CHECK(error.at("statement_line") == 2);
  const json summary = json::parse(read_text(run + "/summary.json"));
  CHECK(summary.at("command") == "verify");
  CHECK(std::filesystem::exists(run + "/report.html"));
  // Verify reads only: every history still holds 1, 2 and 3, and nothing more.
  for (const auto& [id, name] : db) {
    CHECK(history_versions(name) == std::vector<long long>{1, 2, 3});
  }
}

TEST_CASE("verify: a verify that writes fails with 25006 and changes nothing", "[verify]") {
  const std::string db = create_database("vf_write");
  const Workspace ws = make_workspace("verify_write");
  ws.migration("0001_users.up.sql", "CREATE TABLE users (id int);\n");
  const std::string common =
      "--dsn " + sh_quote(dsn_for(db)) + " --migrations " + sh_quote(ws.migrations) + " --yes";

  // A tenant without history has nothing to verify: verified, exit 0.
  const CliRun fresh = run_cli("verify " + common + " --results-dir " + ws.results("0"), ws.dir);
  INFO(fresh.all());
  CHECK(fresh.code == 0);
  CHECK(tenant_lines(only_run_dir(ws.results("0"))).at(0).at("status") == "verified");
  CHECK_FALSE(history_table_exists(db));

  REQUIRE(run_cli("apply " + common + " --results-dir " + ws.results("1"), ws.dir).code == 0);
  // Added after the apply (a verify is not part of the checksum): it tries to write.
  ws.migration("0001_users.verify.sql", "SELECT 1;\nINSERT INTO users VALUES (42);\n");
  const CliRun verify = run_cli("verify " + common + " --results-dir " + ws.results("2"), ws.dir);
  INFO(verify.all());
  CHECK(verify.code == 1);
  const json record = tenant_lines(only_run_dir(ws.results("2"))).at(0);
  CHECK(record.at("status") == "failed");
  CHECK(record.at("error").at("sqlstate") == "25006");
  CHECK(record.at("error").at("phase") == "verify");
  CHECK(record.at("error").at("version") == 1);
  CHECK(scalar(db, "SELECT count(*) FROM users") == "0");
  CHECK(history_versions(db) == std::vector<long long>{1});
}

TEST_CASE("verify: schema-per-tenant search_path and each tenant's rendered verify text",
          "[verify]") {
  const std::string shared = create_database("vf_shared");
  const std::string cp = create_database("vf_cp_schema");
  query(cp, "CREATE TABLE tenants (id text, connection_string text, schema text, region text)");
  for (const std::string id : {"alpha", "beta"}) {
    query(cp, "INSERT INTO tenants VALUES (" + literal(id) + ", " + literal(dsn_for(shared)) +
                  ", " + literal("t_" + id) + ", " + literal("eu_" + id) + ")");
  }
  const Workspace ws = make_workspace("verify_schema");
  ws.migration("0001_settings.up.sql",
               "-- pgfleet: placeholders\n"
               "CREATE TABLE settings (region text);\n"
               "INSERT INTO settings VALUES (${region:literal});\n");
  ws.migration("0001_settings.verify.sql",
               "-- pgfleet: placeholders\n"
               "SELECT 1 / count(*) FROM settings WHERE region = ${region:literal};\n");
  const std::string common = "--control-plane " + sh_quote(dsn_for(cp)) + " --tenant-query " +
                             sh_quote("SELECT id, connection_string, schema, region FROM tenants") +
                             " --migrations " + sh_quote(ws.migrations) + " --yes";
  const CliRun apply = run_cli("apply " + common + " --results-dir " + ws.results("1"), ws.dir);
  INFO(apply.all());
  REQUIRE(apply.code == 0);
  // beta's row no longer holds beta's region: only its verify (unqualified, rendered) fails.
  query(shared, "UPDATE t_beta.settings SET region = 'elsewhere'");

  const CliRun verify = run_cli("verify " + common + " --results-dir " + ws.results("2"), ws.dir);
  INFO(verify.all());
  CHECK(verify.code == 1);
  const std::string run = only_run_dir(ws.results("2"));
  CHECK(tenant_record(run, "alpha").at("status") == "verified");
  const json beta = tenant_record(run, "beta");
  CHECK(beta.at("status") == "failed");
  CHECK(beta.at("error").at("sqlstate") == "22012");
  CHECK(beta.at("error").at("phase") == "verify");
  CHECK(scalar(shared, "SELECT region FROM t_beta.settings") == "elsewhere");
}
