// --max-lock-hold end to end: the locks apply reads before COMMIT reach summary.json's gates
// (docs/PREFLIGHT.md, "Forecast").
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;

namespace {

json summary_of(const std::string& results) {
  std::ifstream in(only_run_dir(results) + "/summary.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

}  // namespace

TEST_CASE("lock gate: an ALTER held past --max-lock-hold trips and names the table",
          "[cli][locks]") {
  const Workspace ws = make_workspace("lock_gate");
  ws.migration("0001_alter.up.sql", "ALTER TABLE t ADD COLUMN c int;\nSELECT pg_sleep(0.3);\n");
  const std::string short_db = create_database("lock_gate_a");
  const std::string long_db = create_database("lock_gate_b");
  query(short_db, "CREATE TABLE t (id int)");
  query(long_db, "CREATE TABLE t (id int)");

  const std::string tight =
      tenants_file(ws, json::array({{{"id", "tight"}, {"connection_string", dsn_for(short_db)}}}));
  const CliRun trip =
      run_cli(apply_over_tenants_file(ws, tight, ws.results("tight")) + " --max-lock-hold 100ms");
  INFO(trip.all());
  CHECK(trip.code == 1);
  const json gates = summary_of(ws.results("tight"))["gates"];
  REQUIRE(gates.size() == 1);
  CHECK(gates[0]["gate"] == "max-lock-hold");
  CHECK(gates[0]["relation"] == "t");
  CHECK(gates[0]["mode"] == "AccessExclusiveLock");

  const std::string loose =
      tenants_file(ws, json::array({{{"id", "loose"}, {"connection_string", dsn_for(long_db)}}}));
  const CliRun pass =
      run_cli(apply_over_tenants_file(ws, loose, ws.results("loose")) + " --max-lock-hold 10s");
  INFO(pass.all());
  CHECK(pass.code == 0);
  CHECK(summary_of(ws.results("loose"))["gates"].empty());
}
