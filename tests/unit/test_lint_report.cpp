// Lint output formats; SARIF checked against the 2.1.0 schema's required properties.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "pgfleet/results/lint_report.hpp"

using namespace pgfleet;
using nlohmann::json;

namespace {

std::vector<LintFinding> sample() {
  LintFinding drop{
      "m/1_a.up.sql", 3, LintSeverity::warning, "drop-table", "DROP TABLE, a: b", 1, ""};
  drop.column = 5;
  LintFinding missing{"m/1_a.up.sql", 0, LintSeverity::error, "missing-down", "no .down", 1, ""};
  LintFinding info{"m/2_b.up.sql", 1, LintSeverity::info, "drop-not-null", "info | note", 1, ""};
  LintFinding quiet{"m/2_b.up.sql", 2, LintSeverity::warning, "drop-column", "dropped", 1, ""};
  quiet.suppressed_reason = "agreed";
  return {drop, missing, info, quiet};
}

// The facts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) a log must satisfy here:
// required properties, their types, and the enumerations used. Returns what is wrong.
std::vector<std::string> sarif_problems(const json& log) {
  std::vector<std::string> problems;
  const auto need = [&](bool ok, const std::string& what) {
    if (!ok) problems.push_back(what);
  };
  const std::set<std::string> levels{"none", "note", "warning", "error"};
  const std::set<std::string> kinds{"inSource", "external"};
  try {
    need(log.at("version") == "2.1.0", "version is not 2.1.0");  // "enum": ["2.1.0"]
    need(log.at("$schema").is_string(), "$schema");
    need(log.at("runs").is_array(), "runs is not an array");
    for (const json& run : log.at("runs")) {
      const json& driver = run.at("tool").at("driver");
      need(driver.at("name").is_string(), "driver.name");  // toolComponent requires name
      std::set<std::string> ids;
      for (const json& rule : driver.at("rules")) ids.insert(rule.at("id").get<std::string>());
      for (const json& result : run.at("results")) {
        need(result.at("message").at("text").is_string(), "message.text");
        need(ids.count(result.at("ruleId").get<std::string>()) == 1, "ruleId not in rules");
        need(levels.count(result.at("level").get<std::string>()) == 1, "level");
        for (const json& location : result.at("locations")) {
          const json& physical = location.at("physicalLocation");
          need(physical.at("artifactLocation").at("uri").is_string(), "uri");
          need(physical.at("region").at("startLine").get<int>() >= 1, "startLine < 1");
        }
        for (const json& s : result.value("suppressions", json::array())) {
          need(kinds.count(s.at("kind").get<std::string>()) == 1, "suppression kind");
        }
      }
    }
  } catch (const json::exception& e) {
    problems.push_back(std::string("missing or mistyped property: ") + e.what());
  }
  return problems;
}

}  // namespace

TEST_CASE("lint report: text is file:line:col: severity: message [rule]") {
  const std::string text = format_lint_report(sample(), LintFormat::text);
  CHECK(text ==
        "m/1_a.up.sql:3:5: warning: DROP TABLE, a: b [drop-table]\n"
        "m/1_a.up.sql:1:1: error: no .down [missing-down]\n");
  CHECK_THAT(format_lint_report(sample(), LintFormat::text, InfoFindings::shown),
             Catch::Contains("m/2_b.up.sql:1:1: info: info | note [drop-not-null]"));
}

TEST_CASE("lint report: GitHub annotations escape their properties") {
  const std::string text = format_lint_report(sample(), LintFormat::github);
  CHECK_THAT(text,
             Catch::Contains(
                 "::warning file=m/1_a.up.sql,line=3,col=5,title=drop-table::DROP TABLE, a: b"));
  CHECK_THAT(text, Catch::Contains("::error file=m/1_a.up.sql,line=1,col=1,title=missing-down::"));
  CHECK_THAT(text, !Catch::Contains("dropped"));
}

TEST_CASE("lint report: json keeps suppressed findings marked") {
  const json doc = json::parse(format_lint_report(sample(), LintFormat::json));
  REQUIRE(doc["findings"].size() == 4);
  CHECK(doc["findings"][3]["suppressed"] == true);
  CHECK(doc["findings"][3]["suppression_reason"] == "agreed");
  CHECK(doc["summary"]["errors"] == 1);
  CHECK(doc["summary"]["warnings"] == 1);
  CHECK(doc["summary"]["suppressed"] == 1);
}

TEST_CASE("lint report: SARIF 2.1.0 has every required property") {
  const json log = json::parse(format_lint_report(sample(), LintFormat::sarif));
  CHECK(sarif_problems(log).empty());
  const json& results = log["runs"][0]["results"];
  REQUIRE(results.size() == 4);
  CHECK(results[1]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1);
  CHECK(results[2]["level"] == "note");
  CHECK(results[3]["suppressions"][0]["justification"] == "agreed");
  CHECK_FALSE(results[0].contains("suppressions"));
  // The checker itself catches a broken log.
  json bad_level = log;
  bad_level["runs"][0]["results"][0]["level"] = "fatal";
  CHECK(sarif_problems(bad_level) == std::vector<std::string>{"level"});
  json no_line = log;
  no_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].erase("startLine");
  CHECK(sarif_problems(no_line).size() == 1);
}

TEST_CASE("lint report: GitLab Code Quality and Markdown") {
  const json issues = json::parse(format_lint_report(sample(), LintFormat::gitlab));
  REQUIRE(issues.size() == 2);
  CHECK(issues[0]["check_name"] == "drop-table");
  CHECK(issues[0]["severity"] == "minor");
  CHECK(issues[0]["location"]["lines"]["begin"] == 3);
  CHECK(issues[0]["fingerprint"].get<std::string>().size() == 64);
  CHECK(issues[1]["severity"] == "major");
  const std::string md = format_lint_report(sample(), LintFormat::markdown, InfoFindings::shown);
  CHECK_THAT(md, Catch::StartsWith("| file | line | severity | rule | message |"));
  CHECK_THAT(md, Catch::Contains("info \\| note"));
  CHECK(format_lint_report({}, LintFormat::markdown) == "No lint findings.\n");
  CHECK(parse_lint_format("sarif") == LintFormat::sarif);
  CHECK_THROWS_AS(parse_lint_format("xml"), std::invalid_argument);
}

TEST_CASE("lint report: SARIF artifact URIs are percent-encoded path segments") {
  const auto uri_of = [](const std::string& file) {
    const LintFinding f{file, 1, LintSeverity::warning, "drop-table", "m", 1, ""};
    const json log = json::parse(format_lint_report({f}, LintFormat::sarif));
    return log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
              ["uri"]
                  .get<std::string>();
  };
  CHECK(uri_of("migrations/0001 add #1.up.sql") == "migrations/0001%20add%20%231.up.sql");
  CHECK(uri_of("m/0002_caf\xC3\xA9.up.sql") == "m/0002_caf%C3%A9.up.sql");
  CHECK(uri_of("/abs/50%_a:b?.up.sql") == "/abs/50%25_a%3Ab%3F.up.sql");
  CHECK(uri_of("c:d/0003_x.up.sql") == "c%3Ad/0003_x.up.sql");  // not a scheme
  CHECK(uri_of("m/1_a-b.~_.up.sql") == "m/1_a-b.~_.up.sql");
}
