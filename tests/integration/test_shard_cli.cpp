// --shard K/N and index/N (docs/SCALING.md, "Shards without a ledger") through the pgfleet
// binary: three processes with JOB_COMPLETION_INDEX=0,1,2 split a real fleet disjointly, and a
// bad shard is refused before anything is created or touched.
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string fleet_flags(const Fleet& fleet, const std::string& results) {
  return "--control-plane " + sh_quote(fleet.control_plane_url) + " --migrations " +
         sh_quote(fleet.migrations_dir) + " --results-dir " + sh_quote(results) + " --yes";
}

}  // namespace

TEST_CASE("shard: index/3 as three processes covers the fleet once", "[shard]") {
  const Fleet fleet = make_fleet("shardidx", 24, BadRows::none, 0);
  std::vector<std::future<CliRun>> workers;
  for (int index = 0; index < 3; ++index) {
    const std::string results = fleet.work_dir + "/results-" + std::to_string(index);
    workers.push_back(std::async(std::launch::async, [=] {
      return run_cli("apply --shard index/3 " + fleet_flags(fleet, results), fleet.work_dir,
                     "JOB_COMPLETION_INDEX=" + std::to_string(index));
    }));
  }
  std::map<std::string, std::string> run_of;  // tenant -> the run that applied it
  for (int index = 0; index < 3; ++index) {
    const CliRun run = workers[static_cast<std::size_t>(index)].get();
    INFO(run.all());
    CHECK(run.code == 0);
    const std::string run_dir = only_run_dir(fleet.work_dir + "/results-" + std::to_string(index));
    const auto lines = tenant_lines(run_dir);
    CHECK(lines.size() < fleet.tenant_dbs.size());  // a real split, not the whole fleet
    for (const json& line : lines) {
      const std::string id = line["tenant_id"];
      CHECK(line["status"] == "applied");
      CHECK(run_of.count(id) == 0);  // no tenant in two shards
      run_of[id] = run_id_of(run_dir);
    }
    const json record = json::parse(read_text(run_dir + "/run.json"));
    CHECK(record["options"]["shard"] == std::to_string(index) + "/3");
  }
  CHECK(run_of.size() == fleet.tenant_dbs.size());
  for (const std::string& db : fleet.tenant_dbs) {
    CHECK(applied_versions(db) == std::vector<long long>{1, 2, 3});
    // Applied once, by the run of its shard.
    CHECK(scalar(db, "SELECT string_agg(DISTINCT run_id, ',') FROM pgfleet.schema_migrations") ==
          run_of[db]);
  }
}

TEST_CASE("shard: bad --shard values exit 2 before anything is created", "[shard]") {
  const Fleet fleet = make_fleet("shardbad", 2, BadRows::none, 0);
  const std::string results = fleet.work_dir + "/results";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"index/3", ""},                          // JOB_COMPLETION_INDEX not set
      {"index/3", "JOB_COMPLETION_INDEX=3"},    // K must be below N
      {"index/3", "JOB_COMPLETION_INDEX=abc"},  // not a number
      {"index/3", "JOB_COMPLETION_INDEX="},     // empty
      {"index/0", "JOB_COMPLETION_INDEX=0"},    // N must be at least 1
      {"index/x", "JOB_COMPLETION_INDEX=0"},
      {"3/3", ""},
      {"1/0", ""},
      {"a/2", ""},
      {"1", ""},
  };
  for (const auto& [shard, env] : cases) {
    const CliRun run =
        run_cli("apply --shard " + sh_quote(shard) + " " + fleet_flags(fleet, results),
                fleet.work_dir, env);
    INFO(shard << " with '" << env << "': " << run.all());
    CHECK(run.code == 2);
    CHECK(run.err.find("--shard") != std::string::npos);
  }
  const CliRun unset = run_cli("apply --shard index/3 " + fleet_flags(fleet, results));
  CHECK(unset.err.find("JOB_COMPLETION_INDEX") != std::string::npos);
  CHECK_FALSE(fs::exists(results));
  for (const std::string& db : fleet.tenant_dbs) CHECK_FALSE(history_table_exists(db));
}
