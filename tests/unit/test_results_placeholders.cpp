// What placeholders and verify scripts change in the result files: summary.json lists each
// verify script's checksum; a rollback script holds the tenant's rendered .down with secrets
// masked.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "migration_builders.hpp"
#include "pgfleet/results/rollback_writer.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/results/summary_writer.hpp"

using namespace pgfleet;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A run directory under a fresh temp dir, removed at the end.
struct ScratchRun {
  std::string base;
  std::optional<RunDirectory> dir;
  ScratchRun() {
    std::string tmpl = (fs::temp_directory_path() / "pgfleet-ph-results-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    base = tmpl;
    dir = RunDirectory::create(base, "20261204T120000Z-abcd");
  }
  ~ScratchRun() { fs::remove_all(base); }
};

RunInfo apply_run() {
  RunInfo info;
  info.run_id = "20261204T120000Z-abcd";
  info.command = Command::apply;
  info.tenant_count = 1;
  return info;
}

}  // namespace

TEST_CASE("summary.json lists verify_checksum for a migration with a verify script") {
  ScratchRun run;
  Migration with_verify = test::make_migration(1, "a", "SELECT 1;\n");
  with_verify.verify = MigrationFile{"1_a.verify.sql", "SELECT 2;\n", Directives{}};
  with_verify.verify_checksum = util::sha256_hex("SELECT 2;\n");
  const MigrationSet set({with_verify, test::make_migration(2, "b", "SELECT 3;\n")});
  SummaryWriter writer(run.dir->file("summary.json"), set);
  writer.run_started(apply_run());
  writer.run_finished(RunSummary{});
  const auto doc = nlohmann::json::parse(slurp(run.dir->file("summary.json")));
  CHECK(doc["migrations"][0]["verify_checksum"] == util::sha256_hex("SELECT 2;\n"));
  CHECK(doc["migrations"][0]["checksum"] == util::sha256_hex("SELECT 1;\n"));
  CHECK_FALSE(doc["migrations"][1].contains("verify_checksum"));
}

TEST_CASE("a rollback script holds the tenant's rendered .down with secret values masked") {
  ScratchRun run;
  const MigrationSet as_written({test::make_migration(
      1, "a", "SELECT 1;\n", "-- pgfleet: placeholders\nDROP ROLE ${owner:ident};\n")});
  const MigrationSet rendered({test::make_migration(
      1, "a", "SELECT 1;\n", "-- pgfleet: placeholders\nDROP ROLE \"S3cretOwner\";\n")});
  RollbackWriter writer(run.dir->rollback_dir(), as_written, nullptr);
  writer.use_tenant_migrations(
      [&](const std::string&) {
        return std::shared_ptr<const MigrationSet>(std::shared_ptr<void>(), &rendered);
      },
      {"S3cretOwner"});
  writer.run_started(apply_run());
  TenantOutcome applied = not_run("t1", TenantStatus::applied, "");
  applied.from_version = 0;
  applied.to_version = 1;
  applied.migrations.push_back(MigrationResult{1, "a", 5, 1});
  writer.tenant_finished(applied);
  REQUIRE_FALSE(writer.write_error());
  const std::string script = slurp(run.dir->rollback_file("t1"));
  CHECK_THAT(script, Catch::Contains("DROP ROLE \"***\";"));
  CHECK(script.find("${owner") == std::string::npos);
  CHECK(script.find("S3cretOwner") == std::string::npos);
}
