// What every tenant connection carries (README.md, "Connections"), against the scratch cluster:
// client_encoding UTF8, keepalives, no PG* environment, --require-tls and `tls` in the results,
// and `too many connections` retried.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "engine_support.hpp"
#include "pgfleet/fleet/tenant_connector.hpp"
#include "test_env.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;

namespace {

std::string kv_dsn(const std::string& rest) {
  return "host=" + cluster().host + " port=" + cluster().port + " " + rest;
}

std::string os_user() {
  const passwd* entry = getpwuid(geteuid());
  REQUIRE(entry != nullptr);
  return entry->pw_name;
}

// A login role `name` with the cluster's password, owning a new database of the same name.
void role_with_own_database(const std::string& name) {
  const std::string password = cluster().password;
  query("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + name +
                        "') THEN CREATE ROLE \"" + name + "\" LOGIN; END IF; END $$");
  query("postgres", "ALTER ROLE \"" + name + "\" PASSWORD '" + password + "'");
  query("postgres", "CREATE DATABASE \"" + name + "\" OWNER \"" + name + "\"");
}

}  // namespace

TEST_CASE("non-ASCII text reaches a LATIN1 tenant intact", "[connections]") {
  const std::string db = "latin1_" + std::to_string(getpid());
  query("postgres", "CREATE DATABASE " + db +
                        " ENCODING LATIN1 LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
  const Workspace ws = make_workspace("conn_latin1");
  ws.migration("0001_words.up.sql",
               "CREATE TABLE words (w text);\nINSERT INTO words VALUES ('caf\xC3\xA9');\n");
  const CliRun run = run_cli(apply_args(ws, "--dsn " + sh_quote(dsn_for(db))), ws.dir);
  INFO(run.all());
  REQUIRE(run.code == 0);
  // Read back through a UTF8 connection: one 'é', not the two LATIN1 characters of its bytes.
  CHECK(scalar(db, "SET client_encoding = 'UTF8'; SELECT w FROM words") == "caf\xC3\xA9");
  CHECK(scalar(db, "SELECT length(w) FROM words") == "4");
}

TEST_CASE("tenant sessions run with keepalives and tcp_user_timeout unless the string sets them",
          "[connections]") {
  const std::string db = create_database("conn_keepalive");
  ConnectSettings settings;
  settings.application_name = "pgfleet/keepalive-test";
  auto session = make_connector(tenant_for(db), settings, StopControl::process())();
  // What libpq used for the socket (the server's own tcp_keepalives_* describe its side).
  CHECK(session->connection_option("keepalives") == "1");
  CHECK(session->connection_option("keepalives_idle") == "30");
  CHECK(session->connection_option("keepalives_interval") == "10");
  CHECK(session->connection_option("keepalives_count") == "3");
  CHECK(session->connection_option("tcp_user_timeout") == "60000");
  CHECK(session->exec("SHOW client_encoding").rows.at(0).at(0) == "UTF8");
  CHECK(session->exec("SHOW application_name").rows.at(0).at(0) == "pgfleet/keepalive-test");
  CHECK_FALSE(session->encrypted());

  const Tenant custom = tenant_for(db, dsn_for(db) + "&keepalives_idle=7&tcp_user_timeout=5000");
  auto own = make_connector(custom, settings, StopControl::process())();
  CHECK(own->connection_option("keepalives_idle") == "7");
  CHECK(own->connection_option("tcp_user_timeout") == "5000");
  CHECK(own->connection_option("keepalives_interval") == "10");
}

TEST_CASE("PG environment variables do not reach tenant connections", "[connections]") {
  const std::string user = os_user();
  const std::string password = cluster().password;
  // No user in the string: the OS user, never PGUSER.
  query("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + user +
                        "') THEN CREATE ROLE \"" + user + "\" LOGIN; END IF; END $$");
  query("postgres", "ALTER ROLE \"" + user + "\" PASSWORD '" + password + "'");
  const std::string no_user_db = create_database("conn_env_nouser");
  query("postgres", "ALTER DATABASE " + no_user_db + " OWNER TO \"" + user + "\"");
  // No dbname: the database named like the user, never PGDATABASE.
  const std::string owner = "conn_env_owner_" + std::to_string(getpid());
  role_with_own_database(owner);
  // No password: ~/.pgpass (here PGPASSFILE) still applies, PGPASSWORD does not.
  const std::string pgpass_db = create_database("conn_env_pgpass");
  const Workspace ws = make_workspace("conn_env");
  const std::string pgpass = ws.dir + "/pgpass";
  write_file(pgpass, cluster().host + ":" + cluster().port + ":*:" + cluster().user + ":" +
                         password + "\n");
  REQUIRE(chmod(pgpass.c_str(), 0600) == 0);

  const std::string tenants = ws.dir + "/tenants.json";
  write_file(
      tenants,
      json::array(
          {{{"id", "no-user"},
            {"connection_string", kv_dsn("dbname=" + no_user_db + " password=" + password)}},
           {{"id", "no-dbname"},
            {"connection_string", kv_dsn("user=" + owner + " password=" + password)}},
           {{"id", "pgpass"},
            {"connection_string", kv_dsn("user=" + cluster().user + " dbname=" + pgpass_db)}}})
          .dump());
  ws.migration("0001_seen.up.sql",
               "CREATE TABLE seen AS SELECT current_user::text AS who, "
               "current_setting('search_path') AS search_path, "
               "current_setting('application_name') AS app, "
               "current_setting('TimeZone') AS tz;\n");
  const std::string env =
      "PGUSER=evil_user PGDATABASE=evil_db PGPASSWORD=wrong-password "
      "PGOPTIONS='-c search_path=evil' PGAPPNAME=evil PGTARGETSESSIONATTRS=read-only "
      "PGCLIENTENCODING=LATIN1 PGCONNECT_TIMEOUT=1 PGHOSTADDR=192.0.2.1 PGSERVICE=evil "
      "PGTZ=Pacific/Chatham PGDATESTYLE=German PGPASSFILE=" +
      sh_quote(pgpass);
  const CliRun run = run_cli(apply_args(ws, "--tenants " + sh_quote(tenants)), ws.dir, env);
  INFO(run.all());
  REQUIRE(run.code == 0);
  const std::string server_tz = scalar("postgres", "SHOW TimeZone");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {no_user_db, user}, {owner, owner}, {pgpass_db, cluster().user}};
  for (const auto& [db, who] : expected) {
    INFO(db);
    const QueryResult seen = query(db, "SELECT who, search_path, app, tz FROM seen");
    REQUIRE(seen.rows.size() == 1);
    CHECK(seen.rows[0][0] == who);
    CHECK(seen.rows[0][1] == std::string("\"$user\", public"));
    CHECK(seen.rows[0][2].value_or("").rfind("pgfleet/", 0) == 0);
    CHECK(seen.rows[0][3] == server_tz);
  }
  CHECK(tenant_record(only_run_dir(ws.results("r")), "pgpass")["tls"] == false);
}

