// Placeholders end to end through the pgfleet binary against real PostgreSQL (docs/PREFLIGHT.md
// "Placeholders"): values from a control-plane column land per tenant, a hostile value cannot
// inject SQL, a missing value makes only its tenant invalid, a secret var never comes back out.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "pgfleet/util/sha256.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;

namespace {

const std::string kHostile = "x'); DROP TABLE t; --";
const std::string kSecret = "Tok3nS3cretValue";

std::string literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Tenants eu, us, evil (a hostile region), none (NULL region) and fail (its migration fails
// with the secret in the server's message), listed by a control plane with a `region` column.
struct RegionFleet {
  std::string control_plane;
  std::map<std::string, std::string> db;  // tenant id -> database
};

RegionFleet make_region_fleet() {
  RegionFleet fleet;
  const std::string cp = create_database("ph_cp");
  fleet.control_plane = dsn_for(cp);
  query(cp, "CREATE TABLE tenants (id text, connection_string text, region text)");
  const std::vector<std::pair<std::string, std::string>> rows = {{"eu", "'eu'"},
                                                                 {"us", "'us'"},
                                                                 {"evil", literal(kHostile)},
                                                                 {"none", "NULL"},
                                                                 {"fail", "'fail'"}};
  for (const auto& [id, region] : rows) {
    fleet.db[id] = create_database("ph_" + id);
    query(cp, "INSERT INTO tenants VALUES (" + literal(id) + ", " + literal(dsn_for(fleet.db[id])) +
                  ", " + region + ")");
  }
  return fleet;
}

const char* const kSettingsUp =
    "-- pgfleet: placeholders\n"
    "-- ${region} in a comment is never replaced, whatever it holds\n"
    "CREATE TABLE t (id int);\n"
    "CREATE TABLE settings (region text DEFAULT ${region:literal},\n"
    "                       token text DEFAULT ${token:literal});\n"
    "INSERT INTO settings DEFAULT VALUES;\n"
    "SELECT token::int FROM settings WHERE region = 'fail';\n";

const char* const kSettingsDown =
    "-- pgfleet: placeholders\n"
    "DELETE FROM settings WHERE region = ${region:literal};\n"
    "DROP TABLE settings;\n"
    "DROP TABLE t;\n";

}  // namespace

TEST_CASE("placeholders: control-plane values land per tenant and hostile ones cannot inject",
          "[placeholders]") {
  const RegionFleet fleet = make_region_fleet();
  const Workspace ws = make_workspace("placeholders");
  ws.migration("0001_settings.up.sql", kSettingsUp);
  ws.migration("0001_settings.down.sql", kSettingsDown);
  const std::string common =
      "--control-plane " + sh_quote(fleet.control_plane) + " --tenant-query " +
      sh_quote("SELECT id, connection_string, region FROM tenants") + " --migrations " +
      sh_quote(ws.migrations) + " --secret-var token=" + kSecret + " --yes";

  const CliRun first = run_cli("apply " + common + " --results-dir " + ws.results("1"), ws.dir);
  INFO(first.all());
  CHECK(first.code == 1);
  const std::string run_dir = only_run_dir(ws.results("1"));
  // Each tenant got its own value; the hostile one is stored intact as a literal.
  CHECK(tenant_record(run_dir, "eu")["status"] == "applied");
  CHECK(scalar(fleet.db.at("eu"), "SELECT region FROM settings") == "eu");
  CHECK(scalar(fleet.db.at("us"), "SELECT region FROM settings") == "us");
  CHECK(scalar(fleet.db.at("evil"), "SELECT region FROM settings") == kHostile);
  CHECK(scalar(fleet.db.at("eu"), "SELECT token FROM settings") == kSecret);
  // A missing value: only that tenant is invalid, and nothing was connected.
  const json none = tenant_record(run_dir, "none");
  CHECK(none["status"] == "invalid");
  CHECK(none["error"]["phase"] == "placeholders");
  CHECK_THAT(none["error"]["message"].get<std::string>(),
             Catch::Contains("0001_settings.up.sql line 4") && Catch::Contains("${region}"));
  CHECK_FALSE(history_table_exists(fleet.db.at("none")));
  // The secret is in the server's message for `fail`, and masked everywhere.
  CHECK(tenant_record(run_dir, "fail")["status"] == "failed");
  CHECK(first.all().find(kSecret) == std::string::npos);
  CHECK(read_tree(run_dir).find(kSecret) == std::string::npos);
  CHECK_THAT(tenant_record(run_dir, "fail")["error"]["message"].get<std::string>(),
             Catch::Contains("***"));
  // One checksum for the fleet: the file as written; rollback scripts hold the tenant's text.
  const json summary = json::parse(read_text(run_dir + "/summary.json"));
  CHECK(summary["migrations"][0]["checksum"] == pgfleet::util::sha256_hex(kSettingsUp));
  const std::string eu_rollback = read_text(run_dir + "/rollback/eu.sql");
  CHECK_THAT(eu_rollback, Catch::Contains("WHERE region = 'eu'"));
  CHECK(eu_rollback.find("${region") == std::string::npos);

  SECTION("a bare placeholder refuses the hostile value: that tenant is invalid, not harmed") {
    ws.migration("0002_audit.up.sql",
                 "-- pgfleet: placeholders\nCREATE TABLE audit_${region} (id int);\n");
    const CliRun second = run_cli("apply " + common + " --results-dir " + ws.results("2"), ws.dir);
    INFO(second.all());
    CHECK(second.code == 1);
    const std::string dir2 = only_run_dir(ws.results("2"));
    const json evil = tenant_record(dir2, "evil");
    CHECK(evil["status"] == "invalid");
    CHECK(evil["error"]["phase"] == "placeholders");
    CHECK_THAT(evil["error"]["message"].get<std::string>(),
               Catch::Contains("may not be used bare"));
    CHECK(table_exists(fleet.db.at("evil"), "t"));
    CHECK(applied_versions(fleet.db.at("evil")) == std::vector<long long>{1});
    CHECK(tenant_record(dir2, "eu")["status"] == "applied");
    CHECK(table_exists(fleet.db.at("eu"), "audit_eu"));
    CHECK(table_exists(fleet.db.at("us"), "audit_us"));
  }

  SECTION("plan reports a missing value, and --var gives a default") {
    const CliRun plan = run_cli("plan " + common + " --results-dir " + ws.results("p"), ws.dir);
    INFO(plan.all());
    CHECK(plan.code == 1);
    const json none = tenant_record(only_run_dir(ws.results("p")), "none");
    CHECK(none["status"] == "invalid");
    CHECK(none["error"]["phase"] == "placeholders");
    const CliRun with_var =
        run_cli("plan " + common + " --var region=zz --results-dir " + ws.results("v"), ws.dir);
    INFO(with_var.all());
    CHECK(tenant_record(only_run_dir(ws.results("v")), "none")["status"] == "pending");
    CHECK(tenant_record(only_run_dir(ws.results("v")), "eu")["status"] == "up_to_date");
  }
}

TEST_CASE("placeholders: a bad --var is a usage error that never echoes a secret",
          "[placeholders]") {
  const Workspace ws = make_workspace("placeholders_flags");
  ws.migration("0001_a.up.sql", "SELECT 1;\n");
  const std::string base = "plan --dsn " + sh_quote(dsn_for("postgres")) + " --migrations " +
                           sh_quote(ws.migrations) + " --results-dir " + ws.results("x");
  for (const std::string& bad : std::vector<std::string>{
           "--var tenant_id=x", "--var 1x=y", "--var noequals", "--var a=1 --var a=2",
           "--secret-var " + kSecret, "--secret-var schema=" + kSecret}) {
    INFO(bad);
    const CliRun run = run_cli(base + " " + bad, ws.dir);
    CHECK(run.code == 2);
    CHECK(run.all().find(kSecret) == std::string::npos);
  }
}

TEST_CASE("placeholders: pgfleet.json vars are defaults that --var overrides", "[placeholders]") {
  const Workspace ws = make_workspace("placeholders_config");
  ws.migration("0001_r.up.sql",
               "-- pgfleet: placeholders\nCREATE TABLE r AS SELECT '${region}'::text AS region, "
               "${database:literal}::text AS db;\n");
  write_file(ws.dir + "/pgfleet.json", "{\"vars\": {\"region\": \"from-config\"}}");
  const std::string from_config = create_database("ph_cfg");
  const std::string from_flag = create_database("ph_flag");
  const std::string base =
      "apply --yes --migrations " + sh_quote(ws.migrations) + " --results-dir " + ws.results("x");
  const CliRun first = run_cli(base + " --dsn " + sh_quote(dsn_for(from_config)), ws.dir);
  INFO(first.all());
  CHECK(first.code == 0);
  CHECK(scalar(from_config, "SELECT region FROM r") == "from-config");
  CHECK(scalar(from_config, "SELECT db FROM r") == from_config);
  const CliRun second =
      run_cli(base + " --var region=from-flag --dsn " + sh_quote(dsn_for(from_flag)), ws.dir);
  INFO(second.all());
  CHECK(second.code == 0);
  CHECK(scalar(from_flag, "SELECT region FROM r") == "from-flag");
}
