// The report files of real runs (docs/PREFLIGHT.md, "The report"): report.html rendered by a
// real browser (headless Chromium), summary.md and $GITHUB_STEP_SUMMARY, the gates end to end,
// `pgfleet report RUN_ID`, and the results directory of plan and status.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "neon_cli_support.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kHostileId = "<img src=x onerror=alert(1)>";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command; returns its stdout, and its exit code in `code`.
std::string shell(const std::string& command, int& code) {
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return out;
}

// Headless Chromium on a file: the DOM it built (--dump-dom) or a screenshot. A missing browser
// fails the test (scripts/install-deps.sh installs it).
std::string chromium(const std::string& args, const std::string& file) {
  const std::string profile = temp_dir("pgfleet-chromium");
  int code = -1;
  const std::string out = shell(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu "
      "--user-data-dir=" +
          sh_quote(profile) + " " + args + " " + sh_quote("file://" + file) + " 2>/dev/null",
      code);
  INFO("chromium " << args);
  REQUIRE(code == 0);
  return out;
}

// Two migrations; the second ALTERs a table only some tenants have (42P01 on the others).
void write_set(const Workspace& ws) {
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id bigserial PRIMARY KEY);\n");
  ws.migration("0001_create_items.down.sql", "DROP TABLE items;\n");
  ws.migration("0002_alter_legacy.up.sql", "ALTER TABLE legacy ADD COLUMN note text;\n");
  ws.migration("0002_alter_legacy.down.sql", "ALTER TABLE legacy DROP COLUMN note;\n");
}

}  // namespace

TEST_CASE("report: a real run's report.html in headless Chromium shows the run and escapes ids",
          "[cli][report]") {
  const Workspace ws = make_workspace("report_browser");
  write_set(ws);
  const std::string good = create_database("report_good");
  const std::string hostile = create_database("report_hostile");
  const std::string broken = create_database("report_broken");
  query(good, "CREATE TABLE legacy (id int)");
  query(hostile, "CREATE TABLE legacy (id int)");
  const std::string tenants =
      tenants_file(ws, json::array({{{"id", "good"}, {"connection_string", dsn_for(good)}},
                                    {{"id", kHostileId}, {"connection_string", dsn_for(hostile)}},
                                    {{"id", "broken"}, {"connection_string", dsn_for(broken)}}}));
  const std::string step_summary = ws.dir + "/step_summary.md";
  const CliRun run = run_cli(apply_over_tenants_file(ws, tenants, ws.results("apply")), ws.dir,
                             "GITHUB_STEP_SUMMARY=" + sh_quote(step_summary));
  INFO(run.all());
  REQUIRE(run.code == 1);  // broken failed
  CHECK_THAT(run.err, Catch::Contains("forecast:"));
  CHECK_THAT(run.err, Catch::Contains("alter_legacy"));
  const std::string dir = only_run_dir(ws.results("apply"));
  const std::string run_id = run_id_of(dir);
  const std::string html_path = dir + "/report.html";
  REQUIRE(fs::exists(html_path));

  const std::string dom = chromium("--dump-dom", html_path);
  CHECK_THAT(dom, Catch::Contains(run_id));
  CHECK_THAT(dom, Catch::Contains("applied <b>2</b>"));
  CHECK_THAT(dom, Catch::Contains("failed <b>1</b>"));
  CHECK_THAT(dom, Catch::Contains("create_items"));
  CHECK_THAT(dom, Catch::Contains("alter_legacy"));
  CHECK_THAT(dom, Catch::Contains("42P01"));
  CHECK_THAT(dom, Catch::Contains("&lt;img src=x onerror=alert(1)&gt;"));  // the id, as text
  CHECK(dom.find("<img") == std::string::npos);                            // never an element
  CHECK(dom.find("<script") == std::string::npos);

  const std::string png = temp_dir("pgfleet-shot") + "/report.png";
  chromium("--screenshot=" + sh_quote(png) + " --window-size=900,1400", html_path);
  REQUIRE(fs::exists(png));
  int code = -1;
  const std::string colours = shell(
      "python3 " + sh_quote(std::string(PGFLEET_SOURCE_DIR) + "/tests/integration/png_colours.py") +
          " " + sh_quote(png),
      code);
  REQUIRE(code == 0);
  CHECK(std::stoi(colours) > 10);  // not blank: text, bars and the histogram

  const std::string md = slurp(dir + "/summary.md");
  CHECK_THAT(md, Catch::Contains(run_id));
  CHECK_THAT(md, Catch::Contains("42P01"));
  CHECK(md.find(kHostileId) == std::string::npos);
  CHECK(slurp(step_summary) == md + "\n");
}

