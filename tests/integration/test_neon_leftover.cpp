// End to end against the Neon emulator: a preflight branch an earlier run left behind (here kept
// with --neon-keep-branch, as a crash would leave it) is named on the next preflight's console
// with its age and the cleanup command, listed in summary.json, and the run still exits 0; once
// `neon cleanup` has removed it, the next preflight warns about nothing (docs/NEON.md).
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "cli_support.hpp"
#include "neon_cli_support.hpp"
#include "neon_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;

namespace {

json neon_summary_of(const std::string& results) {
  std::ifstream in(only_run_dir(results) + "/summary.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str()).at("neon");
}

// The console lines that warn about a leftover branch.
std::vector<std::string> leftover_warnings(const CliRun& run) {
  std::vector<std::string> found;
  std::istringstream in(run.err);
  for (std::string line; std::getline(in, line);) {
    if (line.find("left behind by an earlier run") != std::string::npos) found.push_back(line);
  }
  return found;
}

}  // namespace

TEST_CASE(
    "neon-cli: a preflight branch left behind is warned about on the next preflight until neon "
    "cleanup removes it",
    "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_cli_leftover");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string tenants = ws.dir + "/tenants.json";
  write_file(tenants,
             json::array({{{"id", "a"},
                           {"connection_string", emu.parent_dsn("tenant_a", ParentHost::direct)}}})
                 .dump());
  const std::string project = emu.project_id();

  // The branch a crashed run would leave: kept on purpose here.
  const CliRun kept =
      run_cli(preflight_args("plan", emu, ws, tenants, ws.results("kept"), "--neon-keep-branch"),
              ws.dir, neon_env(emu));
  INFO(kept.all());
  REQUIRE(kept.code == 0);
  REQUIRE(leftover_warnings(kept).empty());
  const std::string leftover = neon_summary_of(ws.results("kept")).at("branch_name");

  const CliRun warned = run_cli(preflight_args("apply", emu, ws, tenants, ws.results("warned")),
                                ws.dir, neon_env(emu));
  INFO(warned.all());
  REQUIRE(warned.code == 0);
  const std::vector<std::string> lines = leftover_warnings(warned);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(leftover) != std::string::npos);
  CHECK(lines[0].find(" old") != std::string::npos);  // its age, from created_at
  CHECK(lines[0].find("pgfleet neon cleanup --neon-project " + project) != std::string::npos);
  const json neon = neon_summary_of(ws.results("warned"));
  INFO(neon.dump());
  CHECK(neon.at("deleted") == true);  // this run's own branch is still deleted
  CHECK(neon.at("leftover_branches") == json::array({leftover}));
  CHECK(warned.all().find(emu.api_key()) == std::string::npos);

  const CliRun cleanup =
      run_cli("neon cleanup --neon-project " + sh_quote(project) + " --older-than 0 --yes", ws.dir,
              neon_env(emu));
  INFO(cleanup.all());
  REQUIRE(cleanup.code == 0);
  CHECK(cleanup.out.find(leftover) != std::string::npos);

  const CliRun clean =
      run_cli(preflight_args("plan", emu, ws, tenants, ws.results("clean")), ws.dir, neon_env(emu));
  INFO(clean.all());
  REQUIRE(clean.code == 0);
  CHECK(leftover_warnings(clean).empty());
  CHECK_FALSE(neon_summary_of(ws.results("clean")).contains("leftover_branches"));
  emu.reset();
}
