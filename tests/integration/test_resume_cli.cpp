// pgfleet resume RUN_ID without a ledger (docs/SCALING.md, "Resume without a ledger"), end to end
// on a real fleet: after SIGINT it finishes the rest into the same run; --retry-failed runs failed
// tenants again; a run whose migrations changed is refused. Each tenant keeps one line.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string source(const Fleet& fleet) {
  return "--control-plane " + sh_quote(fleet.control_plane_url);
}

std::string apply_flags(const Fleet& fleet, const std::string& results,
                        const std::string& migrations) {
  return source(fleet) + " --migrations " + sh_quote(migrations) + " --results-dir " +
         sh_quote(results) + " --yes";
}

// tenant id -> its line; fails the test if a tenant has two.
std::map<std::string, json> lines_by_tenant(const std::string& run_dir) {
  std::map<std::string, json> by_tenant;
  for (const json& line : tenant_lines(run_dir)) {
    const std::string id = line["tenant_id"];
    INFO("tenant " << id);
    CHECK(by_tenant.count(id) == 0);
    by_tenant[id] = line;
  }
  return by_tenant;
}

std::string history_run_ids(const std::string& db) {
  return scalar(db, "SELECT string_agg(DISTINCT run_id, ',') FROM pgfleet.schema_migrations");
}

// pgfleet backends still busy on the fleet's databases.
int busy_backends(const Fleet& fleet) {
  std::string names;
  for (const std::string& db : fleet.tenant_dbs) names += (names.empty() ? "'" : ",'") + db + "'";
  return std::stoi(
      scalar("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname IN (" + names +
                             ") AND application_name LIKE 'pgfleet/%' AND state <> 'idle'"));
}

}  // namespace