TEST_CASE("report: --max-duration trips on a slow migration exits 1 and keeps statuses",
          "[cli][report]") {
  const Workspace ws = make_workspace("report_gates");
  ws.migration("0001_slow.up.sql", "CREATE TABLE t (id int);\nSELECT pg_sleep(0.4);\n");
  const std::string db = create_database("report_gate");
  const std::string tenants =
      tenants_file(ws, json::array({{{"id", "slowpoke"}, {"connection_string", dsn_for(db)}}}));

  const CliRun bad =
      run_cli(apply_over_tenants_file(ws, tenants, ws.results("bad")) + " --max-lock-hold 5 ");
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("--max-lock-hold"));
  CHECK_FALSE(fs::exists(ws.results("bad")));

  // From pgfleet.json, like every flag.
  write_file(ws.dir + "/pgfleet.json", R"({"max-duration": "150ms", "max-lock-hold": "1h"})");
  const CliRun run = run_cli(apply_over_tenants_file(ws, tenants, ws.results("gate")), ws.dir);
  INFO(run.all());
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("gates: 1 trip(s)"));
  const std::string dir = only_run_dir(ws.results("gate"));
  CHECK(tenant_record(dir, "slowpoke")["status"] == "applied");
  const json summary = json::parse(slurp(dir + "/summary.json"));
  CHECK(summary["exit_code"] == 1);
  REQUIRE(summary["gates"].size() == 1);
  CHECK(summary["gates"][0]["gate"] == "max-duration");
  CHECK(summary["gates"][0]["migration"] == 1);
  CHECK(summary["gates"][0]["tenant"] == "slowpoke");
  CHECK(summary["gates"][0]["ms"].get<long>() >= 400);
  CHECK(summary["gate_limits"]["max_duration_ms"] == 150);
  REQUIRE(summary["forecast"].size() == 1);
  CHECK(summary["forecast"][0]["tenants"] == 1);
  CHECK(summary["forecast"][0]["duration_ms"]["max"].get<long>() >= 400);
  CHECK_THAT(slurp(dir + "/report.html"), Catch::Contains("max-duration"));
}

TEST_CASE("report: pgfleet report RUN_ID rebuilds the files and skips damaged lines",
          "[cli][report]") {
  const Workspace ws = make_workspace("report_rebuild");
  write_set(ws);
  const std::string db = create_database("report_rebuild");
  query(db, "CREATE TABLE legacy (id int)");
  const std::string tenants =
      tenants_file(ws, json::array({{{"id", "acme"}, {"connection_string", dsn_for(db)}}}));
  REQUIRE(run_cli(apply_over_tenants_file(ws, tenants, ws.results("r"))).code == 0);
  const std::string dir = only_run_dir(ws.results("r"));
  const json before = json::parse(slurp(dir + "/summary.json"));
  for (const char* name : {"summary.json", "junit.xml", "summary.md", "report.html"}) {
    fs::remove(dir + "/" + name);
  }
  std::ofstream(dir + "/tenants.jsonl", std::ios::app) << "{\"tenant_id\": \"cut\n";

  const CliRun rebuilt =
      run_cli("report " + run_id_of(dir) + " --results-dir " + sh_quote(ws.results("r")));
  INFO(rebuilt.all());
  CHECK(rebuilt.code == 0);
  CHECK_THAT(rebuilt.err, Catch::Contains("tenants.jsonl:2: not a tenant record; skipped"));
  CHECK_THAT(rebuilt.out, Catch::Contains(dir + "/report.html"));
  CHECK_THAT(rebuilt.err, Catch::Contains("summary.json is missing"));
  const json after = json::parse(slurp(dir + "/summary.json"));
  CHECK(after["counts"] == before["counts"]);
  CHECK(after["forecast"] == before["forecast"]);
  CHECK(after["run_id"] == before["run_id"]);
  CHECK_THAT(slurp(dir + "/junit.xml"), Catch::Contains("acme"));
  CHECK_THAT(slurp(dir + "/report.html"), Catch::Contains("alter_legacy"));
  CHECK(fs::exists(dir + "/summary.md"));

  const CliRun missing =
      run_cli("report 20200101T000000Z-dead --results-dir " + sh_quote(ws.results("r")));
  CHECK(missing.code == 2);
}

