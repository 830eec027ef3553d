// Faults end to end, through the pgfleet binary against real PostgreSQL: empty selections, two
// tenants on one database, a results directory that fills up or cannot be made, a worker thread
// that cannot start, flags refused before anything exists, damaged or foreign run directories
// given to `rollback --run`.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// One migration with its .down.
void write_one_migration(const Workspace& ws) {
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  ws.migration("0001_create_items.down.sql", "DROP TABLE items;\n");
}

std::string migrations_flag(const Workspace& ws) {
  return "--migrations " + sh_quote(ws.migrations) + " --yes";
}

std::string write_tenants(const Workspace& ws, const json& rows) {
  const std::string path = ws.dir + "/tenants.json";
  write_file(path, rows.dump(2));
  return path;
}

// Run directories below `results` (none when it does not exist).
int run_dirs_in(const std::string& results) {
  if (!fs::exists(results)) return 0;
  int n = 0;
  for (const auto& entry : fs::directory_iterator(results)) n += entry.is_directory() ? 1 : 0;
  return n;
}

// Runs `script` with /bin/sh in a private mount namespace (as root, or as the root of an
// unprivileged user namespace), where it can mount a small tmpfs nobody else sees.
CliRun run_in_mount_namespace(const std::string& script, const std::string& work_dir) {
  const std::string out = work_dir + "/namespace.out", err = work_dir + "/namespace.err";
  const int status = std::system(("unshare -rm sh -c " + sh_quote(script) + " </dev/null >" +
                                  sh_quote(out) + " 2>" + sh_quote(err))
                                     .c_str());
  CliRun run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = read_text(out);
  run.err = read_text(err);
  return run;
}

}  // namespace

TEST_CASE(
    "faults: a selection of zero tenants is exit 2 naming source and filters unless "
    "--allow-empty",
    "[faults]") {
  const std::string db = create_database("faults_empty");
  const Workspace ws = make_workspace("faults_empty");
  write_one_migration(ws);
  const std::string base = "apply " + migrations_flag(ws) + " --dsn " + sh_quote(dsn_for(db));

  const CliRun excluded =
      run_cli(base + " --exclude " + db + " --results-dir " + sh_quote(ws.results("excluded")));
  INFO(excluded.all());
  CHECK(excluded.code == 2);
  CHECK_THAT(excluded.err, Catch::Contains("no tenants selected from --dsn with --exclude " + db));
  CHECK_THAT(excluded.err, Catch::Contains("--allow-empty"));
  CHECK(run_dirs_in(ws.results("excluded")) == 0);

  const std::string empty_file = write_tenants(ws, json::array());
  const CliRun from_file =
      run_cli("plan " + migrations_flag(ws) + " --tenants " + sh_quote(empty_file) +
              " --results-dir " + sh_quote(ws.results("file")));
  INFO(from_file.all());
  CHECK(from_file.code == 2);
  CHECK_THAT(from_file.err, Catch::Contains("no tenants selected from --tenants " + empty_file));

  const CliRun allowed = run_cli(base + " --exclude " + db + " --allow-empty --results-dir " +
                                 sh_quote(ws.results("allowed")));
  INFO(allowed.all());
  CHECK(allowed.code == 0);
  CHECK_FALSE(history_table_exists(db));
}

TEST_CASE("faults: a second tenant on the same database is invalid and the first is migrated once",
          "[faults]") {
  const std::string db = create_database("faults_samedb");
  const Workspace ws = make_workspace("faults_samedb");
  write_one_migration(ws);
  const ClusterInfo& c = cluster();
  // The same database spelled two ways: a URI and a key=value string with the host in capitals.
  std::string upper_host = c.host;
  for (char& ch : upper_host) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string key_value = "host=" + upper_host + " port=" + c.port + " dbname=" + db +
                                " user=" + c.user + " password=" + c.password;
  const std::string tenants =
      write_tenants(ws, json::array({{{"id", "first"}, {"connection_string", dsn_for(db)}},
                                     {{"id", "second"}, {"connection_string", key_value}}}));
  const CliRun run = run_cli("apply " + migrations_flag(ws) + " --tenants " + sh_quote(tenants) +
                             " --results-dir " + sh_quote(ws.results("x")));
  INFO(run.all());
  CHECK(run.code == 1);
  const std::string run_dir = only_run_dir(ws.results("x"));
  CHECK(tenant_record(run_dir, "first")["status"] == "applied");
  const json second = tenant_record(run_dir, "second");
  CHECK(second["status"] == "invalid");
  CHECK_THAT(second["reason"].get<std::string>(), Catch::Contains("same database as tenant first"));
  CHECK(history_versions(db) == std::vector<long long>{1});
}

