// `pgfleet lint --fleet`, `lint --pending` and plan's lint section, end to end on real tenant
// databases.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_support.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;

namespace {

const std::string kNoActions = "GITHUB_ACTIONS=false";

// A tenant database with `accounts` and `notes` of the given sizes, analyzed.
std::string tenant_with(const std::string& prefix, int accounts, int notes) {
  const std::string db = create_database(prefix);
  query(db,
        "CREATE TABLE accounts (id int, email text); CREATE TABLE notes (id int, body text);"
        "INSERT INTO accounts SELECT g, 'u' || g FROM generate_series(1, " +
            std::to_string(accounts) +
            ") g;"
            "INSERT INTO notes SELECT g, 'n' FROM generate_series(1, " +
            std::to_string(notes) + ") g; ANALYZE accounts; ANALYZE notes;");
  return db;
}

std::string dsns(const std::vector<std::string>& dbs) {
  std::string args;
  for (const std::string& db : dbs) args += " --dsn " + sh_quote(dsn_for(db));
  return args;
}

const json* finding_of(const json& report, const std::string& rule, const std::string& file) {
  for (const json& f : report["findings"]) {
    if (f["rule"] == rule && f["file"].get<std::string>().find(file) != std::string::npos) {
      return &f;
    }
  }
  return nullptr;
}

// "15.4" for the scratch cluster's server_version_num.
std::string server_version() {
  const int num = std::stoi(scalar("postgres", "SELECT current_setting('server_version_num')"));
  return std::to_string(num / 10000) + "." + std::to_string(num % 10000);
}

}  // namespace

TEST_CASE("cli lint --fleet: the server version and a lock finding graded by table size", "[cli]") {
  const std::string big = tenant_with("lintfleet_big", 5000, 10);
  const std::string small = tenant_with("lintfleet_small", 20, 10);
  const Workspace ws = make_workspace("cli_lint_fleet");
  ws.migration("0001_accounts_idx.up.sql", "CREATE INDEX accounts_email ON accounts (email);\n");
  ws.migration("0001_accounts_idx.down.sql", "DROP INDEX IF EXISTS accounts_email;\n");
  ws.migration("0002_notes_idx.up.sql", "CREATE INDEX notes_body ON notes (body);\n");
  ws.migration("0002_notes_idx.down.sql", "DROP INDEX IF EXISTS notes_body;\n");
  write_file(ws.dir + "/pgfleet-results/20261201T000000Z-abcd/summary.json",
             R"({"forecast": [{"version": 1, "blocking": [{"relation": "public.accounts",
                 "mode": "ShareLock", "blocks": "writes", "tenants": 2, "max_ms": 321}]}]})");
  const std::string lint = "lint --migrations " + sh_quote(ws.migrations);
  const CliRun run = run_cli(lint + " --fleet --big-table 1000 --format json" + dsns({big, small}),
                             ws.dir, kNoActions);
  INFO(run.all());
  REQUIRE(run.code == 0);
  CHECK(run.err.find("2 tenant(s) read") != std::string::npos);
  CHECK(run.err.find("lowest PostgreSQL " + server_version()) != std::string::npos);
  const json report = json::parse(run.out);
  const json* accounts = finding_of(report, "create-index-not-concurrently", "0001");
  REQUIRE(accounts);
  CHECK((*accounts)["severity"] == "warning");
  CHECK((*accounts)["table"] == "accounts");
  const std::string message = (*accounts)["message"];
  CHECK(message.find("accounts has ~5000 rows") == 0);
  CHECK(message.find("on tenant " + big) != std::string::npos);
  CHECK(message.find("held up to 321 ms") != std::string::npos);
  const json* notes = finding_of(report, "create-index-not-concurrently", "0002");
  REQUIRE(notes);
  CHECK((*notes)["severity"] == "info");
  CHECK((*notes)["message"].get<std::string>().find("small table") != std::string::npos);

  const CliRun plain = run_cli(lint + " --format json", ws.dir, kNoActions);
  const json text_only = json::parse(plain.out);
  CHECK((*finding_of(text_only, "create-index-not-concurrently", "0002"))["severity"] == "warning");
}

