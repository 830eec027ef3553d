// report.html, summary.md, tenants.jsonl read back and `pgfleet report`'s rebuild
// (docs/PREFLIGHT.md, "The report"), without a database.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "outcome_builders.hpp"
#include "pgfleet/results/html_escape.hpp"
#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/results/outcome_reading.hpp"
#include "pgfleet/results/report_html.hpp"
#include "pgfleet/results/run_rebuild.hpp"
#include "pgfleet/results/summary_json.hpp"
#include "pgfleet/results/summary_markdown.hpp"
#include "pgfleet/results/summary_writer.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kHostile = "<img src=x onerror=alert(1)>";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<TenantOutcome> sample_tenants() {
  return {
      applied_with("acme",
                   {measured(1, "create_items", 40),
                    measured(2, "alter_items", 300, {{"public.items", "AccessExclusiveLock"}})}),
      applied_with(kHostile, {measured(1, "create_items", 20)}),
      failed_with("globex", 2, "42P01", "relation \"<items>\" does not exist"),
  };
}

RunRecord sample_record() {
  RunRecord r;
  r.info.run_id = "20261124T050607Z-a1b2";
  r.info.command = Command::apply;
  r.info.tenant_count = 3;
  r.info.started_at =
      std::chrono::system_clock::from_time_t(1795496767) + std::chrono::milliseconds(123);
  RunSummary done;
  done.exit_code = 1;
  done.finished_at = r.info.started_at + std::chrono::seconds(12);
  r.finished = done;
  r.migrations = {{1, "create_items", "sum1"}, {2, "alter_items", "sum2"}};
  r.gate_limits.max_lock_hold_ms = 100;
  for (const TenantOutcome& t : sample_tenants()) r.add(t);
  return r;
}

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pgfleet-report-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("html_escape makes every untrusted character inert", "[report]") {
  CHECK(html_escape(kHostile) == "&lt;img src=x onerror=alert(1)&gt;");
  CHECK(html_escape("a&b\"c'd") == "a&amp;b&quot;c&#39;d");
  CHECK(html_escape("tab\tline\n") == "tab\tline\n");
  CHECK(html_escape("bell\x07") == "bell\xEF\xBF\xBD");
  CHECK(html_escape("bad \xC3\x28 byte") == "bad \xEF\xBF\xBD( byte");
  CHECK(html_escape("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(html_escape("") == "");
}

TEST_CASE("report.html shows the run and escapes tenant and server text", "[report]") {
  const std::string html = render_report_html(sample_record());
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_THAT(html, Catch::Contains("20261124T050607Z-a1b2"));
  CHECK_THAT(html, Catch::Contains("create_items"));
  CHECK_THAT(html, Catch::Contains("alter_items"));
  CHECK_THAT(html, Catch::Contains("42P01"));
  CHECK_THAT(html, Catch::Contains("relation &quot;&lt;items&gt;&quot; does not exist"));
  CHECK_THAT(html, Catch::Contains("&lt;img src=x onerror=alert(1)&gt;"));
  CHECK(html.find(kHostile) == std::string::npos);
  CHECK_THAT(html, Catch::Contains("AccessExclusiveLock"));
  CHECK_THAT(html, Catch::Contains("reads+writes"));
  CHECK_THAT(html, Catch::Contains("<svg class=\"hist\""));
  CHECK_THAT(html, Catch::Contains("<svg class=\"bar\""));
  CHECK_THAT(html, Catch::Contains("id=\"gates\""));
  CHECK_THAT(html, Catch::Contains("1 trip(s)"));
  // Self-contained: no script, nothing fetched.
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("src=\"") == std::string::npos);
}

TEST_CASE("report.html of an empty or unfinished run still renders", "[report]") {
  RunRecord r;
  r.info.run_id = "20261124T050607Z-0000";
  r.info.command = Command::plan;
  const std::string html = render_report_html(r);
  CHECK_THAT(html, Catch::Contains("did not finish"));
  CHECK_THAT(html, Catch::Contains("No migration ran in this run."));
  CHECK(html.find("id=\"gates\"") == std::string::npos);  // no gate was set
}

TEST_CASE("summary.md has the same facts with Markdown and HTML escaped", "[report]") {
  const std::string md = render_summary_markdown(sample_record());
  CHECK_THAT(md, Catch::Contains("## pgfleet apply `20261124T050607Z-a1b2` (exit 1)"));
  CHECK_THAT(md, Catch::Contains("applied 2, failed 1"));
  CHECK_THAT(md, Catch::Contains("| 2 | alter\\_items | 1 |"));
  CHECK_THAT(md, Catch::Contains("AccessExclusiveLock (reads+writes"));
  CHECK_THAT(md, Catch::Contains("| failed | 42P01 |"));
  CHECK_THAT(md, Catch::Contains("**1 trip(s)**"));
  CHECK(md.find(kHostile) == std::string::npos);
  CHECK_THAT(md, Catch::Contains("&lt;img src=x onerror=alert\\(1\\)&gt;"));
  CHECK(markdown_escape("a|b\nc") == "a\\|b c");
}

TEST_CASE("a tenants.jsonl line reads back as the outcome it was written from", "[report]") {
  TenantOutcome o =
      applied_with(kHostile, {measured(3, "alter", 120, {{"public.t", "AccessExclusiveLock"}}, 2)});
  o.migrations[0].verify_ms = 7;
  o.started_at += std::chrono::milliseconds(45);
  o.host = "db1:5432";
  o.tls = true;
  o.reason = "why";
  const auto back = outcome_from_json_line(dump_json_line(outcome_to_json(o)));
  REQUIRE(back);
  CHECK(outcome_to_json(*back) == outcome_to_json(o));

  const TenantOutcome failed = failed_with("f", 2, "42P01", "no");
  const auto failed_back = outcome_from_json_line(dump_json_line(outcome_to_json(failed)));
  REQUIRE(failed_back);
  CHECK(outcome_to_json(*failed_back) == outcome_to_json(failed));
}

TEST_CASE("damaged tenants.jsonl lines are counted and skipped", "[report]") {
  const std::string good = dump_json_line(outcome_to_json(applied_with("a", {})));
  const TenantsFile file =
      parse_tenants_jsonl(good + "\n{\"tenant_id\": \"b\", \"status\"\n\n" +
                          "[1,2]\n{\"tenant_id\": 3, \"status\": \"applied\"}\n" +
                          "{\"tenant_id\": \"c\", \"status\": \"nonsense\"}\n" + good + "\n");
  CHECK(file.tenants.size() == 2);
  CHECK(file.damaged_lines == std::vector<int>{2, 4, 5, 6});
  CHECK_FALSE(parse_tenant_status("Applied"));
  CHECK(parse_tenant_status("up_to_date") == TenantStatus::up_to_date);
}

TEST_CASE("a run's files are rebuilt from tenants.jsonl and its old summary", "[report]") {
  TempDir tmp;
  const RunDirectory dir = RunDirectory::create(tmp.path, "20261124T050607Z-a1b2");
  RunRecord original = sample_record();
  original.neon = json{{"project", "p"}, {"branch_name", "pgfleet-preflight-x"}, {"deleted", true}};
  std::string jsonl;
  for (const auto& t : sample_tenants()) jsonl += dump_json_line(outcome_to_json(t)) + "\n";
  write_file_atomically(dir.file("tenants.jsonl"), jsonl + "{\"cut short\n");
  write_file_atomically(dir.file("summary.json"), summary_to_json(original).dump());

  const ReadBackRun run = read_back_run(dir);
  REQUIRE(run.warnings.size() == 1);
  CHECK_THAT(run.warnings[0], Catch::Contains("tenants.jsonl:4"));
  CHECK(run.record.tally.tenants() == 3);
  CHECK(run.record.gates.size() == 1);
  CHECK(rewrite_run_files(dir, run).empty());

  const json summary = json::parse(slurp(dir.file("summary.json")));
  const json expected = summary_to_json(original);
  for (const char* key : {"run_id", "command", "started_at", "finished_at", "exit_code", "counts",
                          "forecast", "gates", "gate_limits", "neon", "migrations"}) {
    INFO(key);
    CHECK(summary[key] == expected[key]);
  }
  CHECK_THAT(slurp(dir.file("junit.xml")), Catch::Contains("globex"));
  CHECK_THAT(slurp(dir.file("report.html")), Catch::Contains("pgfleet-preflight-x"));
  CHECK_THAT(slurp(dir.file("summary.md")), Catch::Contains("alter\\_items"));
}

TEST_CASE("a run without a readable summary.json is rebuilt from its tenants", "[report]") {
  TempDir tmp;
  const RunDirectory dir = RunDirectory::create(tmp.path, "20261124T050607Z-a1b2");
  write_file_atomically(dir.file("tenants.jsonl"),
                        dump_json_line(outcome_to_json(failed_with("f", 2, "42P01", "no"))) + "\n");
  write_file_atomically(dir.file("summary.json"), "{not json");
  const ReadBackRun run = read_back_run(dir);
  REQUIRE(run.warnings.size() == 1);
  CHECK_THAT(run.warnings[0], Catch::Contains("summary.json"));
  REQUIRE(run.record.finished);
  CHECK(run.record.finished->exit_code == 1);
  CHECK(rewrite_run_files(dir, run).empty());
  CHECK(json::parse(slurp(dir.file("summary.json")))["counts"]["failed"] == 1);
  CHECK_THROWS_AS(read_back_run(RunDirectory::create(tmp.path, "20261124T050607Z-0000")),
                  ResultsError);
}

TEST_CASE("SummaryWriter writes report.html and summary.md and appends the step summary",
          "[report]") {
  TempDir tmp;
  const RunDirectory dir = RunDirectory::create(tmp.path, "20261124T050607Z-a1b2");
  const std::string step = tmp.path + "/step_summary.md";
  write_file_atomically(step, "earlier step\n");
  SummaryWriter writer(
      SummaryFiles{dir.file("summary.json"), dir.file("report.html"), dir.file("summary.md"), step},
      {{1, "create_items", "sum1"}});
  const RunRecord r = sample_record();
  writer.set_gate_limits(GateLimits{std::nullopt, 250});
  writer.run_started(r.info);
  for (const auto& t : sample_tenants()) writer.tenant_finished(t);
  CHECK(writer.gate_trips().size() == 1);
  CHECK(writer.measures().forecast.size() == 2);
  writer.run_finished(*r.finished);
  REQUIRE_FALSE(writer.write_error());
  const json summary = json::parse(slurp(dir.file("summary.json")));
  CHECK(summary["gates"].size() == 1);
  CHECK(summary["gate_limits"]["max_duration_ms"] == 250);
  CHECK(summary["forecast"].size() == 2);
  CHECK_THAT(slurp(dir.file("report.html")), Catch::Contains("max-duration"));
  const std::string appended = slurp(step);
  CHECK(appended.rfind("earlier step\n## pgfleet apply", 0) == 0);
  CHECK(appended == "earlier step\n" + slurp(dir.file("summary.md")) + "\n");
}

TEST_CASE("result times read back to the millisecond", "[report]") {
  const auto t = std::chrono::system_clock::from_time_t(1795496767);
  CHECK(parse_result_time("2026-11-24T05:06:07.045Z") == t + std::chrono::milliseconds(45));
  CHECK(parse_result_time("2026-11-24T05:06:07.5Z") == t + std::chrono::milliseconds(500));
  CHECK(parse_result_time("2026-11-24T05:06:07Z") == t);
  CHECK_FALSE(parse_result_time("2026-11-24 05:06:07"));
}
