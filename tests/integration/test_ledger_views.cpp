// What the ledger tells about a shared run (docs/LEDGER.md): the failure policy held across
// workers, resume, status --run, report --ledger and rollback --run --ledger.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "fleet_fixture.hpp"
#include "ledger_support.hpp"
#include "test_env.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;

namespace {

std::string ledger_count(const LedgerFleet& fleet, const std::string& where) {
  return ledger_scalar(fleet, "SELECT count(*) FROM pgfleet_ledger.tenants WHERE " + where);
}

// The tenant source and migrations a ledger command needs besides the run.
std::string fleet_flags(const LedgerFleet& fleet, const std::string& step) {
  return "--tenants " + sh_quote(fleet.tenants_file) + " --migrations " +
         sh_quote(fleet.ws.migrations) + " --results-dir " + sh_quote(fleet.ws.results(step)) +
         " --ledger " + sh_quote(fleet.ledger_url);
}

}  // namespace

TEST_CASE(
    "ledger: --max-failures 2 stops the whole run across three workers and resume "
    "--retry-failed finishes it",
    "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_policy", 90);
  // Every fifth tenant fails while it is on the list.
  query(fleet.db,
        "CREATE TABLE public.fail_list AS SELECT 't' || lpad(i::text, 3, '0') AS name "
        "FROM generate_series(5, 90, 5) i");
  fleet.ws.migration("0001_items.up.sql",
                     "SELECT pg_sleep(0.03);\nDO $$ BEGIN IF EXISTS (SELECT 1 FROM "
                     "public.fail_list WHERE name = current_schema()) THEN RAISE EXCEPTION "
                     "'listed'; END IF; END $$;\nCREATE TABLE items (id int);\n");
  const std::string run = "release-policy";
  std::vector<BackgroundRun> workers;
  for (const std::string step : {"a", "b", "c"}) {
    workers.push_back(start_cli(
        fleet.ws, worker_args(fleet, run, step, "--concurrency 2 --max-failures 2"), step));
  }
  for (auto& w : workers) {
    const CliRun done = w.done.get();
    INFO(done.all());
    CHECK(done.code == 1);
  }
  CHECK(ledger_scalar(fleet, "SELECT stop_reason FROM pgfleet_ledger.runs")
            .rfind("max-failures reached", 0) == 0);
  // About 2 failures for the run (plus what was already running), not 2 per worker.
  const int failed = std::stoi(ledger_count(fleet, "status = 'failed'"));
  CHECK(failed >= 2);
  CHECK(failed <= 4);
  CHECK(std::stoi(ledger_count(fleet, "status = 'applied'")) < 60);

  query(fleet.db, "DELETE FROM public.fail_list");
  const CliRun resumed = run_cli(
      "resume " + run + " " + fleet_flags(fleet, "resume") + " --retry-failed --yes", fleet.ws.dir);
  INFO(resumed.all());
  CHECK(resumed.code == 0);
  CHECK(ledger_count(fleet, "state = 'done' AND status = 'applied'") == "90");
  CHECK(ledger_scalar(fleet,
                      "SELECT stop_reason IS NULL AND finished_at IS NOT NULL FROM "
                      "pgfleet_ledger.runs") == "t");
}

