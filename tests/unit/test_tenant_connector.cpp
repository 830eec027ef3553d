// The connection string pgfleet hands libpq for a tenant (README.md, "Connections"), as a pure
// function: keepalives, client_encoding, no PG* environment, --require-tls. Plus the connect
// error classes and the fields a connection adds to tenants.jsonl.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "pgfleet/db/connect_errors.hpp"
#include "pgfleet/fleet/tenant_connector.hpp"
#include "pgfleet/results/outcome_json.hpp"

using namespace pgfleet;

namespace {

ConnectSettings tenant_settings() {
  ConnectSettings s;
  s.application_name = "pgfleet/run-1";
  return s;
}

ConnInfo prepared(const std::string& dsn, const ConnectSettings& settings = tenant_settings()) {
  return prepare_conninfo(ConnInfo::parse(dsn), settings);
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

}  // namespace

TEST_CASE("tenant connections get keepalives and tcp_user_timeout by default", "[connector]") {
  const ConnInfo info = prepared("postgres://app:pw@db.example/shop");
  CHECK(info.get("keepalives") == "1");
  CHECK(info.get("keepalives_idle") == "30");
  CHECK(info.get("keepalives_interval") == "10");
  CHECK(info.get("keepalives_count") == "3");
  CHECK(info.get("tcp_user_timeout") == "60000");
}

TEST_CASE("keepalive settings in the connection string win over the defaults", "[connector]") {
  const ConnInfo info = prepared(
      "host=db.example keepalives=0 keepalives_idle=7 keepalives_interval=2 keepalives_count=9 "
      "tcp_user_timeout=1234");
  CHECK(info.get("keepalives") == "0");
  CHECK(info.get("keepalives_idle") == "7");
  CHECK(info.get("keepalives_interval") == "2");
  CHECK(info.get("keepalives_count") == "9");
  CHECK(info.get("tcp_user_timeout") == "1234");
}

TEST_CASE("tenant connections always use client_encoding UTF8", "[connector]") {
  CHECK(prepared("postgres://h/db").get("client_encoding") == "UTF8");
  // Migration files are UTF-8: another encoding in the string would garble them.
  CHECK(prepared("host=h client_encoding=LATIN1").get("client_encoding") == "UTF8");
  CHECK(prepared("postgres://h/db").get("application_name") == "pgfleet/run-1");
}

TEST_CASE("every keyword whose PG variable must not apply gets an explicit value", "[connector]") {
  const ConnInfo info = prepared("host=db.example");
  // Empty values block PGUSER, PGPASSWORD, PGDATABASE, PGOPTIONS, PGHOSTADDR; libpq then uses
  // its own defaults (OS user, database named like the user, ~/.pgpass).
  for (const char* keyword : {"user", "password", "dbname", "options", "hostaddr"}) {
    INFO(keyword);
    CHECK(info.get(keyword) == "");
  }
  CHECK(info.get("target_session_attrs") == "any");
  CHECK(info.get("port") == "5432");
  CHECK(info.get("connect_timeout") == "10");
  CHECK(info.host() == "db.example");
}

TEST_CASE("what the connection string says is kept as it is", "[connector]") {
  const ConnInfo info = prepared(
      "postgres://app:pw@db.example:6543/shop?options=-csearch_path%3Dshop"
      "&target_session_attrs=read-write&sslmode=verify-full");
  CHECK(info.user() == "app");
  CHECK(info.password() == "pw");
  CHECK(info.dbname() == "shop");
  CHECK(info.port() == "6543");
  CHECK(info.get("options") == "-csearch_path=shop");
  CHECK(info.get("target_session_attrs") == "read-write");
  CHECK(info.get("sslmode") == "verify-full");
}

TEST_CASE("the control plane leaves the PG environment to libpq", "[connector]") {
  ConnectSettings settings = tenant_settings();
  settings.environment = LibpqEnvironment::honoured;
  const ConnInfo info = prepared("host=db.example", settings);
  for (const char* keyword :
       {"user", "password", "dbname", "options", "hostaddr", "target_session_attrs"}) {
    INFO(keyword);
    CHECK_FALSE(info.get(keyword));
  }
  CHECK(info.get("client_encoding") == "UTF8");
  CHECK(info.get("keepalives") == "1");
}

TEST_CASE("the require-tls flag asks libpq for TLS unless verification is asked for",
          "[connector]") {
  ConnectSettings settings = tenant_settings();
  settings.tls = TlsPolicy::require;
  CHECK(prepared("postgres://h/db", settings).get("sslmode") == "require");
  CHECK(prepared("postgres://h/db?sslmode=prefer", settings).get("sslmode") == "require");
  CHECK(prepared("postgres://h/db?sslmode=disable", settings).get("sslmode") == "require");
  CHECK(prepared("postgres://h/db?sslmode=verify-full", settings).get("sslmode") == "verify-full");
  CHECK(prepared("postgres://h/db?sslmode=verify-ca", settings).get("sslmode") == "verify-ca");
  {
    // PGSSLMODE still applies (TLS variables do): a stricter one is not weakened.
    const ScopedEnv env("PGSSLMODE", "verify-full");
    CHECK_FALSE(prepared("postgres://h/db", settings).get("sslmode"));
  }
  {
    const ScopedEnv env("PGSSLMODE", "disable");
    CHECK(prepared("postgres://h/db", settings).get("sslmode") == "require");
  }
  // Without the flag, sslmode is the string's (or PGSSLMODE's) business.
  CHECK_FALSE(prepared("postgres://h/db").get("sslmode"));
}

TEST_CASE("too many connections for a role is a transient 53300", "[connector]") {
  const ConnectError e = classify_connect_error(
      "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  too many connections "
      "for role \"app\"\n",
      {});
  CHECK(e.kind() == ConnectError::Kind::transient);
  CHECK(e.sqlstate() == "53300");
  const ConnectError db =
      classify_connect_error("FATAL:  too many connections for database \"shop\"", {});
  CHECK(db.kind() == ConnectError::Kind::transient);
  // A missing role is still permanent.
  const ConnectError role = classify_connect_error("FATAL:  role \"app\" does not exist", {});
  CHECK(role.kind() == ConnectError::Kind::permanent);
  CHECK(role.sqlstate() == "28000");
}

TEST_CASE("tenants.jsonl records tls and the error phase", "[connector]") {
  TenantOutcome o = not_run("acme", TenantStatus::failed, "");
  CHECK(outcome_to_json(o)["tls"].is_null());
  o.tls = false;
  o.error = ErrorInfo{};
  o.error->message = "not done within --tenant-timeout 2s";
  o.error->phase = ErrorPhase::timeout;
  const auto record = outcome_to_json(o);
  CHECK(record["tls"] == false);
  CHECK(record["error"]["phase"] == "timeout");
  o.error->phase.reset();
  CHECK(outcome_to_json(o)["error"]["phase"].is_null());
  o.tls = true;
  CHECK(outcome_to_json(o)["tls"] == true);
}

TEST_CASE("what a restarting server says on connect is transient", "[connector]") {
  struct Case {
    const char* message;
    const char* sqlstate;
  };
  const Case cases[] = {
      {"connection to server at \"127.0.0.1\", port 5432 failed: Connection refused\n\tIs the "
       "server running on that host and accepting TCP/IP connections?\n",
       "08001"},
      {"connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" failed: No such file or "
       "directory\n\tIs the server running locally and accepting connections on that socket?\n",
       "08001"},
      {"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  the database system is "
       "starting up\n",
       "57P03"},
      {"FATAL:  the database system is shutting down\n", "57P03"},
      {"FATAL:  the database system is in recovery mode\n", "57P03"},
      {"FATAL:  the database system is not yet accepting connections\nDETAIL:  Consistent "
       "recovery state has not been yet reached.\n",
       "57P03"},
      {"FATAL:  terminating connection due to administrator command\n", "57P01"},
      {"server closed the connection unexpectedly\n\tThis probably means the server terminated "
       "abnormally\n",
       "08006"},
      {"connection to server at \"db.example\", port 5432 failed: SSL SYSCALL error: EOF "
       "detected\n",
       "08006"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    const ConnectError e = classify_connect_error(c.message, {});
    CHECK(e.kind() == ConnectError::Kind::transient);
    CHECK(e.sqlstate() == c.sqlstate);
  }
}

TEST_CASE("connect errors that cannot heal are permanent", "[connector]") {
  struct Case {
    const char* message;
    const char* sqlstate;
  };
  const Case cases[] = {
      {"FATAL:  password authentication failed for user \"app\"\n", "28P01"},
      {"FATAL:  database \"shop\" does not exist\n", "3D000"},
      {"FATAL:  no pg_hba.conf entry for host \"10.0.0.5\", user \"app\", database \"shop\", SSL "
       "off\n",
       "28000"},
      {"server does not support SSL, but SSL was required\n", "08001"},
      {"SSL error: certificate verify failed\n", "08001"},
      {"root certificate file \"/root/.postgresql/root.crt\" does not exist\n", "08001"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    const ConnectError e = classify_connect_error(c.message, {});
    CHECK(e.kind() == ConnectError::Kind::permanent);
    CHECK(e.sqlstate() == c.sqlstate);
  }
}
