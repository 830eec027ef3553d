// Secrets the command line and pgfleet.json may carry never come back out: in argument errors,
// usage errors, config errors or results, in any form.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
namespace fs = std::filesystem;

namespace {

const std::string kSecret = "Sup3rS3cret";

void require_no_secret(const CliRun& run, const std::string& secret = kSecret) {
  INFO(run.all());
  REQUIRE(run.all().find(secret) == std::string::npos);
}

}  // namespace

TEST_CASE("secrets: refused arguments are echoed without their passwords", "[secrets]") {
  const Workspace ws = make_workspace("secrets_args");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string base = "plan --migrations " + sh_quote(ws.migrations) + " --results-dir " +
                           sh_quote(ws.results("x"));
  const std::string uri = "postgresql://app:" + kSecret + "@db.example.com/app";
  for (const std::string& args :
       {"--ledgr " + sh_quote(uri), "--ledgr=" + sh_quote(uri), "--concurrency " + sh_quote(uri),
        "--ledgr " + sh_quote("host=db password=" + kSecret + " dbname=app"),
        "--ledgr " + sh_quote("postgresql://app:2024/" + kSecret + "!@db/x"),
        sh_quote(uri) + " --dsn " + sh_quote(uri),
        "--dsn " + sh_quote(uri) + " --max-failure-rate " + sh_quote("PGPASSWORD=" + kSecret)}) {
    const CliRun run = run_cli(base + " " + args, ws.dir);
    INFO(args);
    CHECK(run.code == 2);
    require_no_secret(run);
  }
  CHECK_FALSE(fs::exists(ws.results("x")));
}

TEST_CASE("secrets: a malformed pgfleet.json is named by line and column, never quoted",
          "[secrets]") {
  const Workspace ws = make_workspace("secrets_config");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  write_file(ws.dir + "/pgfleet.json",
             "{\n  \"concurrency\": 4,\n  \"control-plane\": "
             "\"postgresql://cp:" +
                 kSecret + "@cp.example.com/cp\" x\n}\n");
  const CliRun run = run_cli("plan --migrations " + sh_quote(ws.migrations), ws.dir);
  CHECK(run.code == 2);
  require_no_secret(run);
  CHECK_THAT(run.err, Catch::Contains("pgfleet.json: invalid JSON at line 3, column"));

  // A value that does not fit its key is named by the key, not quoted.
  write_file(ws.dir + "/pgfleet.json",
             "{\"concurrency\": \"postgresql://cp:" + kSecret + "@cp.example.com/cp\"}");
  const CliRun bad_value = run_cli("plan --migrations " + sh_quote(ws.migrations), ws.dir);
  CHECK(bad_value.code == 2);
  require_no_secret(bad_value);
  CHECK_THAT(bad_value.err, Catch::Contains("key \"concurrency\""));
}

TEST_CASE("secrets: a password holding '/' is refused, never read as host and database",
          "[secrets]") {
  const Workspace ws = make_workspace("secrets_slash");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  // libpq reads host "app", port 2024 and database "Spring!@db/x" out of this.
  const std::string dsn = "postgresql://app:2024/" + kSecret + "!@" + cluster().host + "/x";
  const CliRun run = run_cli("plan --migrations " + sh_quote(ws.migrations) + " --results-dir " +
                                 sh_quote(ws.results("x")) + " --dsn " + sh_quote(dsn),
                             ws.dir);
  CHECK(run.code == 1);
  require_no_secret(run);
  const std::string run_dir = only_run_dir(ws.results("x"));
  const std::string everything = read_tree(run_dir);
  CHECK(everything.find(kSecret) == std::string::npos);
  const auto lines = tenant_lines(run_dir);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["status"] == "invalid");
  CHECK_THAT(lines[0]["reason"].get<std::string>(), Catch::Contains("%2F"));
}
