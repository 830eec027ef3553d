#include <catch2/catch.hpp>
#include <sstream>

#include "pgfleet/fleet/tenant_sources.hpp"

using namespace pgfleet;

namespace {

std::vector<Tenant> parse(const std::string& text) {
  std::istringstream in(text);
  return load_tenants_from_json(in, "tenants.json");
}

// A control plane that answers every query with canned rows, or fails with a canned error.
class CannedSession : public Session {
 public:
  QueryResult result;
  std::optional<DbError> error;
  std::string last_sql;
  std::optional<std::string> last_param;

  QueryResult exec(const std::string& sql) override {
    last_sql = sql;
    last_param.reset();
    if (error) throw *error;
    return result;
  }
  BatchResult exec_batch(const std::string& sql) override { return BatchResult{{exec(sql)}, {}}; }
  QueryResult exec_with_param(const std::string& sql, const std::string& param) override {
    last_sql = sql;
    last_param = param;
    if (error) throw *error;
    return result;
  }
  void cancel() override {}
  std::string quote(const std::string& s) const override { return "'" + s + "'"; }
  std::string quote_name(const std::string& s) const override { return "\"" + s + "\""; }
  long round_trips() const override { return 0; }
};

}  // namespace

TEST_CASE("a JSON array of tenant objects is read with every key") {
  const auto tenants = parse(R"([
    {"id": "acme", "connection_string": "postgres://u@db1/acme", "schema": "acme_s",
     "neon_project_id": "proj-1"},
    {"id": 42, "dsn": "host=db2 dbname=t42"}
  ])");
  REQUIRE(tenants.size() == 2);
  CHECK(tenants[0].id == "acme");
  CHECK(tenants[0].connection_string == "postgres://u@db1/acme");
  CHECK(tenants[0].schema == std::optional<std::string>("acme_s"));
  CHECK(tenants[0].neon_project_id == std::optional<std::string>("proj-1"));
  CHECK(tenants[1].id == "42");
  CHECK(tenants[1].connection_string == "host=db2 dbname=t42");
  CHECK_FALSE(tenants[1].schema);
  CHECK(tenants[1].invalid_reason.empty());
}

TEST_CASE("JSON Lines are read one object per line, blank lines skipped") {
  const auto tenants = parse(
      "{\"id\":\"a\",\"connection_string\":\"postgres://h/a\"}\n\n"
      "{\"id\":\"b\",\"connection_string\":\"postgres://h/b\",\"schema\":null}\r\n");
  REQUIRE(tenants.size() == 2);
  CHECK(tenants[1].id == "b");
  CHECK_FALSE(tenants[1].schema);
}

TEST_CASE("a JSON syntax error names the source and the line, without quoting the input") {
  try {
    parse(
        "{\"id\":\"a\",\"connection_string\":\"postgres://h/a\"}\n"
        "{\"id\":\"b\",\"connection_string\":\"postgres://u:s3cret@h/b\",}\n");
    FAIL("expected an error");
  } catch (const TenantSourceError& e) {
    const std::string what = e.what();
    CHECK(what.rfind("tenants.json:2:", 0) == 0);
    CHECK(what.find("s3cret") == std::string::npos);
  }
  try {
    parse("[\n  {\"id\": \"a\"},\n  {\"id\": \"b\" \"x\": 1}\n]");
    FAIL("expected an error");
  } catch (const TenantSourceError& e) {
    CHECK(std::string(e.what()).rfind("tenants.json:3:", 0) == 0);
  }
  CHECK_THROWS_AS(parse("[1, 2]"), TenantSourceError);
  CHECK_THROWS_AS(parse("\"just a string\"\n"), TenantSourceError);
}

TEST_CASE("an empty tenants file gives no tenants") {
  CHECK(parse("").empty());
  CHECK(parse("[]").empty());
}

