// End-to-end fleet runs through the pgfleet binary on a real fleet of tenant databases.
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "fleet_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;

namespace {

std::map<std::string, json> tenant_records(const std::string& run_dir) {
  std::map<std::string, json> records;
  std::istringstream lines(read_text(run_dir + "/tenants.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    const json record = json::parse(line);  // throws: the test fails on a broken line
    records[record.at("tenant_id").get<std::string>() +
            (records.count(record.at("tenant_id").get<std::string>()) ? "#2" : "")] = record;
  }
  return records;
}

// Samples how many pgfleet connections the server sees busy on databases named `db_prefix`*,
// until stopped (other tests may run pgfleet at the same time on other databases). Idle ones are
// left out: a backend whose client has closed the connection still shows, idle, while it exits,
// and with a tenant done in a few round trips the next tenant's connection overlaps it.
class ConnectionSampler {
 public:
  explicit ConnectionSampler(std::string db_prefix) : like_(std::move(db_prefix)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        const int n = std::stoi(
            scalar("postgres",
                   "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'pgfleet/%' "
                   "AND state <> 'idle' AND datname LIKE '" +
                       like_ + "%'"));
        peak_ = std::max(peak_.load(), n);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }
  int stop() {
    stop_ = true;
    thread_.join();
    return peak_;
  }

 private:
  std::string like_;
  std::atomic<bool> stop_{false};
  std::atomic<int> peak_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("a fleet apply migrates every good tenant and records each bad one", "[fleet]") {
  Fleet fleet = make_fleet("fleetapply", 50, BadRows::include, 0.05);
  const std::string results = fleet.work_dir + "/results";
  const std::string flags = "--control-plane '" + fleet.control_plane_url + "' --migrations '" +
                            fleet.migrations_dir + "' --results-dir '" + results + "' --yes";
  std::string output;

  ConnectionSampler sampler("fleetapply_t");
  // The closed port's tenant gives up after a short retry window (the default is 15 s).
  const int code = run_pgfleet(
      "apply " + flags + " --concurrency 6 --per-host 4 --connect-retry-window 1s", output);
  const int peak = sampler.stop();
  INFO(output);
  CHECK(code == 1);  // bad rows are not ok
  CHECK(peak >= 1);
  CHECK(peak <= 4);  // every tenant is on one host:port: --per-host 4 caps below --concurrency 6

  const std::string run_dir = newest_run_dir(results);
  auto records = tenant_records(run_dir);
  for (const std::string& db : fleet.tenant_dbs) {
    REQUIRE(records.count(db));
    CHECK(records[db]["status"] == "applied");
    CHECK(records[db]["to_version"] == 3);
    CHECK(applied_versions(db) == std::vector<long long>{1, 2, 3});
  }
  CHECK(records[""]["status"] == "invalid");
  CHECK(records["dup"]["status"] == "invalid");
  CHECK(records["hostless"]["status"] == "invalid");
  CHECK(records["unparsable"]["status"] == "invalid");
  CHECK(records["closed_port"]["status"] == "unreachable");
  CHECK(records["wrong_password"]["status"] == "failed");
  CHECK(records["wrong_password"]["error"]["sqlstate"] == "28P01");
  CHECK(records.count("inactive") == 0);

  const json summary = json::parse(read_text(run_dir + "/summary.json"));
  CHECK(summary["counts"]["applied"] == 50);
  CHECK(summary["exit_code"] == 1);
  CHECK(read_text(run_dir + "/junit.xml").find("<testsuite") != std::string::npos);

  // The canary password never leaks, in any form, into results or output.
  const std::string everything = read_tree(results) + output;
  CHECK(everything.find(kCanaryPassword) == std::string::npos);
  CHECK(everything.find(canary_password_encoded()) == std::string::npos);
  CHECK(everything.find("c@n:a/r") == std::string::npos);

  SECTION("a rerun is a no-op, and rollback --run brings the applied tenants back") {
    CHECK(run_pgfleet("apply " + flags, output) == 1);
    auto rerun = tenant_records(newest_run_dir(results));
    for (const std::string& db : fleet.tenant_dbs) CHECK(rerun[db]["status"] == "up_to_date");

    const std::string run_id = run_dir.substr(run_dir.rfind('/') + 1);
    const int rollback = run_pgfleet("rollback --run " + run_id + " " + flags, output);
    INFO(output);
    CHECK(rollback == 0);
    for (const std::string& db : fleet.tenant_dbs) {
      CHECK(applied_versions(db).empty());
      CHECK_FALSE(table_exists(db, "accounts"));
    }
  }
}

TEST_CASE("flag --concurrency bounds the connections of a fleet run", "[fleet]") {
  Fleet fleet = make_fleet("fleetconc", 20, BadRows::none, 0.1);
  std::string output;
  ConnectionSampler sampler("fleetconc_t");
  const int code = run_pgfleet("apply --control-plane '" + fleet.control_plane_url +
                                   "' --migrations '" + fleet.migrations_dir + "' --results-dir '" +
                                   fleet.work_dir + "/results' --yes --concurrency 3",
                               output);
  const int peak = sampler.stop();
  INFO(output);
  CHECK(code == 0);
  CHECK(peak >= 2);
  CHECK(peak <= 3);
}

TEST_CASE("SIGINT mid-run leaves parsable results and no half-applied tenant", "[fleet]") {
  Fleet fleet = make_fleet("fleetint", 12, BadRows::none, 0.4);
  const std::string results = fleet.work_dir + "/results";
  std::string output;
  // timeout sends SIGINT after 1.5 s and passes pgfleet's own exit code through.
  const int code = run_pgfleet("apply --control-plane '" + fleet.control_plane_url +
                                   "' --migrations '" + fleet.migrations_dir + "' --results-dir '" +
                                   results + "' --yes --concurrency 2",
                               output, ".", "timeout --preserve-status -s INT 1.5");
  INFO(output);
  CHECK(code == 130);
  const std::string run_dir = newest_run_dir(results);
  auto records = tenant_records(run_dir);  // every line parses
  CHECK(records.size() == fleet.tenant_dbs.size());
  int cancelled = 0;
  for (const std::string& db : fleet.tenant_dbs) {
    REQUIRE(records.count(db));
    cancelled += records[db]["status"] == "cancelled";
    // The history and the schema agree: each migration is all there or not at all.
    const auto versions = applied_versions(db);
    const bool has1 = std::count(versions.begin(), versions.end(), 1) > 0;
    const bool has2 = std::count(versions.begin(), versions.end(), 2) > 0;
    CHECK(table_exists(db, "accounts") == has1);
    CHECK(table_exists(db, "projects") == has2);
  }
  CHECK(cancelled > 0);
  const json summary = json::parse(read_text(run_dir + "/summary.json"));
  CHECK(summary["exit_code"] == 130);
}