TEST_CASE("the require-tls flag refuses every plaintext tenant and tls is recorded",
          "[connections]") {
  const std::string db = create_database("conn_tls");
  const Workspace ws = make_workspace("conn_tls");
  ws.migration("0001_t.up.sql", "CREATE TABLE t (x int);\n");
  const std::string dsn = "--dsn " + sh_quote(dsn_for(db));

  SECTION("--require-tls against a server without TLS") {
    const CliRun run = run_cli(apply_args(ws, dsn) + " --require-tls", ws.dir);
    INFO(run.all());
    CHECK(run.code == 1);
    const json record = tenant_record(only_run_dir(ws.results("r")), db);
    CHECK(record["status"] == "failed");
    CHECK(record["error"]["phase"] == "connect");
    CHECK_THAT(record["error"]["message"].get<std::string>(),
               Catch::Contains("SSL") && Catch::Contains("--require-tls"));
    CHECK(record["tls"].is_null());  // never connected
    CHECK(history_versions(db).empty());
  }
  SECTION("sslmode=require in the connection string") {
    const CliRun run =
        run_cli(apply_args(ws, "--dsn " + sh_quote(dsn_for(db) + "&sslmode=require")), ws.dir);
    INFO(run.all());
    CHECK(run.code == 1);
    const json record = tenant_record(only_run_dir(ws.results("r")), db);
    CHECK(record["status"] == "failed");
    CHECK(record["error"]["phase"] == "connect");
    CHECK_THAT(record["error"]["message"].get<std::string>(),
               Catch::Contains("server does not support SSL"));
  }
  SECTION("PGSSLMODE still applies") {
    const CliRun run = run_cli(apply_args(ws, dsn), ws.dir, "PGSSLMODE=require");
    INFO(run.all());
    CHECK(run.code == 1);
    CHECK(tenant_record(only_run_dir(ws.results("r")), db)["status"] == "failed");
  }
  SECTION("without the flag a plaintext tenant is applied with tls false") {
    const CliRun run = run_cli(apply_args(ws, dsn), ws.dir);
    INFO(run.all());
    CHECK(run.code == 0);
    const json record = tenant_record(only_run_dir(ws.results("r")), db);
    CHECK(record["status"] == "applied");
    CHECK(record["tls"] == false);
  }
}

TEST_CASE("too many connections for a role is retried until a slot frees", "[connections]") {
  const std::string role = "conn_limit_" + std::to_string(getpid());
  role_with_own_database(role);
  query("postgres", "ALTER ROLE " + role + " CONNECTION LIMIT 1");
  const std::string dsn = "postgres://" + role + ":" + cluster().password + "@" + cluster().host +
                          ":" + cluster().port + "/" + role;
  std::unique_ptr<Session> holder = connect_postgres(dsn);  // takes the only slot
  std::vector<std::string> failures;
  const SessionFactory factory = [&](const ConnInfo& info, const ConnectLimits& limits) {
    try {
      return connect_postgres(info, limits);
    } catch (const ConnectError& e) {
      failures.push_back(e.sqlstate());
      holder.reset();  // the slot frees while pgfleet backs off
      throw;
    }
  };
  ConnectSettings settings;
  settings.application_name = "pgfleet/limit-test";
  Tenant tenant = tenant_for(role, dsn);
  auto session = make_connector(tenant, settings, StopControl::process(), factory)();
  CHECK(session->exec("SELECT current_user").rows.at(0).at(0) == role);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0] == "53300");
}
