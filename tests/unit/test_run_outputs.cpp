// The outputs of one run, wired together: which files appear, what the terminal shows, what a
// lost file reports.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "migration_builders.hpp"
#include "pgfleet/results/run_outputs.hpp"

using namespace pgfleet;
namespace fs = std::filesystem;

namespace {

const std::string kRunId = "20261124T050607Z-c3d4";

struct TempResults {
  std::string base;
  TempResults() {
    base = (fs::temp_directory_path() / "pgfleet-outputs-XXXXXX").string();
    REQUIRE(::mkdtemp(base.data()) != nullptr);
  }
  ~TempResults() { fs::remove_all(base); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Tenant tenant(const std::string& id, std::optional<std::string> schema) {
  return Tenant{id, "postgresql://app@db1/" + id, std::move(schema), std::nullopt, ""};
}

TenantOutcome applied(const std::string& id) {
  TenantOutcome o;
  o.tenant_id = id;
  o.status = TenantStatus::applied;
  o.from_version = 0;
  o.to_version = 1;
  o.migrations = {{1, "create_t1", 5, 1}};
  return o;
}

void run(RunOutputs& outputs, Command command, const std::vector<Tenant>& tenants) {
  RunInfo info;
  info.run_id = kRunId;
  info.command = command;
  info.tenant_count = tenants.size();
  outputs.reporter().run_started(info);
  for (const Tenant& t : tenants) outputs.reporter().tenant_finished(applied(t.id));
  RunSummary done;
  done.finished_at = std::chrono::system_clock::now();
  outputs.reporter().run_finished(done);
}

}  // namespace

TEST_CASE("an apply run writes every result file and its rollback scripts") {
  TempResults results;
  const RunDirectory dir = RunDirectory::create(results.base, kRunId);
  const MigrationSet set(test::table_migrations(1));
  const std::vector<Tenant> tenants = {tenant("t1", std::nullopt), tenant("s1", "s1")};
  std::ostringstream terminal;
  RunOutputs outputs(dir, Command::apply, set, tenants, TerminalOutput{}, terminal);
  outputs.set_neon(nlohmann::json{{"project", "p1"}});
  run(outputs, Command::apply, tenants);

  CHECK(outputs.write_errors().empty());
  const auto summary = nlohmann::json::parse(slurp(dir.file("summary.json")));
  CHECK(summary["command"] == "apply");
  CHECK(summary["neon"]["project"] == "p1");
  CHECK(slurp(dir.file("tenants.jsonl")).find("\"tenant_id\":\"s1\"") != std::string::npos);
  CHECK(slurp(dir.file("junit.xml")).find("pgfleet-apply") != std::string::npos);
  CHECK_THAT(slurp(dir.rollback_file("s1")), Catch::Contains("\"s1\".pgfleet_schema_migrations"));
  CHECK_THAT(slurp(dir.rollback_file("t1")), Catch::Contains("pgfleet.schema_migrations"));
  CHECK_THAT(terminal.str(), Catch::Contains("apply finished"));
  CHECK_THAT(terminal.str(), Catch::Contains(dir.path()));
}

TEST_CASE("a plan run with the JSON log writes no rollback scripts") {
  TempResults results;
  const RunDirectory dir = RunDirectory::create(results.base, kRunId);
  const MigrationSet set(test::table_migrations(1));
  const std::vector<Tenant> tenants = {tenant("t1", std::nullopt)};
  std::ostringstream terminal;
  TerminalOutput json_log;
  json_log.format = LogFormat::json;
  RunOutputs outputs(dir, Command::plan, set, tenants, json_log, terminal);
  run(outputs, Command::plan, tenants);
  CHECK(outputs.write_errors().empty());
  CHECK_FALSE(fs::exists(dir.rollback_file("t1")));
  CHECK(fs::exists(dir.file("summary.json")));
  std::istringstream lines(terminal.str());
  int events = 0;
  for (std::string line; std::getline(lines, line); ++events) {
    CHECK_NOTHROW(nlohmann::json::parse(line));
  }
  CHECK(events == 3);  // run_started, tenant_finished, run_finished
}

TEST_CASE("result files a run could not write are each named once") {
  TempResults results;
  const RunDirectory dir = RunDirectory::create(results.base, kRunId);
  const MigrationSet set(test::table_migrations(1));
  const std::vector<Tenant> tenants = {tenant("t1", std::nullopt)};
  std::ostringstream terminal;
  RunOutputs outputs(dir, Command::apply, set, tenants, TerminalOutput{}, terminal);
  fs::remove_all(dir.rollback_dir());
  fs::create_directory(dir.file("summary.json"));  // rename onto a directory fails
  run(outputs, Command::apply, tenants);
  const std::vector<std::string> errors = outputs.write_errors();
  REQUIRE(errors.size() == 2);
  CHECK_THAT(errors[0], Catch::Contains("summary.json"));
  CHECK_THAT(errors[1], Catch::Contains("rollback"));
}