TEST_CASE("a wrong value type makes only that row invalid") {
  auto tenants = parse(
      R"([{"id": "a", "connection_string": 5}, {"id": "b", "connection_string": "postgres://h/b"}])");
  REQUIRE(tenants.size() == 2);
  validate_tenants(tenants);
  CHECK_THAT(tenants[0].invalid_reason, Catch::Contains("connection_string"));
  CHECK(tenants[1].invalid_reason.empty());
}

TEST_CASE("validation marks bad rows invalid and keeps good ones") {
  std::vector<Tenant> tenants = {
      {"good", "postgres://u:pw@db1:5433/good", std::nullopt, std::nullopt, ""},
      {"", "postgres://db1/x", std::nullopt, std::nullopt, ""},
      {"dup", "postgres://db1/d1", std::nullopt, std::nullopt, ""},
      {"dup", "postgres://db1/d2", std::nullopt, std::nullopt, ""},
      {"noconn", "", std::nullopt, std::nullopt, ""},
      {"nohost", "dbname=x user=y", std::nullopt, std::nullopt, ""},
      {"garbage", "postgres://u:p@:99999999/x?%%%", std::nullopt, std::nullopt, ""},
      {"badschema", "postgres://db1/s", std::string("x; drop table y"), std::nullopt, ""},
      {"pgschema", "postgres://db1/s", std::string("pg_catalog"), std::nullopt, ""},
      {"okschema", "postgres://db1/s", std::string("Tenant_7$"), std::nullopt, ""},
      {"line\nbreak", "postgres://db1/s", std::nullopt, std::nullopt, ""},
  };
  validate_tenants(tenants);
  CHECK(tenants[0].invalid_reason.empty());
  CHECK(tenants[1].invalid_reason == "empty id");
  CHECK_THAT(tenants[2].invalid_reason, Catch::Contains("duplicate id"));
  CHECK_THAT(tenants[3].invalid_reason, Catch::Contains("duplicate id"));
  CHECK(tenants[4].invalid_reason == "empty connection string");
  CHECK_FALSE(tenants[5].invalid_reason.empty());
  CHECK_FALSE(tenants[6].invalid_reason.empty());
  CHECK_THAT(tenants[7].invalid_reason, Catch::Contains("schema"));
  CHECK_THAT(tenants[8].invalid_reason, Catch::Contains("schema"));
  CHECK(tenants[9].invalid_reason.empty());
  CHECK_THAT(tenants[10].invalid_reason, Catch::Contains("control character"));
}

TEST_CASE("a second tenant on the same database or schema is invalid, the first is kept") {
  std::vector<Tenant> tenants = {
      {"first", "postgres://u:pw@DB1:5432/app", std::nullopt, std::nullopt, ""},
      {"same", "host=db1 port=5432 dbname=app user=other", std::nullopt, std::nullopt, ""},
      {"other_port", "postgres://db1:5433/app", std::nullopt, std::nullopt, ""},
      {"other_db", "postgres://db1/app2", std::nullopt, std::nullopt, ""},
      {"schema_a", "postgres://db1/shared", std::string("a"), std::nullopt, ""},
      {"schema_b", "postgres://db1/shared", std::string("b"), std::nullopt, ""},
      {"schema_a2", "postgres://db1/shared", std::string("a"), std::nullopt, ""},
  };
  validate_tenants(tenants);
  CHECK(tenants[0].invalid_reason.empty());
  CHECK(tenants[1].invalid_reason == "same database as tenant first (db1:5432/app)");
  CHECK(tenants[2].invalid_reason.empty());
  CHECK(tenants[3].invalid_reason.empty());
  CHECK(tenants[4].invalid_reason.empty());
  CHECK(tenants[5].invalid_reason.empty());
  CHECK(tenants[6].invalid_reason == "same database as tenant schema_a (db1:5432/shared/a)");
}

TEST_CASE("validation never puts the password into a reason") {
  const std::string canary = "p@ss:/%#' word";
  std::vector<Tenant> tenants = {
      {"a", "postgresql://user:p%40ss%3A%2F%25%23%27%20word@/db", std::nullopt, std::nullopt, ""},
      {"b", "host='' password='p@ss:/%#\\' word' dbname=x", std::nullopt, std::nullopt, ""},
      {"c", "user=u password='p@ss:/%#\\' word", std::nullopt, std::nullopt, ""},
      {"d", "postgres://user:p@ss:/%#' word@host/db", std::nullopt, std::nullopt, ""},
  };
  validate_tenants(tenants);
  for (const auto& t : tenants) {
    INFO(t.id << ": " << t.invalid_reason);
    if (t.id != "d") CHECK_FALSE(t.invalid_reason.empty());
    CHECK(t.invalid_reason.find("p@ss") == std::string::npos);
    CHECK(t.invalid_reason.find("p%40ss") == std::string::npos);
    CHECK(t.invalid_reason.find("word") == std::string::npos);
  }
}

TEST_CASE("schema names") {
  CHECK(is_valid_schema_name("tenant_1"));
  CHECK(is_valid_schema_name("_x$"));
  CHECK_FALSE(is_valid_schema_name(""));
  CHECK_FALSE(is_valid_schema_name("1abc"));
  CHECK_FALSE(is_valid_schema_name("a-b"));
  CHECK_FALSE(is_valid_schema_name("a.b"));
  CHECK_FALSE(is_valid_schema_name("pg_temp"));
  CHECK_FALSE(is_valid_schema_name(std::string(64, 'a')));
  CHECK(is_valid_schema_name(std::string(63, 'a')));
}

TEST_CASE("a --dsn tenant is named after its database") {
  CHECK(tenant_from_dsn("postgres://u:pw@localhost:5432/shop").id == "shop");
  CHECK(tenant_from_dsn("host=localhost dbname=crm user=x").id == "crm");
  CHECK(tenant_from_dsn("host=localhost user=alice").id == "alice");
  const Tenant bad = tenant_from_dsn("dbname=x");  // no host: would fall back to PGHOST
  CHECK_FALSE(bad.invalid_reason.empty());
  const Tenant t = tenant_from_dsn("postgres://u:pw@localhost/shop");
  CHECK(t.connection_string == "postgres://u:pw@localhost/shop");
  CHECK(t.invalid_reason.empty());
}

TEST_CASE("control-plane rows are read by column name") {
  CannedSession s;
  s.result.columns = {"schema", "connection_string", "id", "neon_project_id", "extra"};
  s.result.rows = {
      {std::string("s1"), std::string("postgres://h/a"), std::string("a"), std::nullopt,
       std::string("x")},
      {std::nullopt, std::nullopt, std::string("b"), std::string("proj"), std::nullopt},
  };
  const auto tenants = load_tenants_from_control_plane(s, kDefaultTenantQuery, std::nullopt);
  CHECK(s.last_sql == kDefaultTenantQuery);
  CHECK_FALSE(s.last_param);
  REQUIRE(tenants.size() == 2);
  CHECK(tenants[0].id == "a");
  CHECK(tenants[0].schema == std::optional<std::string>("s1"));
  CHECK(tenants[0].connection_string == "postgres://h/a");
  CHECK(tenants[1].connection_string.empty());
  CHECK(tenants[1].neon_project_id == std::optional<std::string>("proj"));
}

TEST_CASE("the control-plane key is bound as $1 and redacted from errors") {
  CannedSession s;
  s.result.columns = {"id", "dsn"};
  s.result.rows = {{std::string("a"), std::string("postgres://h/a")}};
  const auto tenants =
      load_tenants_from_control_plane(s, "SELECT ... $1", std::string("k3y-secret"));
  CHECK(s.last_param == std::optional<std::string>("k3y-secret"));
  REQUIRE(tenants.size() == 1);
  CHECK(tenants[0].connection_string == "postgres://h/a");

  s.error = DbError("22P02", "invalid input syntax for type integer: \"k3y-secret\"");
  try {
    load_tenants_from_control_plane(s, "SELECT $1::int", std::string("k3y-secret"));
    FAIL("expected an error");
  } catch (const TenantSourceError& e) {
    CHECK_THAT(e.what(), Catch::Contains("22P02"));
    CHECK(std::string(e.what()).find("k3y-secret") == std::string::npos);
  }
}

TEST_CASE("a tenant query without the required columns is an error naming them") {
  CannedSession s;
  s.result.columns = {"name", "url"};
  try {
    load_tenants_from_control_plane(s, "SELECT name, url FROM t", std::nullopt);
    FAIL("expected an error");
  } catch (const TenantSourceError& e) {
    CHECK_THAT(e.what(), Catch::Contains("connection_string"));
    CHECK_THAT(e.what(), Catch::Contains("name, url"));
  }
}

TEST_CASE("validation parses each connection string once and keeps it with the tenant") {
  std::vector<Tenant> tenants = parse(
      R"([{"id": "a", "connection_string": "postgres://u:pw@db1:6432/a"},
          {"id": "b", "connection_string": "postgres://u@/nohost"}])");
  REQUIRE_FALSE(tenants[0].conninfo);
  validate_tenants(tenants);
  REQUIRE(tenants[0].conninfo);
  CHECK(tenants[0].conninfo->host_port() == "db1:6432");
  CHECK(tenants[0].conninfo->dbname() == "a");
  CHECK_FALSE(tenants[1].invalid_reason.empty());
  CHECK_FALSE(tenants[1].conninfo);
  // Later steps read the parsed form, not the text: a validated tenant is not parsed again.
  tenants[0].connection_string = "not parsed again";
  validate_tenants(tenants);
  CHECK(tenants[0].invalid_reason.empty());
  const Tenant dsn = tenant_from_dsn("host=db2 dbname=shop");
  REQUIRE(dsn.conninfo);
  CHECK(dsn.conninfo->host() == "db2");
}

TEST_CASE("extra control-plane columns are the tenant's vars and NULL ones are left out") {
  CannedSession s;
  s.result.columns = {"id", "connection_string", "region", "plan", "schema"};
  s.result.rows = {
      {std::string("a"), std::string("postgres://h/a"), std::string("eu"), std::nullopt,
       std::string("s1")},
  };
  const auto tenants = load_tenants_from_control_plane(s, kDefaultTenantQuery, std::nullopt);
  REQUIRE(tenants.size() == 1);
  CHECK(tenants[0].vars == std::map<std::string, std::string>{{"region", "eu"}});
}

TEST_CASE("extra string keys of a tenants-file object are the tenant's vars") {
  const auto tenants = parse(R"([{"id": "a", "dsn": "host=h dbname=a", "region": "us",
     "seats": 5, "schema": "s", "plan": "pro"}])");
  REQUIRE(tenants.size() == 1);
  CHECK(tenants[0].vars == std::map<std::string, std::string>{{"region", "us"}, {"plan", "pro"}});
}
