// A server that restarts is waited for; what cannot heal fails at once (README.md, "Connections";
// docs/RELIABILITY.md): end to end with the pgfleet binary against a cluster of the test's own
// that it stops and starts.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_support.hpp"
#include "scratch_cluster.hpp"
#include "test_env.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

TEST_CASE("a tenant whose server restarts for 3 s is applied once it is back", "[restart]") {
  OwnCluster server;
  const Workspace ws = make_workspace("restart");
  ws.migration("0001_t.up.sql", "CREATE TABLE t (x int);\n");
  server.stop();
  const auto started = Clock::now();
  // The server comes back 3 s after pgfleet starts connecting (a routine restart).
  auto back = std::async(std::launch::async, [&server] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    server.start();
  });
  const CliRun run =
      run_cli(apply_args(ws, "--dsn " + sh_quote(server.dsn_for("postgres"))), ws.dir);
  const auto took = Clock::now() - started;
  back.get();
  INFO(run.all());
  CHECK(run.code == 0);
  const json record = tenant_record(only_run_dir(ws.results("r")), "postgres");
  CHECK(record["status"] == "applied");
  CHECK(record["error"].is_null());
  // It did wait for the server rather than find it up.
  CHECK(took >= std::chrono::seconds(3));
  CHECK(server.query("postgres", "SELECT count(*) FROM t").rows.at(0).at(0) == "0");
  CHECK(
      server.query("postgres", "SELECT version FROM pgfleet.schema_migrations").rows.at(0).at(0) ==
      "1");
}

TEST_CASE("a server down past the connect retry window leaves its tenant unreachable",
          "[restart]") {
  const Workspace ws = make_workspace("restart_gone");
  ws.migration("0001_t.up.sql", "CREATE TABLE t (x int);\n");
  // Port 1 refuses, as the port of a stopped server does.
  const std::string down = "postgres://" + cluster().user + "@127.0.0.1:1/restart_gone";
  const auto started = Clock::now();
  const CliRun run =
      run_cli(apply_args(ws, "--dsn " + sh_quote(down) + " --connect-retry-window 2s"), ws.dir);
  const auto took = Clock::now() - started;
  INFO(run.all());
  CHECK(run.code == 1);
  const json record = tenant_record(only_run_dir(ws.results("r")), "restart_gone");
  CHECK(record["status"] == "unreachable");
  CHECK(record["error"]["phase"] == "connect");
  CHECK_THAT(record["error"]["message"].get<std::string>(), Catch::Contains("Connection refused"));
  CHECK(took >= std::chrono::seconds(2));
  CHECK(took < std::chrono::seconds(10));
}

TEST_CASE("a wrong password fails at once and is never retried", "[restart]") {
  const std::string db = create_database("restart_password");
  const Workspace ws = make_workspace("restart_password");
  ws.migration("0001_t.up.sql", "CREATE TABLE t (x int);\n");
  const std::string wrong = "not-the-password-" + std::to_string(::getpid());
  const std::string dsn = "postgres://" + cluster().user + ":" + wrong + "@" + cluster().host +
                          ":" + cluster().port + "/" + db;
  const auto started = Clock::now();
  // A window far longer than the test allows: a retry would show as time.
  const CliRun run =
      run_cli(apply_args(ws, "--dsn " + sh_quote(dsn) + " --connect-retry-window 60s"), ws.dir);
  const auto took = Clock::now() - started;
  INFO(run.all());
  CHECK(run.code == 1);
  CHECK(took < std::chrono::seconds(10));
  const json record = tenant_record(only_run_dir(ws.results("r")), db);
  CHECK(record["status"] == "failed");
  CHECK(record["error"]["phase"] == "connect");
  CHECK(record["error"]["sqlstate"] == "28P01");
  CHECK_THAT(record["error"]["message"].get<std::string>(),
             Catch::Contains("password authentication failed"));
  CHECK(run.all().find(wrong) == std::string::npos);
  CHECK(record.dump().find(wrong) == std::string::npos);
  CHECK(history_versions(db).empty());
}