TEST_CASE("cli lint --pending: only versions some tenant lacks are linted", "[cli]") {
  const std::string a = create_database("lintpending_a");
  const std::string b = create_database("lintpending_b");
  const Workspace ws = make_workspace("cli_lint_pending");
  ws.migration("0001_accounts.up.sql",
               "CREATE TABLE accounts (id int, email text);\nDROP TABLE IF EXISTS legacy;\n");
  ws.migration("0001_accounts.down.sql", "DROP TABLE accounts;\n");
  ws.migration("0002_accounts_idx.up.sql", "CREATE INDEX accounts_email ON accounts (email);\n");
  ws.migration("0002_accounts_idx.down.sql", "DROP INDEX IF EXISTS accounts_email;\n");
  const std::string m = " --migrations " + sh_quote(ws.migrations);
  const auto rules_linted = [&]() {
    const CliRun run =
        run_cli("lint --pending --format json" + m + dsns({a, b}), ws.dir, kNoActions);
    REQUIRE(run.code == 0);
    UNSCOPED_INFO(run.all());  // shown with the caller's CHECK
    std::set<std::string> rules;
    const json report = json::parse(run.out);
    for (const json& f : report["findings"]) rules.insert(f["rule"].get<std::string>());
    return rules;
  };
  CHECK(rules_linted() == std::set<std::string>{"drop-table", "create-index-not-concurrently"});
  REQUIRE(run_cli("apply --yes --target 1" + m + dsns({a, b}), ws.dir).code == 0);
  CHECK(rules_linted() == std::set<std::string>{"create-index-not-concurrently"});
  REQUIRE(run_cli("apply --yes" + m + dsns({a}), ws.dir).code == 0);
  CHECK(rules_linted() == std::set<std::string>{"create-index-not-concurrently"});  // b lacks it
  REQUIRE(run_cli("apply --yes" + m + dsns({b}), ws.dir).code == 0);
  CHECK(rules_linted().empty());
}

TEST_CASE("cli plan shows the lint findings of its pending migrations", "[cli]") {
  const std::string db = tenant_with("lintplan", 5000, 10);
  const Workspace ws = make_workspace("cli_plan_lint");
  ws.migration("0001_accounts_idx.up.sql", "CREATE INDEX accounts_email ON accounts (email);\n");
  ws.migration("0001_accounts_idx.down.sql", "DROP INDEX IF EXISTS accounts_email;\n");
  const std::string m = " --migrations " + sh_quote(ws.migrations) + dsns({db});
  const CliRun plan = run_cli("plan --big-table 1000" + m, ws.dir, kNoActions);
  INFO(plan.all());
  CHECK(plan.code == 0);
  const std::size_t section = plan.err.find("lint of the pending migrations");
  REQUIRE(section != std::string::npos);
  CHECK(plan.err.find("[create-index-not-concurrently]", section) != std::string::npos);
  CHECK(plan.err.find("accounts has ~5000 rows", section) != std::string::npos);
  CHECK(plan.err.find("0 error(s), 1 warning(s)", section) != std::string::npos);

  ws.migration("0002_required.up.sql", "ALTER TABLE accounts ADD COLUMN plan text NOT NULL;\n");
  ws.migration("0002_required.down.sql", "ALTER TABLE accounts DROP COLUMN plan;\n");
  const CliRun error = run_cli("plan" + m, ws.dir, kNoActions);
  INFO(error.all());
  CHECK(error.code == 2);
  CHECK(error.err.find("[add-column-not-null-without-default]") != std::string::npos);

  ws.remove_migration("0002_required.up.sql");
  ws.remove_migration("0002_required.down.sql");
  REQUIRE(run_cli("apply --yes" + m, ws.dir).code == 0);
  const CliRun done = run_cli("plan" + m, ws.dir, kNoActions);
  CHECK(done.code == 0);
  CHECK(done.err.find("lint of the pending migrations") == std::string::npos);
}

