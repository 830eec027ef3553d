// A tenant run a second time within one run id tells what the run did to it over all attempts
// (docs/LEDGER.md, "Workers" and "Resume"; docs/SCALING.md, "Resume without a ledger"): a
// worker that claims it again after its first worker died past the apply, `resume --ledger`,
// `--retry-failed` and a local `resume` all record it `applied` with the versions this run
// applied, read from its history, never `up_to_date`.
#include <catch2/catch.hpp>

#include "fleet_fixture.hpp"
#include "ledger_support.hpp"
#include "test_env.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;

namespace {

// Two migrations with down files; the second sleeps so that its recorded duration shows.
void two_migrations(const Workspace& ws) {
  ws.migration("0001_items.up.sql", "CREATE TABLE items (id int);\n");
  ws.migration("0001_items.down.sql", "DROP TABLE items;\n");
  ws.migration("0002_more.up.sql", "SELECT pg_sleep(0.05);\nCREATE TABLE more (id int);\n");
  ws.migration("0002_more.down.sql", "DROP TABLE more;\n");
}

// What a worker SIGKILLed after applying `tenant` but before its line reached the ledger
// leaves: the tenant running under a lease that has run out, with no result.
void lose_ledger_line(const LedgerFleet& fleet, const std::string& tenant) {
  query(fleet.ledger_db,
        "UPDATE pgfleet_ledger.tenants SET state = 'running', status = NULL, result_line = NULL, "
        "rollback_script = NULL, finished_at = NULL, lease_until = now() - interval '1 second' "
        "WHERE tenant_id = '" +
            tenant + "'");
  query(fleet.ledger_db, "UPDATE pgfleet_ledger.runs SET finished_at = NULL");
}

json ledger_line(const LedgerFleet& fleet, const std::string& tenant) {
  return json::parse(ledger_scalar(
      fleet, "SELECT result_line FROM pgfleet_ledger.tenants WHERE tenant_id = '" + tenant + "'"));
}

std::vector<long long> versions_of(const json& line) {
  std::vector<long long> versions;
  for (const json& m : line["migrations"]) versions.push_back(m["version"].get<long long>());
  return versions;
}

// The duration the tenant's history recorded for `version`.
long history_duration(const LedgerFleet& fleet, const std::string& tenant, int version) {
  return std::stol(scalar(
      fleet.db, "SELECT duration_ms FROM " + tenant +
                    ".pgfleet_schema_migrations WHERE version = " + std::to_string(version)));
}

// The line says this run applied 1 and 2 to `tenant`, with the durations its history keeps.
void check_applied_by_this_run(const LedgerFleet& fleet, const json& line,
                               const std::string& tenant) {
  INFO(line.dump());
  CHECK(line["status"] == "applied");
  CHECK(versions_of(line) == std::vector<long long>{1, 2});
  REQUIRE(line["migrations"].size() == 2);
  CHECK(line["migrations"][1]["duration_ms"].get<long>() == history_duration(fleet, tenant, 2));
  CHECK(line["migrations"][1]["duration_ms"].get<long>() >= 50);
  CHECK(line["from_version"].is_null());
  CHECK(line["to_version"] == 2);
}

std::string resume_flags(const LedgerFleet& fleet, const std::string& step) {
  return "--tenants " + sh_quote(fleet.tenants_file) + " --migrations " +
         sh_quote(fleet.ws.migrations) + " --results-dir " + sh_quote(fleet.ws.results(step)) +
         " --ledger " + sh_quote(fleet.ledger_url) + " --yes";
}

}  // namespace

TEST_CASE("ledger: a tenant claimed again after its worker died past the apply is applied",
          "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_reclaim", 3);
  two_migrations(fleet.ws);
  const std::string run = "release-reclaim";
  const CliRun first = run_cli(worker_args(fleet, run, "a", ""), fleet.ws.dir);
  INFO(first.all());
  REQUIRE(first.code == 0);
  lose_ledger_line(fleet, "t002");

  const CliRun second = run_cli(worker_args(fleet, run, "b", ""), fleet.ws.dir);
  INFO(second.all());
  CHECK(second.code == 0);
  check_applied_by_this_run(fleet, ledger_line(fleet, "t002"), "t002");
  CHECK(ledger_scalar(fleet,
                      "SELECT status || ' ' || attempts FROM pgfleet_ledger.tenants WHERE "
                      "tenant_id = 't002'") == "applied 2");
  // The rollback script undoes what the run did, over both attempts.
  const std::string script = ledger_scalar(
      fleet, "SELECT rollback_script FROM pgfleet_ledger.tenants WHERE tenant_id = 't002'");
  CHECK(script.find("DROP TABLE more") != std::string::npos);
  CHECK(script.find("DROP TABLE items") != std::string::npos);
  // The second worker's own results say the same.
  const json local = tenant_record(only_run_dir(fleet.ws.results("b")), "t002");
  CHECK(local["status"] == "applied");
  CHECK(versions_of(local) == std::vector<long long>{1, 2});
  // Nothing ran twice.
  CHECK(scalar(fleet.db, "SELECT count(*) FROM t002.pgfleet_schema_migrations") == "2");
}