TEST_CASE("resume: after SIGKILL a resume runs the tenants that have no line", "[resume]") {
  const Fleet fleet = make_fleet("resumekill", 6, BadRows::none, 0.5);
  const std::string results = fleet.work_dir + "/results";
  const std::string pid_file = fleet.work_dir + "/pgfleet.pid";
  const std::string prefix =
      "sh -c " + sh_quote("echo $$ > " + sh_quote(pid_file) + "; exec \"$@\"") + " sh";
  auto killed = std::async(std::launch::async, [&] {
    return run_cli("apply --concurrency 2 " + apply_flags(fleet, results, fleet.migrations_dir),
                   fleet.work_dir, prefix);
  });
  // Killed once the first tenants have finished, while others are still running.
  const auto some_finished = [&] {
    if (!fs::exists(results) || fs::is_empty(results)) return false;
    const std::string lines = only_run_dir(results) + "/tenants.jsonl";
    return fs::exists(lines) && fs::file_size(lines) > 0;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!some_finished() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const pid_t pid = static_cast<pid_t>(std::stol("0" + read_text(pid_file)));
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(killed.get().code == 128 + SIGKILL);
  const std::string run_dir = only_run_dir(results);
  const std::string run_id = run_id_of(run_dir);
  REQUIRE(tenant_lines(run_dir).size() < fleet.tenant_dbs.size());
  const auto gone = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (busy_backends(fleet) > 0 && std::chrono::steady_clock::now() < gone) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  // The dead run's lock went with it: the resume may start.
  const CliRun resumed = run_cli(
      "resume " + run_id + " " + source(fleet) + " --results-dir " + sh_quote(results) + " --yes",
      fleet.work_dir);
  INFO(resumed.all());
  CHECK(resumed.code == 0);
  const auto lines = lines_by_tenant(run_dir);
  CHECK(lines.size() == fleet.tenant_dbs.size());
  for (const std::string& db : fleet.tenant_dbs) {
    REQUIRE(lines.count(db) == 1);
    // Also where the killed run's last COMMIT landed and its line did not: the history rows
    // carry the run id, so the resume reports what the run applied.
    CHECK(lines.at(db)["status"] == "applied");
    CHECK(lines.at(db)["migrations"].size() == 3);
    CHECK(applied_versions(db) == std::vector<long long>{1, 2, 3});
    CHECK(history_run_ids(db) == run_id);
  }
  const json summary = json::parse(read_text(run_dir + "/summary.json"));
  CHECK(summary["tenant_count"] == fleet.tenant_dbs.size());
  CHECK(summary["tenants_finished"] == fleet.tenant_dbs.size());
  CHECK(summary["exit_code"] == 0);
  CHECK_FALSE(summary["finished_at"].is_null());
}

TEST_CASE("resume: after SIGINT a resume finishes the rest into the same run", "[resume]") {
  const Fleet fleet = make_fleet("resumeint", 10, BadRows::none, 0.4);
  const std::string results = fleet.work_dir + "/results";
  const CliRun interrupted =
      run_cli("apply --concurrency 2 " + apply_flags(fleet, results, fleet.migrations_dir),
              fleet.work_dir, "timeout --preserve-status -s INT 1.5");
  INFO(interrupted.all());
  REQUIRE(interrupted.code == 130);
  const std::string run_dir = only_run_dir(results);
  const std::string run_id = run_id_of(run_dir);
  int unfinished = 0;
  for (const auto& [id, line] : lines_by_tenant(run_dir)) unfinished += line["status"] != "applied";
  REQUIRE(unfinished > 0);

  // Only the source and the results directory: the run's own options come from run.json.
  const CliRun resumed = run_cli(
      "resume " + run_id + " " + source(fleet) + " --results-dir " + sh_quote(results) + " --yes",
      fleet.work_dir);
  INFO(resumed.all());
  CHECK(resumed.code == 0);
  CHECK(only_run_dir(results) == run_dir);  // appended to the same run, no new directory
  const auto lines = lines_by_tenant(run_dir);
  CHECK(lines.size() == fleet.tenant_dbs.size());
  for (const std::string& db : fleet.tenant_dbs) {
    REQUIRE(lines.count(db) == 1);
    CHECK(lines.at(db)["status"] == "applied");
    CHECK(lines.at(db)["to_version"] == 3);
    CHECK(applied_versions(db) == std::vector<long long>{1, 2, 3});
    CHECK(history_run_ids(db) == run_id);
  }
  const json summary = json::parse(read_text(run_dir + "/summary.json"));
  CHECK(summary["run_id"] == run_id);
  CHECK(summary["tenant_count"] == fleet.tenant_dbs.size());
  CHECK(summary["counts"]["applied"] == fleet.tenant_dbs.size());
  CHECK(summary["counts"]["cancelled"] == 0);
  CHECK(summary["exit_code"] == 0);
  const json record = json::parse(read_text(run_dir + "/run.json"));
  CHECK(record["resumes"].size() == 1);
  CHECK(record["resumes"][0]["tenants"].size() == static_cast<std::size_t>(unfinished));
  CHECK(record["options"]["concurrency"] == 2);

  SECTION("a second resume has nothing to do") {
    const CliRun again = run_cli(
        "resume " + run_id + " " + source(fleet) + " --results-dir " + sh_quote(results) + " --yes",
        fleet.work_dir);
    INFO(again.all());
    CHECK(again.code == 0);
    CHECK(again.err.find("nothing to resume") != std::string::npos);
  }
  SECTION("rollback --run undoes every migration of the run, also those before the stop") {
    const CliRun rollback = run_cli(
        "rollback --run " + run_id + " " + apply_flags(fleet, results, fleet.migrations_dir),
        fleet.work_dir);
    INFO(rollback.all());
    CHECK(rollback.code == 0);
    for (const std::string& db : fleet.tenant_dbs) CHECK(applied_versions(db).empty());
  }
}

TEST_CASE("resume: --retry-failed runs the failed tenants again", "[resume]") {
  const Fleet fleet = make_fleet("resumefail", 4, BadRows::none, 0);
  const std::string broken = fleet.tenant_dbs.front();
  query(broken, "CREATE TABLE accounts (x int)");  // 0001 creates accounts: it fails here
  const std::string results = fleet.work_dir + "/results";
  const CliRun first =
      run_cli("apply " + apply_flags(fleet, results, fleet.migrations_dir), fleet.work_dir);
  INFO(first.all());
  REQUIRE(first.code == 1);
  const std::string run_dir = only_run_dir(results);
  const std::string run_id = run_id_of(run_dir);
  REQUIRE(lines_by_tenant(run_dir).at(broken)["status"] == "failed");
  const std::string resume =
      "resume " + run_id + " " + source(fleet) + " --results-dir " + sh_quote(results) + " --yes";

  // Without --retry-failed a failed tenant stands.
  const CliRun without = run_cli(resume, fleet.work_dir);
  INFO(without.all());
  CHECK(without.code == 1);
  CHECK(without.err.find("--retry-failed") != std::string::npos);
  CHECK(lines_by_tenant(run_dir).at(broken)["status"] == "failed");

  query(broken, "DROP TABLE accounts");
  const CliRun retried = run_cli(resume + " --retry-failed", fleet.work_dir);
  INFO(retried.all());
  CHECK(retried.code == 0);
  const auto lines = lines_by_tenant(run_dir);
  CHECK(lines.size() == fleet.tenant_dbs.size());
  CHECK(lines.at(broken)["status"] == "applied");
  CHECK(applied_versions(broken) == std::vector<long long>{1, 2, 3});
  CHECK(history_run_ids(broken) == run_id);
  const json summary = json::parse(read_text(run_dir + "/summary.json"));
  CHECK(summary["counts"]["applied"] == fleet.tenant_dbs.size());
  CHECK(summary["counts"]["failed"] == 0);
  CHECK(read_text(run_dir + "/junit.xml").find("failures=\"0\"") != std::string::npos);
}

TEST_CASE("resume: a run whose migrations changed is refused before anything", "[resume]") {
  const Fleet fleet = make_fleet("resumechg", 3, BadRows::none, 0);
  const Workspace ws = make_workspace("resumechg");
  for (const auto& file : fs::directory_iterator(fleet.migrations_dir)) {
    ws.migration(file.path().filename().string(), read_text(file.path().string()));
  }
  const std::string results = ws.dir + "/results";
  // A failure leaves something to resume: tenant 0 already has the table 0001 creates.
  query(fleet.tenant_dbs.front(), "CREATE TABLE accounts (x int)");
  REQUIRE(run_cli("apply " + apply_flags(fleet, results, ws.migrations), ws.dir).code == 1);
  const std::string run_dir = only_run_dir(results);
  const std::string run_id = run_id_of(run_dir);
  const std::string lines_before = read_text(run_dir + "/tenants.jsonl");
  const std::string record_before = read_text(run_dir + "/run.json");
  query(fleet.tenant_dbs.front(), "DROP TABLE accounts");
  const std::string resume = "resume " + run_id + " " + source(fleet) + " --results-dir " +
                             sh_quote(results) + " --yes --retry-failed";

  SECTION("a changed file") {
    ws.migration("0003_add_project_name.up.sql", "ALTER TABLE projects ADD COLUMN title text;\n");
  }
  SECTION("a new file") { ws.migration("0004_more.up.sql", "SELECT 1;\n"); }
  SECTION("another directory given with --migrations") {
    const Workspace other = make_workspace("resumechg_other");
    other.migration("0001_create_accounts.up.sql", "CREATE TABLE accounts (id int);\n");
    const CliRun run = run_cli(resume + " --migrations " + sh_quote(other.migrations), ws.dir);
    INFO(run.all());
    CHECK(run.code == 2);
    CHECK(run.err.find("not the run's") != std::string::npos);
    CHECK(read_text(run_dir + "/tenants.jsonl") == lines_before);
    return;
  }
  const CliRun run = run_cli(resume, ws.dir);
  INFO(run.all());
  CHECK(run.code == 2);
  CHECK(run.err.find("not the run's") != std::string::npos);
  CHECK(read_text(run_dir + "/tenants.jsonl") == lines_before);
  CHECK(read_text(run_dir + "/run.json") == record_before);
  CHECK(applied_versions(fleet.tenant_dbs.front()).empty());
}

TEST_CASE("resume: refusals name the problem and exit 2", "[resume]") {
  const Fleet fleet = make_fleet("resumeref", 1, BadRows::none, 0);
  const std::string results = fleet.work_dir + "/results";
  const CliRun plan = run_cli("plan " + apply_flags(fleet, results, fleet.migrations_dir));
  REQUIRE(plan.code == 0);
  const std::string run_id = run_id_of(only_run_dir(results));
  const std::string where = " --results-dir " + sh_quote(results) + " --yes";

  const CliRun not_apply = run_cli("resume " + run_id + " " + source(fleet) + where);
  CHECK(not_apply.code == 2);
  CHECK(not_apply.err.find("only apply runs") != std::string::npos);
  const CliRun missing = run_cli("resume 20200101T000000Z-0000 " + source(fleet) + where);
  CHECK(missing.code == 2);
  const CliRun bad_id = run_cli("resume ../etc " + source(fleet) + where);
  CHECK(bad_id.code == 2);

  const CliRun applied = run_cli("apply " + apply_flags(fleet, results, fleet.migrations_dir));
  REQUIRE(applied.code == 0);
  const std::string apply_id = run_id_of(newest_run_dir(results));
  const CliRun no_source = run_cli("resume " + apply_id + where);
  INFO(no_source.all());
  CHECK(no_source.code == 2);
  CHECK(no_source.err.find("--control-plane") != std::string::npos);
}

TEST_CASE("resume: a --tenants run is resumed from its own file", "[resume]") {
  const Fleet fleet = make_fleet("resumefile", 2, BadRows::none, 0);
  const Workspace ws = make_workspace("resumefile");
  const std::string file = ws.dir + "/tenants.json";
  write_file(file, "[{\"id\": \"" + fleet.tenant_dbs[0] + "\", \"connection_string\": \"" +
                       dsn_for(fleet.tenant_dbs[0]) + "\"}, {\"id\": \"" + fleet.tenant_dbs[1] +
                       "\", \"connection_string\": \"" + dsn_for(fleet.tenant_dbs[1]) + "\"}]");
  query(fleet.tenant_dbs[1], "CREATE TABLE accounts (x int)");
  const std::string results = ws.dir + "/results";
  // A relative path: the resume starts elsewhere and still finds the file (run.json holds it
  // absolute).
  const CliRun first =
      run_cli("apply --tenants tenants.json --migrations " + sh_quote(fleet.migrations_dir) +
                  " --results-dir " + sh_quote(results) + " --yes",
              ws.dir);
  INFO(first.all());
  REQUIRE(first.code == 1);
  query(fleet.tenant_dbs[1], "DROP TABLE accounts");
  const std::string run_id = run_id_of(only_run_dir(results));
  const CliRun resumed = run_cli(
      "resume " + run_id + " --results-dir " + sh_quote(results) + " --yes --retry-failed", "/");
  INFO(resumed.all());
  CHECK(resumed.code == 0);
  CHECK(applied_versions(fleet.tenant_dbs[1]) == std::vector<long long>{1, 2, 3});
  CHECK(lines_by_tenant(only_run_dir(results)).size() == 2);
}

TEST_CASE("resume: a run that is still going is refused with exit 3", "[resume]") {
  const Fleet fleet = make_fleet("resumebusy", 2, BadRows::none, 1.5);
  const std::string results = fleet.work_dir + "/results";
  auto running = std::async(std::launch::async, [&] {
    return run_cli("apply --concurrency 1 " + apply_flags(fleet, results, fleet.migrations_dir),
                   fleet.work_dir);
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((!fs::exists(results) || fs::is_empty(results) ||
          !fs::exists(only_run_dir(results) + "/run.json")) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string run_dir = only_run_dir(results);
  const CliRun resumed = run_cli("resume " + run_id_of(run_dir) + " " + source(fleet) +
                                     " --results-dir " + sh_quote(results) + " --yes",
                                 fleet.work_dir);
  INFO(resumed.all());
  CHECK(resumed.code == 3);
  CHECK(resumed.err.find("still going") != std::string::npos);
  const CliRun finished = running.get();
  INFO(finished.all());
  CHECK(finished.code == 0);
  CHECK(lines_by_tenant(run_dir).size() == fleet.tenant_dbs.size());
}
