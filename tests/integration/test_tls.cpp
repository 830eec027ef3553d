// TLS end to end (README.md, "Connections", --require-tls): against a cluster of the test's own
// that serves TLS with a self-signed certificate, a tenant connects encrypted and says `tls: true`;
// a server without TLS is refused under --require-tls with a clear message, at once, and no
// password in any output.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "engine_support.hpp"
#include "pgfleet/fleet/tenant_connector.hpp"
#include "scratch_cluster.hpp"
#include "test_env.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// What the server says of the backend that ran the migration.
const char* const kSeenSsl =
    "CREATE TABLE seen AS SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid();\n";

// One TLS cluster for every section of a test case (each section runs the case again, in the
// same process); it goes when the process ends.
OwnCluster& tls_server() {
  static OwnCluster server(OwnCluster::Tls::on);
  return server;
}

}  // namespace

TEST_CASE("a tenant on a TLS server connects encrypted under the require-tls flag", "[tls]") {
  OwnCluster& server = tls_server();
  const Workspace ws = make_workspace("tls_on");
  ws.migration("0001_seen.up.sql", kSeenSsl);

  SECTION("apply --require-tls records tls true and the server saw TLS") {
    const CliRun run = run_cli(
        apply_args(ws, "--dsn " + sh_quote(server.dsn_for("postgres")) + " --require-tls"), ws.dir);
    INFO(run.all());
    CHECK(run.code == 0);
    const json record = tenant_record(only_run_dir(ws.results("r")), "postgres");
    CHECK(record["status"] == "applied");
    CHECK(record["tls"] == true);
    const QueryResult seen = server.query("postgres", "SELECT ssl, version FROM seen");
    REQUIRE(seen.rows.size() == 1);
    CHECK(seen.rows[0][0] == std::string("t"));
    CHECK(seen.rows[0][1].value_or("").rfind("TLSv1.", 0) == 0);
    CHECK(run.all().find(cluster().password) == std::string::npos);
  }
  SECTION("the session itself says it is encrypted") {
    ConnectSettings settings;
    settings.application_name = "pgfleet/tls-test";
    settings.tls = TlsPolicy::require;
    auto session = make_connector(tenant_for("postgres", server.dsn_for("postgres")), settings,
                                  StopControl::process())();
    CHECK(session->encrypted());
    CHECK(session->exec("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
              .rows.at(0)
              .at(0) == "t");
  }
  SECTION("a certificate that cannot be verified is refused at once") {
    const auto started = Clock::now();
    const std::string dsn = server.dsn_for("postgres") + "&sslmode=verify-full";
    const CliRun run = run_cli(
        apply_args(ws, "--dsn " + sh_quote(dsn) + " --require-tls --connect-retry-window 60s"),
        ws.dir);
    INFO(run.all());
    CHECK(run.code == 1);
    CHECK(Clock::now() - started < std::chrono::seconds(10));  // not retried
    const json record = tenant_record(only_run_dir(ws.results("r")), "postgres");
    CHECK(record["status"] == "failed");
    CHECK(record["error"]["phase"] == "connect");
    CHECK_THAT(record["error"]["message"].get<std::string>(), Catch::Contains("certificate"));
    CHECK(run.all().find(cluster().password) == std::string::npos);
  }
}

TEST_CASE("a server without TLS is refused under the require-tls flag at once and without secrets",
          "[tls]") {
  const std::string db = create_database("tls_off");
  const Workspace ws = make_workspace("tls_off");
  ws.migration("0001_seen.up.sql", kSeenSsl);
  const auto started = Clock::now();
  const CliRun run = run_cli(apply_args(ws, "--dsn " + sh_quote(dsn_for(db)) +
                                                " --require-tls --connect-retry-window 60s"),
                             ws.dir);
  INFO(run.all());
  CHECK(run.code == 1);
  CHECK(Clock::now() - started < std::chrono::seconds(10));  // not retried
  const std::string run_dir = only_run_dir(ws.results("r"));
  const json record = tenant_record(run_dir, db);
  CHECK(record["status"] == "failed");
  CHECK(record["error"]["phase"] == "connect");
  CHECK_THAT(record["error"]["message"].get<std::string>(),
             Catch::Contains("server does not support SSL") && Catch::Contains("--require-tls"));
  CHECK(record["tls"].is_null());
  CHECK(history_versions(db).empty());
  CHECK(run.all().find(cluster().password) == std::string::npos);
  CHECK(record.dump().find(cluster().password) == std::string::npos);
}