TEST_CASE("report: plan status and rollback write a results directory with report.html",
          "[cli][report]") {
  const Workspace ws = make_workspace("report_plan");
  write_set(ws);
  const std::string db = create_database("report_plan");
  const std::string fleet =
      "--migrations " + sh_quote(ws.migrations) + " --dsn " + sh_quote(dsn_for(db));
  for (const std::string command : {"plan", "status"}) {
    const CliRun run =
        run_cli(command + " " + fleet + " --results-dir " + sh_quote(ws.results(command)));
    INFO(run.all());
    CHECK(run.code == 0);
    const std::string dir = only_run_dir(ws.results(command));
    CHECK(json::parse(slurp(dir + "/summary.json"))["command"] == command);
    CHECK(tenant_record(dir, db)["status"] == "pending");
    CHECK_THAT(slurp(dir + "/report.html"), Catch::Contains("pgfleet " + command));
    CHECK(fs::exists(dir + "/summary.md"));
    CHECK(fs::is_empty(dir + "/rollback"));  // no rollback scripts
  }
  CHECK_FALSE(history_table_exists(db));  // both are read-only

  // rollback too: apply both, roll back to 1.
  query(db, "CREATE TABLE legacy (id int)");
  REQUIRE(run_cli("apply --yes " + fleet + " --results-dir " + sh_quote(ws.results("up"))).code ==
          0);
  const CliRun back = run_cli("rollback --yes --target 1 " + fleet + " --results-dir " +
                              sh_quote(ws.results("rollback")));
  INFO(back.all());
  CHECK(back.code == 0);
  const std::string dir = only_run_dir(ws.results("rollback"));
  const std::string html = slurp(dir + "/report.html");
  CHECK_THAT(html, Catch::Contains("pgfleet rollback"));
  CHECK_THAT(html, Catch::Contains("alter_legacy"));  // the .down it ran, with its duration
}

TEST_CASE("report: a Neon preflight ends with the forecast table even with --quiet",
          "[cli][report][neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("report_neon");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string tenants = tenants_file(
      ws, json::array({{{"id", "a"},
                        {"connection_string", emu.parent_dsn("tenant_a", ParentHost::direct)}}}));
  const CliRun run = run_cli(
      preflight_args("apply", emu, ws, tenants, ws.results("r"), "--quiet --max-duration 1h"),
      ws.dir, neon_env(emu));
  INFO(run.all());
  REQUIRE(run.code == 0);
  CHECK_THAT(run.err, Catch::Contains("forecast:"));
  CHECK_THAT(run.err, Catch::Contains("create_items"));
  CHECK_THAT(run.err, Catch::Contains("gates: passed"));
  const std::string dir = only_run_dir(ws.results("r"));
  CHECK_THAT(slurp(dir + "/report.html"), Catch::Contains("pgfleet-preflight-" + run_id_of(dir)));
  CHECK(json::parse(slurp(dir + "/summary.json"))["forecast"][0]["tenants"] == 1);
}
