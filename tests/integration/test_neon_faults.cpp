// Neon faults end to end against the emulator: an answer of an unexpected shape, an API base that
// would carry the key in clear, `neon cleanup --yes`, and `rollback --run` of a preflight run.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "neon_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string neon_env(const NeonEmulator& emu) {
  return emu.resolver_env() + " NEON_API_HOST=" + sh_quote(emu.api_base()) +
         " NEON_API_KEY=" + sh_quote(emu.api_key());
}

std::string write_tenants(const Workspace& ws, const std::string& id, const std::string& dsn) {
  const std::string path = ws.dir + "/tenants.json";
  write_file(path, json::array({{{"id", id}, {"connection_string", dsn}}}).dump());
  return path;
}

// --concurrency 1: nss_wrapper's reload is not thread-safe (see test_neon_cli.cpp).
std::string run_flags(const Workspace& ws, const std::string& tenants, const std::string& results) {
  return "--tenants " + sh_quote(tenants) + " --migrations " + sh_quote(ws.migrations) +
         " --results-dir " + sh_quote(results) + " --yes --concurrency 1";
}

std::string preflight_flags(const NeonEmulator& emu, const Workspace& ws,
                            const std::string& tenants, const std::string& results) {
  return "--neon-branch --neon-project " + sh_quote(emu.project_id()) + " " +
         run_flags(ws, tenants, results);
}

}  // namespace

TEST_CASE("neon-faults: a Neon answer of an unexpected shape exits 3, never aborts",
          "[neon-faults]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_faults_shape");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string tenants =
      write_tenants(ws, "a", emu.parent_dsn("tenant_a", ParentHost::direct));
  // A 200 whose body is an error object: no "project" in it.
  emu.add_fault({{"route", "get_project"}, {"status", 200}});
  const CliRun run =
      run_cli("apply " + preflight_flags(emu, ws, tenants, ws.results("x")), ws.dir, neon_env(emu));
  INFO(run.all());
  CHECK(run.code == 3);
  CHECK_THAT(run.err, Catch::Contains("no \"project\" object"));
  CHECK(emu.requests("create_branch").empty());
}

TEST_CASE("neon-faults: plain http to a non-loopback API host is refused before anything",
          "[neon-faults]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_faults_http");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string tenants =
      write_tenants(ws, "a", emu.parent_dsn("tenant_a", ParentHost::direct));
  const std::string env = emu.resolver_env() + " NEON_API_KEY=" + sh_quote(emu.api_key());
  for (const std::string api : {"http://neon.example.com/api/v2", "http://10.1.2.3:8080/api/v2"}) {
    INFO(api);
    const CliRun apply = run_cli("apply " + preflight_flags(emu, ws, tenants, ws.results("x")) +
                                     " --neon-api " + sh_quote(api),
                                 ws.dir, env);
    INFO(apply.all());
    CHECK(apply.code == 2);
    CHECK_THAT(apply.err, Catch::Contains("loopback"));
    const CliRun cleanup =
        run_cli("neon cleanup --yes --neon-project " + sh_quote(emu.project_id()), ws.dir,
                env + " NEON_API_HOST=" + sh_quote(api));
    INFO(cleanup.all());
    CHECK(cleanup.code == 2);
  }
  CHECK_FALSE(fs::exists(ws.results("x")));
  CHECK(emu.requests().empty());
}

TEST_CASE("neon-faults: neon cleanup takes --yes like every destructive command", "[neon-faults]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_faults_yes");
  const CliRun run =
      run_cli("neon cleanup --yes --older-than 0 --neon-project " + sh_quote(emu.project_id()),
              ws.dir, neon_env(emu));
  INFO(run.all());
  CHECK(run.code == 0);
  CHECK_THAT(run.out, Catch::Contains("0 deleted, 0 failed"));
}

TEST_CASE("neon-faults: rollback --run of a preflight run is refused and touches nothing",
          "[neon-faults]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  emu.parent_superuser_psql("postgres", "DROP DATABASE IF EXISTS faults_rollback");
  emu.parent_superuser_psql("postgres", "CREATE DATABASE faults_rollback OWNER app");
  const Workspace ws = make_workspace("neon_faults_rollback");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  ws.migration("0001_create_items.down.sql", "DROP TABLE items;\n");
  const std::string production = emu.parent_dsn("faults_rollback", ParentHost::direct);
  const std::string tenants = write_tenants(ws, "acme", production);

  // The preflight on a branch, then the real apply on production: both at version 1.
  const CliRun preflight = run_cli(
      "apply " + preflight_flags(emu, ws, tenants, ws.results("preflight")), ws.dir, neon_env(emu));
  INFO(preflight.all());
  REQUIRE(preflight.code == 0);
  const CliRun apply =
      run_cli("apply " + run_flags(ws, tenants, ws.results("production")), ws.dir, neon_env(emu));
  INFO(apply.all());
  REQUIRE(apply.code == 0);
  REQUIRE(emu.psql(production, "SELECT to_regclass('items') IS NOT NULL") == "t");

  // The preflight's rollback scripts belong to its branch: never run on production.
  const std::string run_id = run_id_of(only_run_dir(ws.results("preflight")));
  const CliRun rollback =
      run_cli("rollback --run " + run_id + " " + run_flags(ws, tenants, ws.results("preflight")),
              ws.dir, neon_env(emu));
  INFO(rollback.all());
  CHECK(rollback.code == 2);
  CHECK_THAT(rollback.err, Catch::Contains("was a Neon preflight"));
  CHECK(emu.psql(production, "SELECT to_regclass('items') IS NOT NULL") == "t");
  CHECK(emu.psql(production,
                 "SELECT string_agg(version::text, ',') FROM "
                 "pgfleet.schema_migrations") == "1");
  fs::path results(ws.results("preflight"));
  int run_dirs = 0;
  for (const auto& entry : fs::directory_iterator(results)) run_dirs += entry.is_directory();
  CHECK(run_dirs == 1);  // the refused rollback made no run directory either
  emu.parent_superuser_psql("postgres", "DROP DATABASE faults_rollback WITH (FORCE)");
}