TEST_CASE("faults: a results directory that fills up mid-run exits 3 and starts no new tenant",
          "[faults]") {
  Fleet fleet = make_fleet("faults_enospc", 30, BadRows::none, 0);
  const std::string results = fleet.work_dir + "/full";
  const std::string copy = fleet.work_dir + "/copy";
  fs::create_directories(results);
  fs::create_directories(copy);
  // A 64 KiB tmpfs in a private mount namespace (root or an unprivileged user namespace): the
  // rollback scripts and tenants.jsonl fill it after about a dozen tenants. What it holds is
  // copied out before the namespace goes.
  const std::string script = "mount -t tmpfs -o size=64k tmpfs " + sh_quote(results) + " && " +
                             sh_quote(PGFLEET_BINARY) + " apply --control-plane " +
                             sh_quote(fleet.control_plane_url) + " --migrations " +
                             sh_quote(fleet.migrations_dir) + " --results-dir " +
                             sh_quote(results) + " --yes --concurrency 2; rc=$?; cp -r " +
                             sh_quote(results) + "/. " + sh_quote(copy) + "/; exit $rc";
  const CliRun run = run_in_mount_namespace(script, fleet.work_dir);
  INFO(run.all());
  CHECK(run.code == 3);
  CHECK_THAT(run.err, Catch::Contains("No space left on device"));
  CHECK_THAT(run.err, Catch::Contains("no tenant was started after that"));

  // Running tenants finished whole; the ones after the failure were never touched.
  int migrated = 0;
  for (const std::string& db : fleet.tenant_dbs) {
    const std::vector<long long> versions = applied_versions(db);
    INFO(db);
    CHECK((versions.empty() || versions == std::vector<long long>{1, 2, 3}));
    migrated += versions.empty() ? 0 : 1;
  }
  CHECK(migrated >= 1);
  CHECK(migrated < 30);
  // tenants.jsonl holds whole lines only, one per tenant at most.
  const std::string run_dir = only_run_dir(copy);
  std::set<std::string> seen;
  for (const json& line : tenant_lines(run_dir)) {
    CHECK(seen.insert(line.at("tenant_id").get<std::string>()).second);
  }
}

TEST_CASE("faults: results files the OS refuses are exit 3, never an abort", "[faults]") {
  const std::string db = create_database("faults_paths");
  const Workspace ws = make_workspace("faults_paths");
  write_one_migration(ws);
  const std::string base = "plan " + migrations_flag(ws) + " --dsn " + sh_quote(dsn_for(db));

  // A results path longer than PATH_MAX allows for a run's files: refused before anything is made.
  std::string deep;
  while (deep.size() < 4060) deep += "abcdefgh/";
  deep.resize(4060);
  const CliRun too_long = run_cli(base + " --results-dir " + sh_quote(deep), ws.dir);
  CHECK(too_long.code == 3);
  CHECK_THAT(too_long.err, Catch::Contains("too long"));
  CHECK_FALSE(fs::exists(ws.dir + "/abcdefgh"));

  // tenants.jsonl cannot be created (a tmpfs with no inode left for it).
  const std::string results = ws.dir + "/no-inodes";
  fs::create_directories(results);
  const std::string script = "mount -t tmpfs -o size=64k,nr_inodes=3 tmpfs " + sh_quote(results) +
                             " && " + sh_quote(PGFLEET_BINARY) + " " + base + " --results-dir " +
                             sh_quote(results);
  const CliRun no_inode = run_in_mount_namespace(script, ws.dir);
  INFO(no_inode.all());
  CHECK(no_inode.code == 3);
  CHECK_THAT(no_inode.err, Catch::Contains("cannot open"));
  CHECK_FALSE(history_table_exists(db));
}

TEST_CASE("faults: a worker thread that cannot start is exit 3, never an abort", "[faults]") {
  const std::string db = create_database("faults_thread");
  const Workspace ws = make_workspace("faults_thread");
  write_one_migration(ws);
  // Thread stacks of 8 GiB in a 4 GiB address space: the first worker thread cannot start.
  const CliRun run = run_cli("apply " + migrations_flag(ws) + " --dsn " + sh_quote(dsn_for(db)) +
                                 " --results-dir " + sh_quote(ws.results("x")),
                             ws.dir, "ulimit -v 4000000; ulimit -s 8000000;");
  INFO(run.all());
  CHECK(run.code == 3);
  CHECK_THAT(run.err, Catch::Contains("cannot start a worker thread"));
  const json record = tenant_record(only_run_dir(ws.results("x")), db);
  CHECK(record["status"] == "skipped");
  CHECK_FALSE(history_table_exists(db));
}

TEST_CASE("faults: bad flags are refused before the control plane, a branch or a run directory",
          "[faults]") {
  const std::string db = create_database("faults_flags");
  const Workspace ws = make_workspace("faults_flags");
  write_one_migration(ws);
  // An unreachable control plane would be exit 3: exit 2 proves it was never asked.
  const std::string unreachable =
      "--connect-timeout 2s --control-plane " +
      sh_quote("postgresql://postgres@" + cluster().host + ":1/control");
  for (const std::string bad :
       {"--grace soon", "--max-failure-rate 200%", "--lock-timeout 5parsecs", "--shard 3/2",
        "--target v2",
        "--neon-branch --neon-project p --neon-api http://neon.example.com/api/v2"}) {
    INFO(bad);
    const CliRun cp = run_cli("apply " + migrations_flag(ws) + " " + unreachable + " " + bad +
                                  " --results-dir " + sh_quote(ws.results("cp")),
                              ws.dir, "NEON_API_KEY=napi_test");
    INFO(cp.all());
    CHECK(cp.code == 2);
    const CliRun dsn = run_cli("apply " + migrations_flag(ws) + " --dsn " + sh_quote(dsn_for(db)) +
                                   " " + bad + " --results-dir " + sh_quote(ws.results("dsn")),
                               ws.dir, "NEON_API_KEY=napi_test");
    INFO(dsn.all());
    CHECK(dsn.code == 2);
    CHECK(run_dirs_in(ws.results("cp")) == 0);
    CHECK(run_dirs_in(ws.results("dsn")) == 0);
  }
  CHECK_FALSE(history_table_exists(db));
}

