// pgfleet killed with SIGKILL mid-run, then run again (docs/RELIABILITY.md): a transactional
// migration is all there or not at all and the rerun finishes it; a no-transaction migration
// leaves its `pending` claim and the rerun calls the tenant dirty. Never silently wrong.
#include <catch2/catch.hpp>
#include <csignal>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string apply_args(const Workspace& ws, const std::string& db, const std::string& step) {
  return "apply --dsn " + sh_quote(dsn_for(db)) + " --migrations " + sh_quote(ws.migrations) +
         " --results-dir " + sh_quote(ws.results(step)) + " --yes";
}

// Number of pgfleet backends on `db` that are not idle.
int busy_pgfleet_backends(const std::string& db) {
  return std::stoi(scalar("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '" +
                                          db +
                                          "' AND application_name LIKE 'pgfleet/%' AND state <> "
                                          "'idle'"));
}

// By its wait event: the text of a batch can be longer than pg_stat_activity keeps.
bool sleeping(const std::string& db) {
  return scalar("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db +
                                "' AND application_name LIKE 'pgfleet/%' AND state = 'active' "
                                "AND wait_event = 'PgSleep'") != "0";
}

// Starts `pgfleet apply` on `db`, SIGKILLs it while its migration sleeps, then waits until the
// orphaned backend has finished whatever the server does with it.
void apply_and_kill(const Workspace& ws, const std::string& db) {
  const std::string pid_file = ws.dir + "/pgfleet.pid";
  const std::string prefix =
      "sh -c " + sh_quote("echo $$ > " + sh_quote(pid_file) + "; exec \"$@\"") + " sh";
  auto pending = std::async(std::launch::async,
                            [&] { return run_cli(apply_args(ws, db, "a"), ws.dir, prefix); });
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!sleeping(db) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const pid_t pgfleet = static_cast<pid_t>(std::stol("0" + read_text(pid_file)));
  REQUIRE(pgfleet > 0);
  REQUIRE(::kill(pgfleet, SIGKILL) == 0);
  const CliRun killed = pending.get();
  INFO(killed.all());
  CHECK(killed.code == 128 + SIGKILL);
  const auto gone = Clock::now() + std::chrono::seconds(20);
  while (busy_pgfleet_backends(db) > 0 && Clock::now() < gone) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(busy_pgfleet_backends(db) == 0);
}

}  // namespace

TEST_CASE("sigkill: a transactional migration is all or nothing and the rerun finishes it",
          "[sigkill]") {
  const std::string db = create_database("sigkill_tx");
  const Workspace ws = make_workspace("sigkill_tx");
  ws.migration("0001_first.up.sql", "CREATE TABLE first (x int);\n");
  ws.migration("0002_slow.up.sql", "SELECT pg_sleep(2);\nCREATE TABLE slow_done (x int);\n");
  apply_and_kill(ws, db);
  // Whatever the server made of the orphaned transaction, history and schema agree.
  const auto versions = history_versions(db);
  const bool has2 = std::count(versions.begin(), versions.end(), 2) > 0;
  CHECK(scalar(db, "SELECT to_regclass('slow_done') IS NOT NULL") == (has2 ? "t" : "f"));
  CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations WHERE state <> 'applied'") ==
        "0");
  const CliRun rerun = run_cli(apply_args(ws, db, "b"), ws.dir);
  INFO(rerun.all());
  CHECK(rerun.code == 0);
  CHECK(history_versions(db) == std::vector<long long>{1, 2});
  CHECK(scalar(db, "SELECT to_regclass('slow_done') IS NOT NULL") == "t");
}

TEST_CASE("sigkill: a no-transaction migration killed mid-way makes the rerun say dirty",
          "[sigkill]") {
  const std::string db = create_database("sigkill_notx");
  const Workspace ws = make_workspace("sigkill_notx");
  ws.migration(
      "0001_slow.up.sql",
      "-- pgfleet: no-transaction\nSELECT pg_sleep(2);\nCREATE TABLE slow_done (x int);\n");
  apply_and_kill(ws, db);
  CHECK(scalar(db, "SELECT state FROM pgfleet.schema_migrations WHERE version = 1") == "pending");
  const CliRun rerun = run_cli(apply_args(ws, db, "b"), ws.dir);
  INFO(rerun.all());
  CHECK(rerun.code == 1);
  const json record = tenant_record(only_run_dir(ws.results("b")), db);
  CHECK(record["status"] == "dirty");
  // Nothing ran again: the claim stays for a human (`pgfleet repair`).
  CHECK(scalar(db, "SELECT state FROM pgfleet.schema_migrations WHERE version = 1") == "pending");
}