TEST_CASE("ledger: resume of a tenant whose worker died past the apply records it applied",
          "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_reresume", 3);
  two_migrations(fleet.ws);
  const std::string run = "release-reresume";
  const CliRun first = run_cli(worker_args(fleet, run, "a", ""), fleet.ws.dir);
  INFO(first.all());
  REQUIRE(first.code == 0);
  lose_ledger_line(fleet, "t003");

  const CliRun resumed = run_cli("resume " + run + " " + resume_flags(fleet, "r"), fleet.ws.dir);
  INFO(resumed.all());
  CHECK(resumed.code == 0);
  check_applied_by_this_run(fleet, ledger_line(fleet, "t003"), "t003");
}

TEST_CASE("ledger: resume --retry-failed keeps the migrations the failed attempt applied",
          "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_reretry", 3);
  two_migrations(fleet.ws);
  query(fleet.db, "CREATE TABLE t002.more (id int)");  // 0002 fails on t002, after 0001
  const std::string run = "release-reretry";
  const CliRun first = run_cli(worker_args(fleet, run, "a", ""), fleet.ws.dir);
  INFO(first.all());
  REQUIRE(first.code == 1);
  REQUIRE(ledger_line(fleet, "t002")["status"] == "failed");
  REQUIRE(versions_of(ledger_line(fleet, "t002")) == std::vector<long long>{1});

  query(fleet.db, "DROP TABLE t002.more");
  const CliRun retried =
      run_cli("resume " + run + " " + resume_flags(fleet, "r") + " --retry-failed", fleet.ws.dir);
  INFO(retried.all());
  CHECK(retried.code == 0);
  check_applied_by_this_run(fleet, ledger_line(fleet, "t002"), "t002");
}

TEST_CASE("resume: a tenant whose line was lost after the apply is recorded applied", "[resume]") {
  const LedgerFleet fleet = make_ledger_fleet("resume_lostline", 3);  // no ledger used
  two_migrations(fleet.ws);
  const std::string results = fleet.ws.results("local");
  const std::string source = "--tenants " + sh_quote(fleet.tenants_file) + " --migrations " +
                             sh_quote(fleet.ws.migrations) + " --results-dir " + sh_quote(results) +
                             " --yes";
  const CliRun first = run_cli("apply " + source + " --run-id local-lost", fleet.ws.dir);
  INFO(first.all());
  REQUIRE(first.code == 0);
  // As if the process was SIGKILLed after t002's COMMIT, before its line was written.
  const std::string run_dir = only_run_dir(results);
  std::string kept;
  for (const json& line : tenant_lines(run_dir)) {
    if (line["tenant_id"] != "t002") kept += line.dump() + "\n";
  }
  write_file(run_dir + "/tenants.jsonl", kept);

  const CliRun resumed = run_cli("resume local-lost " + source, fleet.ws.dir);
  INFO(resumed.all());
  CHECK(resumed.code == 0);
  check_applied_by_this_run(fleet, tenant_record(run_dir, "t002"), "t002");
}

TEST_CASE("ledger: a retry that never connects keeps what the failed attempt applied", "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_rerun_gone", 3);
  two_migrations(fleet.ws);
  query(fleet.db, "CREATE TABLE t002.more (id int)");  // 0002 fails on t002, after 0001
  const std::string run = "release-rerun-gone";
  const CliRun first = run_cli(worker_args(fleet, run, "a", ""), fleet.ws.dir);
  INFO(first.all());
  REQUIRE(first.code == 1);
  REQUIRE(versions_of(ledger_line(fleet, "t002")) == std::vector<long long>{1});

  // The retry finds t002's database gone: it never connects (3D000).
  std::string moved;
  for (const std::string& id : fleet.ids) {
    const std::string db = id == "t002" ? fleet.db + "_gone" : fleet.db;
    moved += json{{"id", id}, {"schema", id}, {"connection_string", dsn_for(db)}}.dump() + "\n";
  }
  write_file(fleet.tenants_file, moved);
  const CliRun retried =
      run_cli("resume " + run + " " + resume_flags(fleet, "r") + " --retry-failed", fleet.ws.dir);
  INFO(retried.all());
  CHECK(retried.code == 1);
  const json line = ledger_line(fleet, "t002");
  INFO(line.dump());
  CHECK(line["status"] == "failed");
  CHECK(line["error"]["phase"] == "connect");
  CHECK(versions_of(line) == std::vector<long long>{1});
  // Its rollback script still reverts 0001.
  CHECK(ledger_scalar(fleet,
                      "SELECT rollback_script FROM pgfleet_ledger.tenants WHERE "
                      "tenant_id = 't002'")
            .find("DROP TABLE items;") != std::string::npos);
}