TEST_CASE("faults: rollback --run skips a damaged tenants.jsonl line and rolls back the others",
          "[faults]") {
  const std::string db1 = create_database("faults_rb1");
  const std::string db2 = create_database("faults_rb2");
  const Workspace ws = make_workspace("faults_rb");
  write_one_migration(ws);
  const std::string tenants =
      write_tenants(ws, json::array({{{"id", db1}, {"connection_string", dsn_for(db1)}},
                                     {{"id", db2}, {"connection_string", dsn_for(db2)}}}));
  const std::string flags = migrations_flag(ws) + " --tenants " + sh_quote(tenants) +
                            " --results-dir " + sh_quote(ws.results("x"));
  const CliRun apply = run_cli("apply " + flags);
  INFO(apply.all());
  REQUIRE(apply.code == 0);
  const std::string run_dir = only_run_dir(ws.results("x"));
  // A run killed mid-write leaves a line cut short.
  std::ofstream(run_dir + "/tenants.jsonl", std::ios::app) << "{\"tenant_id\":\"x\",\"stat";

  const CliRun rollback = run_cli("rollback --run " + run_id_of(run_dir) + " " + flags);
  INFO(rollback.all());
  CHECK(rollback.code == 0);
  CHECK_THAT(rollback.err, Catch::Contains("tenants.jsonl:3: not a JSON line; skipped"));
  CHECK(history_versions(db1).empty());
  CHECK(history_versions(db2).empty());
}

TEST_CASE("faults: rollback --run names a version without .down by its file", "[faults]") {
  const std::string db = create_database("faults_nodown");
  const Workspace ws = make_workspace("faults_nodown");
  ws.migration("0010_add_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string flags = migrations_flag(ws) + " --dsn " + sh_quote(dsn_for(db)) +
                            " --results-dir " + sh_quote(ws.results("x"));
  REQUIRE(run_cli("apply " + flags).code == 0);
  const std::string run_id = run_id_of(only_run_dir(ws.results("x")));
  const CliRun rollback = run_cli("rollback --run " + run_id + " " + flags);
  INFO(rollback.all());
  CHECK(rollback.code == 1);
  CHECK_THAT(rollback.all(), Catch::Contains("version 10 (0010_add_items) has no .down file"));
  CHECK(history_versions(db) == std::vector<long long>{10});
}

TEST_CASE("faults: status never prints raw invalid UTF-8 and never aborts on it", "[faults]") {
  const Workspace ws = make_workspace("faults_status");
  write_one_migration(ws);
  const std::string base = "status --migrations " + sh_quote(ws.migrations);
  SECTION("a SQL_ASCII control plane holding bytes that are not UTF-8") {
    // pgfleet reads the control plane as UTF-8: the server refuses such a row, pgfleet says so.
    const std::string cp = create_database("faults_status_cp");
    query("postgres", "DROP DATABASE \"" + cp + "\"");
    query("postgres", "CREATE DATABASE \"" + cp +
                          "\" ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
    query(cp, "CREATE TABLE tenants (id text, connection_string text, active bool DEFAULT true)");
    query(cp, "INSERT INTO tenants (id, connection_string) VALUES (E'caf\\xe9\\x1b[31m', '')");
    const CliRun run = run_cli(base + " --control-plane " + sh_quote(dsn_for(cp)), ws.dir);
    INFO(run.all());
    CHECK(run.code == 3);
    CHECK_THAT(run.err, Catch::Contains("invalid byte sequence"));
    CHECK(run.all().find("caf\xe9") == std::string::npos);
    CHECK(run.all().find('\x1b') == std::string::npos);
  }
  SECTION("a tenant id that is not UTF-8 (a percent-encoded database name)") {
    const std::string dsn = dsn_for("caf\xe9\x1b[31m");
    for (const std::string format : {"text", "json"}) {
      INFO(format);
      const CliRun run =
          run_cli(base + " --dsn " + sh_quote(dsn) + " --log-format " + format, ws.dir);
      INFO(run.all());
      CHECK(run.code == 1);  // no such database: the tenant is not ok
      CHECK(run.out.find("caf\xe9") == std::string::npos);
      CHECK(run.out.find('\x1b') == std::string::npos);
      CHECK_THAT(run.out, Catch::Contains("caf\xEF\xBF\xBD"));
    }
  }
}