TEST_CASE("ledger: status --run report --ledger and rollback --run --ledger read the shared run",
          "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_views", 20);
  fleet.ws.migration("0001_items.up.sql", "CREATE TABLE items (id int);\n");
  fleet.ws.migration("0001_items.down.sql", "DROP TABLE items;\n");
  const std::string run = "release-views";
  auto a = start_cli(fleet.ws, worker_args(fleet, run, "a", "--concurrency 2"), "a");
  auto b = start_cli(fleet.ws, worker_args(fleet, run, "b", "--concurrency 2"), "b");
  CHECK(a.done.get().code == 0);
  CHECK(b.done.get().code == 0);

  const json progress = ledger_status(fleet, run);
  CHECK(progress["tenant_count"] == 20);
  CHECK(progress["done"] == 20);
  CHECK(progress["per_status"]["applied"] == 20);
  CHECK(progress["workers"].size() == 2);
  CHECK_FALSE(progress["finished_at"].is_null());
  const CliRun text =
      run_cli("status --run " + run + " --ledger " + sh_quote(fleet.ledger_url), fleet.ws.dir);
  CHECK(text.out.find("applied               20") != std::string::npos);
  // --watch of a finished run shows it once and returns.
  const CliRun watch = run_cli(
      "status --run " + run + " --ledger " + sh_quote(fleet.ledger_url) + " --watch", fleet.ws.dir);
  CHECK(watch.code == 0);
  CHECK(watch.out.find("20 tenant(s): 20 done") != std::string::npos);

  const CliRun report = run_cli("report " + run + " --ledger " + sh_quote(fleet.ledger_url) +
                                    " --results-dir " + sh_quote(fleet.ws.results("report")),
                                fleet.ws.dir);
  INFO(report.all());
  REQUIRE(report.code == 0);
  const std::string dir = fleet.ws.results("report") + "/" + run;
  std::set<std::string> ids;
  const auto lines = tenant_lines(dir);
  for (const json& line : lines) ids.insert(line["tenant_id"].get<std::string>());
  CHECK(lines.size() == 20);
  CHECK(ids.size() == 20);
  const json summary = json::parse(read_text(dir + "/summary.json"));
  CHECK(summary["counts"]["applied"] == 20);
  CHECK(summary["run_id"] == run);
  CHECK(read_text(dir + "/junit.xml").find("tests=\"20\"") != std::string::npos);
  CHECK(std::filesystem::exists(dir + "/rollback/t001.sql"));

  const CliRun rollback = run_cli(
      "rollback --run " + run + " " + fleet_flags(fleet, "rollback") + " --yes", fleet.ws.dir);
  INFO(rollback.all());
  CHECK(rollback.code == 0);
  for (const auto& id : fleet.ids) {
    CHECK(scalar(fleet.db, "SELECT to_regclass('" + id + ".items') IS NULL") == "t");
  }
}

TEST_CASE("ledger: resume of an unknown run and report without a ledger are usage errors",
          "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_usage", 2);
  fleet.ws.migration("0001_items.up.sql", "CREATE TABLE items (id int);\n");
  const CliRun unknown =
      run_cli("resume no-such-run " + fleet_flags(fleet, "x") + " --yes", fleet.ws.dir);
  INFO(unknown.all());
  CHECK(unknown.code == 2);
  const CliRun no_ledger = run_cli("report some-run", fleet.ws.dir);
  CHECK(no_ledger.code == 2);
  const CliRun status_no_ledger = run_cli("status --run some-run", fleet.ws.dir);
  CHECK(status_no_ledger.code == 2);
  const CliRun bad_lease =
      run_cli("apply --tenants " + sh_quote(fleet.tenants_file) + " --lease 0 --yes", fleet.ws.dir);
  CHECK(bad_lease.code == 2);
}

TEST_CASE("ledger: --ledger control-plane keeps the run in the control-plane database",
          "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_cp", 4);
  fleet.ws.migration("0001_items.up.sql", "CREATE TABLE items (id int);\n");
  // The control plane lists the tenants (schema-per-tenant through --tenant-query).
  query(fleet.ledger_db,
        "CREATE TABLE tenants (id text, connection_string text, schema text, active bool); "
        "INSERT INTO tenants SELECT 't' || lpad(i::text, 3, '0'), " +
            std::string("'") + dsn_for(fleet.db) +
            "', 't' || lpad(i::text, 3, '0'), true FROM generate_series(1, 4) i");
  const std::string args =
      "apply --control-plane " + sh_quote(fleet.ledger_url) +
      " --tenant-query 'SELECT id, connection_string, schema FROM tenants WHERE active' "
      "--migrations " +
      sh_quote(fleet.ws.migrations) + " --results-dir " + sh_quote(fleet.ws.results("a")) +
      " --ledger control-plane --run-id release-cp --yes";
  const CliRun done = run_cli(args, fleet.ws.dir);
  INFO(done.all());
  CHECK(done.code == 0);
  CHECK(ledger_count(fleet, "run_id = 'release-cp' AND status = 'applied'") == "4");
  const CliRun no_control_plane =
      run_cli("apply --tenants " + sh_quote(fleet.tenants_file) + " --ledger control-plane --yes",
              fleet.ws.dir);
  CHECK(no_control_plane.code == 2);
}
