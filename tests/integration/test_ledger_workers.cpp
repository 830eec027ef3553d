// Workers sharing one run through the ledger (docs/LEDGER.md): every tenant migrated exactly once
// however many workers start together, a dead worker's tenants finished by the others, a worker
// with another migration set refused, the failure policy held for the whole run.
#include <catch2/catch.hpp>
#include <csignal>
#include <set>
#include <thread>

#include "fleet_fixture.hpp"
#include "ledger_support.hpp"
#include "test_env.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;

namespace {

// tenant id -> how many tenants.jsonl lines name it, over every worker's results directory.
std::map<std::string, int> lines_per_tenant(const LedgerFleet& fleet,
                                            const std::vector<std::string>& steps) {
  std::map<std::string, int> seen;
  for (const auto& step : steps) {
    for (const json& line : tenant_lines(only_run_dir(fleet.ws.results(step)))) {
      ++seen[line["tenant_id"].get<std::string>()];
    }
  }
  return seen;
}

// Rows of every tenant's history table with `where`, summed over the fleet.
long history_rows(const LedgerFleet& fleet, const std::string& where) {
  long rows = 0;
  for (const auto& id : fleet.ids) {
    rows += std::stol(scalar(
        fleet.db, "SELECT count(*) FROM " + id + ".pgfleet_schema_migrations WHERE " + where));
  }
  return rows;
}

}  // namespace

TEST_CASE("ledger: three workers share one run and migrate every tenant exactly once", "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_three", 150);
  fleet.ws.migration("0001_items.up.sql", "CREATE TABLE items (id int);\n");
  fleet.ws.migration("0002_slow.up.sql", "SELECT pg_sleep(0.02);\nALTER TABLE items ADD x int;\n");
  const std::string run = "release-three";
  std::vector<BackgroundRun> workers;
  for (const std::string step : {"a", "b", "c"}) {
    workers.push_back(
        start_cli(fleet.ws, worker_args(fleet, run, step, "--concurrency 4"), "worker-" + step));
  }
  for (auto& w : workers) {
    const CliRun done = w.done.get();
    INFO(done.all());
    CHECK(done.code == 0);
  }
  // Each tenant once in the results of exactly one worker, and in the ledger once.
  const auto seen = lines_per_tenant(fleet, {"a", "b", "c"});
  CHECK(seen.size() == 150);
  for (const auto& [id, count] : seen) CHECK(count == 1);
  CHECK(history_rows(fleet, "run_id = '" + run + "' AND state = 'applied'") == 300);
  CHECK(history_rows(fleet, "true") == 300);
  CHECK(ledger_scalar(fleet, "SELECT count(*) FROM pgfleet_ledger.tenants WHERE run_id = '" + run +
                                 "' AND state = 'done' AND status = 'applied'") == "150");
  CHECK(ledger_scalar(fleet, "SELECT max(attempts) FROM pgfleet_ledger.tenants") == "1");
  // The work was spread: every worker ran some tenants.
  CHECK(ledger_scalar(fleet, "SELECT count(DISTINCT worker) FROM pgfleet_ledger.tenants") == "3");
  CHECK(ledger_scalar(fleet, "SELECT finished_at IS NOT NULL FROM pgfleet_ledger.runs") == "t");
  CHECK(ledger_scalar(fleet, "SELECT max(version) FROM pgfleet_ledger.schema_version") == "1");
}

TEST_CASE("ledger: a worker with another migration set or target is refused and touches nothing",
          "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_refuse", 5);
  fleet.ws.migration("0001_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string run = "release-refuse";
  const CliRun first = run_cli(worker_args(fleet, run, "a", "--target 1"), fleet.ws.dir);
  INFO(first.all());
  REQUIRE(first.code == 0);
  fleet.ws.migration("0002_more.up.sql", "CREATE TABLE more (id int);\n");
  const CliRun other_set = run_cli(worker_args(fleet, run, "b", ""), fleet.ws.dir);
  INFO(other_set.all());
  CHECK(other_set.code == 2);
  CHECK(other_set.err.find("another migration set") != std::string::npos);
  const CliRun other_target = run_cli(worker_args(fleet, run, "c", "--target 2"), fleet.ws.dir);
  INFO(other_target.all());
  CHECK(other_target.code == 2);
  // Nothing touched: no results directory, no history row of version 2.
  CHECK_FALSE(std::filesystem::exists(fleet.ws.results("b")));
  CHECK_FALSE(std::filesystem::exists(fleet.ws.results("c")));
  CHECK(history_rows(fleet, "version = 2") == 0);
}