TEST_CASE("cli lint: a tenants file with schemas makes search_path a finding", "[cli]") {
  const Workspace ws = make_workspace("cli_lint_schema");
  ws.migration("0001_path.up.sql", "SET LOCAL search_path = shared;\nCREATE TABLE t (id int);\n");
  ws.migration("0001_path.down.sql", "DROP TABLE t;\n");
  const std::string lint = "lint --migrations " + sh_quote(ws.migrations);
  CHECK(run_cli(lint, ws.dir, kNoActions).code == 0);
  write_file(ws.dir + "/tenants.json",
             R"([{"id": "acme", "connection_string": "postgres://u@h/db", "schema": "acme"}])");
  const CliRun run = run_cli(lint + " --tenants tenants.json", ws.dir, kNoActions);
  INFO(run.all());
  CHECK(run.code == 2);
  CHECK(run.out.find("[search-path-or-schema-qualified]") != std::string::npos);
  write_file(ws.dir + "/pgfleet.json", R"({"lint": {"schema-per-tenant": true}})");
  CHECK(run_cli(lint, ws.dir, kNoActions).code == 2);
}

TEST_CASE("cli lint --fleet: alter-column-type judged by the column's type on each tenant",
          "[cli]") {
  const std::string big = tenant_with("lintretype_big", 5000, 10);
  const std::string other = tenant_with("lintretype_other", 20, 10);
  query(big, "CREATE TABLE profiles (handle varchar(20), code varchar(10));");
  query(other, "CREATE TABLE profiles (handle varchar(20), code char(10));");
  const Workspace ws = make_workspace("cli_lint_retype");
  ws.migration("0001_handle.up.sql", "ALTER TABLE profiles ALTER COLUMN handle TYPE text;\n");
  ws.migration("0001_handle.down.sql", "ALTER TABLE profiles ALTER handle TYPE varchar(20);\n");
  ws.migration("0002_id.up.sql", "ALTER TABLE accounts ALTER COLUMN id TYPE bigint;\n");
  ws.migration("0002_id.down.sql", "ALTER TABLE accounts ALTER COLUMN id TYPE int;\n");
  ws.migration("0003_code.up.sql", "ALTER TABLE profiles ALTER COLUMN code TYPE text;\n");
  ws.migration("0003_code.down.sql", "ALTER TABLE profiles ALTER COLUMN code TYPE varchar(10);\n");
  const std::string lint = "lint --migrations " + sh_quote(ws.migrations) + " --format json";

  const json unknown = json::parse(run_cli(lint, ws.dir, kNoActions).out);
  CHECK(finding_of(unknown, "alter-column-type", "0001"));  // the set never declares handle

  const CliRun run =
      run_cli(lint + " --fleet --big-table 1000" + dsns({big, other}), ws.dir, kNoActions);
  INFO(run.all());
  REQUIRE(run.code == 0);
  const json report = json::parse(run.out);
  CHECK_FALSE(finding_of(report, "alter-column-type", "0001"));  // varchar(20) → text: no rewrite
  const json* id = finding_of(report, "alter-column-type", "0002");
  REQUIRE(id);
  CHECK((*id)["severity"] == "warning");
  const std::string id_message = (*id)["message"];
  CHECK(id_message.find("accounts has ~5000 rows") == 0);
  CHECK(id_message.find("on tenant " + big) != std::string::npos);
  CHECK(id_message.find("the column is integer on tenant") != std::string::npos);
  const json* code = finding_of(report, "alter-column-type", "0003");  // the worst tenant
  REQUIRE(code);
  CHECK((*code)["message"].get<std::string>().find("the column is character(10) on tenant " +
                                                   other) != std::string::npos);
}
