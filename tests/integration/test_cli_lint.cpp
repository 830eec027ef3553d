// `pgfleet lint` end to end: formats, --fail-on, the pgfleet.json `lint` key, load errors.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"

using namespace pgfleet::test;

namespace {

const std::string kNoActions = "GITHUB_ACTIONS=false";

Workspace warning_set(const std::string& name) {
  const Workspace ws = make_workspace(name);
  ws.migration("0001_drop.up.sql", "DROP TABLE old_sessions;\n");
  ws.migration("0001_drop.down.sql", "SELECT 1;\n");
  return ws;
}

std::string lint_args(const Workspace& ws, const std::string& extra) {
  return "lint --migrations " + sh_quote(ws.migrations) + " " + extra;
}

}  // namespace

TEST_CASE("cli lint: text by default and --fail-on warning", "[cli]") {
  const Workspace ws = warning_set("cli_lint_text");
  CliRun text = run_cli(lint_args(ws, ""), ws.dir, kNoActions);
  INFO(text.all());
  CHECK(text.code == 0);
  CHECK(text.out.find("0001_drop.up.sql:1:1: warning: ") != std::string::npos);
  CHECK(text.out.find("[drop-table]") != std::string::npos);
  CliRun strict = run_cli(lint_args(ws, "--fail-on warning"), ws.dir, kNoActions);
  CHECK(strict.code == 2);
}

TEST_CASE("cli lint: --format sarif and json and GitHub annotations in Actions", "[cli]") {
  const Workspace ws = warning_set("cli_lint_formats");
  CliRun sarif = run_cli(lint_args(ws, "--format sarif"), ws.dir, kNoActions);
  INFO(sarif.all());
  REQUIRE(sarif.code == 0);
  const auto log = nlohmann::json::parse(sarif.out);
  CHECK(log["version"] == "2.1.0");
  CHECK(log["runs"][0]["results"][0]["ruleId"] == "drop-table");
  CliRun json = run_cli(lint_args(ws, "--log-format json"), ws.dir, kNoActions);
  CHECK(nlohmann::json::parse(json.out)["findings"][0]["rule"] == "drop-table");
  CliRun github = run_cli(lint_args(ws, ""), ws.dir, "GITHUB_ACTIONS=true");
  CHECK(github.out.rfind("::warning file=", 0) == 0);
  CliRun bad = run_cli(lint_args(ws, "--format xml"), ws.dir, kNoActions);
  CHECK(bad.code == 2);
}

TEST_CASE("cli lint: pgfleet.json lint settings", "[cli]") {
  const Workspace ws = warning_set("cli_lint_config");
  write_file(ws.dir + "/pgfleet.json",
             R"({"lint": {"severity": {"drop-table": "error"}, "include": ["prefer-bigint"]}})");
  CliRun strict = run_cli(lint_args(ws, ""), ws.dir, kNoActions);
  INFO(strict.all());
  CHECK(strict.code == 2);
  CHECK(strict.out.find("error: ") != std::string::npos);
  write_file(ws.dir + "/pgfleet.json", R"({"lint": {"exclude": ["drop-tabel"]}})");
  CliRun unknown = run_cli(lint_args(ws, ""), ws.dir, kNoActions);
  CHECK(unknown.code == 2);
  CHECK(unknown.err.find("drop-tabel") != std::string::npos);
}

TEST_CASE("cli lint: BEGIN in a no-transaction file is exit 2 naming the file", "[cli]") {
  const Workspace ws = make_workspace("cli_lint_begin");
  ws.migration("0001_idx.up.sql",
               "-- pgfleet: no-transaction\nBEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\n");
  CliRun run = run_cli(lint_args(ws, ""), ws.dir, kNoActions);
  INFO(run.all());
  CHECK(run.code == 2);
  CHECK(run.all().find("0001_idx.up.sql") != std::string::npos);
}

TEST_CASE("cli lint: --var and pgfleet.json vars declare placeholder names", "[cli]") {
  const Workspace ws = make_workspace("cli_lint_vars");
  ws.migration("0001_settings.up.sql",
               "-- pgfleet: placeholders\n"
               "CREATE TABLE settings (region text DEFAULT ${region:literal});\n");
  ws.migration("0001_settings.down.sql", "DROP TABLE settings;\n");
  ws.migration("0001_settings.verify.sql", "INSERT INTO settings DEFAULT VALUES;\n");
  const CliRun bare = run_cli(lint_args(ws, "-v"), ws.dir, kNoActions);  // -v: info too
  INFO(bare.all());
  CHECK(bare.out.find("[placeholder-undeclared]") != std::string::npos);
  CHECK(bare.out.find("0001_settings.verify.sql:1:1: warning: ") != std::string::npos);
  CHECK(bare.out.find("[verify-writes]") != std::string::npos);
  const CliRun declared = run_cli(lint_args(ws, "-v --var region=eu"), ws.dir, kNoActions);
  INFO(declared.all());
  CHECK(declared.out.find("[placeholder-undeclared]") == std::string::npos);
  write_file(ws.dir + "/pgfleet.json", R"({"vars": {"region": "eu"}})");
  const CliRun configured = run_cli(lint_args(ws, "-v"), ws.dir, kNoActions);
  INFO(configured.all());
  CHECK(configured.code == 0);
  CHECK(configured.out.find("[placeholder-undeclared]") == std::string::npos);
}