TEST_CASE("ledger: a worker killed mid-run leaves its tenants to the others after its lease",
          "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_kill", 60);
  fleet.ws.migration("0001_slow.up.sql", "SELECT pg_sleep(0.2);\nCREATE TABLE items (id int);\n");
  const std::string run = "release-kill";
  const std::string flags = "--concurrency 3 --lease 2s";
  BackgroundRun victim = start_cli(fleet.ws, worker_args(fleet, run, "a", flags), "victim");
  BackgroundRun b = start_cli(fleet.ws, worker_args(fleet, run, "b", flags), "b");
  BackgroundRun c = start_cli(fleet.ws, worker_args(fleet, run, "c", flags), "c");
  const long pid = victim.pid();
  REQUIRE(pid > 0);
  // Kill it while it holds running tenants.
  const std::string running =
      "SELECT count(*) FROM pgfleet_ledger.tenants WHERE state = "
      "'running' AND worker LIKE '%:" +
      std::to_string(pid) + "'";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ledger_scalar(fleet, "SELECT to_regclass('pgfleet_ledger.tenants') IS NOT NULL") == "t" &&
        ledger_scalar(fleet, running) != "0") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(ledger_scalar(fleet, running) != "0");
  REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
  CHECK(victim.done.get().code == 128 + SIGKILL);
  for (auto* w : {&b, &c}) {
    const CliRun done = w->done.get();
    INFO(done.all());
    CHECK(done.code == 0);
  }
  // Every tenant `applied`: also one the victim finished before its line reached the ledger,
  // claimed again after its lease (its history rows carry the run id).
  CHECK(ledger_scalar(fleet,
                      "SELECT count(*) FROM pgfleet_ledger.tenants WHERE state = 'done' "
                      "AND status = 'applied'") == "60");
  CHECK(ledger_scalar(fleet, "SELECT count(*) FROM pgfleet_ledger.tenants WHERE attempts > 1") !=
        "0");
  // Nothing applied twice, no pending row, no lock left.
  CHECK(history_rows(fleet, "version = 1 AND state = 'applied'") == 60);
  CHECK(history_rows(fleet, "state <> 'applied'") == 0);
  for (const auto& id : fleet.ids) {
    CHECK(scalar(fleet.db, "SELECT to_regclass('" + id + ".items') IS NOT NULL") == "t");
  }
  CHECK(scalar(fleet.db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == "0");
}

TEST_CASE("ledger: a failed canary stops the run for every worker before the rest starts",
          "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_canary", 30);
  fleet.ws.migration("0001_items.up.sql",
                     "SELECT pg_sleep(0.05);\nDO $$ BEGIN IF current_schema() = 't002' THEN RAISE "
                     "EXCEPTION 'bad canary'; END IF; END $$;\nCREATE TABLE items (id int);\n");
  const std::string run = "release-canary";
  auto a = start_cli(fleet.ws, worker_args(fleet, run, "a", "--concurrency 2 --canary 3"), "a");
  auto b = start_cli(fleet.ws, worker_args(fleet, run, "b", "--concurrency 2 --canary 3"), "b");
  for (auto* w : {&a, &b}) {
    const CliRun done = w->done.get();
    INFO(done.all());
    CHECK(done.code == 1);
  }
  CHECK(ledger_scalar(fleet, "SELECT stop_reason FROM pgfleet_ledger.runs") == "canary failed");
  // Only canaries ran: tenants after the first three never started.
  CHECK(ledger_scalar(fleet,
                      "SELECT count(*) FROM pgfleet_ledger.tenants WHERE ordinal >= 3 AND "
                      "status IN ('applied', 'failed')") == "0");
  CHECK(std::stoi(scalar(fleet.db,
                         "SELECT count(*) FROM pg_class WHERE relname = "
                         "'pgfleet_schema_migrations'")) <= 3);
}

TEST_CASE("ledger: a worker stopped by SIGINT leaves nothing running and another finishes the run",
          "[ledger]") {
  const LedgerFleet fleet = make_ledger_fleet("ledger_sigint", 12);
  fleet.ws.migration("0001_slow.up.sql", "SELECT pg_sleep(0.3);\nCREATE TABLE items (id int);\n");
  const std::string run = "release-sigint";
  BackgroundRun first =
      start_cli(fleet.ws, worker_args(fleet, run, "a", "--concurrency 4"), "first");
  const long pid = first.pid();
  REQUIRE(pid > 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         (ledger_scalar(fleet, "SELECT to_regclass('pgfleet_ledger.tenants') IS NOT NULL") != "t" ||
          ledger_scalar(fleet,
                        "SELECT count(*) FROM pgfleet_ledger.tenants WHERE state = "
                        "'running'") == "0")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(::kill(static_cast<pid_t>(pid), SIGINT) == 0);
  const CliRun stopped = first.done.get();
  INFO(stopped.all());
  CHECK(stopped.code == 130);
  // Its running tenants finished (grace), the others went back to the queue or were never
  // claimed: nothing is left running, and the run is not stopped for the other workers.
  CHECK(ledger_scalar(fleet,
                      "SELECT count(*) FROM pgfleet_ledger.tenants WHERE state = "
                      "'running'") == "0");
  CHECK(ledger_scalar(fleet, "SELECT stop_reason IS NULL FROM pgfleet_ledger.runs") == "t");
  const CliRun second = run_cli(worker_args(fleet, run, "b", "--concurrency 4"), fleet.ws.dir);
  INFO(second.all());
  CHECK(second.code == 0);
  CHECK(ledger_scalar(fleet,
                      "SELECT count(*) FROM pgfleet_ledger.tenants WHERE state = 'done' "
                      "AND status = 'applied'") == "12");
  CHECK(history_rows(fleet, "version = 1") == 12);
}
