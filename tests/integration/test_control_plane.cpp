// The control plane as a real database: tenants read by column name, connection strings stored
// encrypted with pgcrypto and decrypted with the key bound as $1, bad rows kept as invalid.
#include <catch2/catch.hpp>
#include <map>

#include "pgfleet/fleet/tenant_sources.hpp"
#include "test_env.hpp"

using namespace pgfleet;

namespace {

std::map<std::string, Tenant> by_id(const std::vector<Tenant>& tenants) {
  std::map<std::string, Tenant> out;
  for (const auto& t : tenants) out.emplace(t.id, t);
  return out;
}

const Tenant* find(const std::vector<Tenant>& tenants, const std::string& id) {
  for (const auto& t : tenants) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("tenants are read from a control-plane table, bad rows become invalid") {
  const std::string cp = test::create_database("cp_plain");
  const std::string good_dsn = test::dsn_for("tenant_a");
  test::query(cp,
              "CREATE TABLE tenants (id text, connection_string text, active boolean NOT NULL, "
              "schema text, neon_project_id text, note text);"
              "INSERT INTO tenants VALUES "
              "('a', '" +
                  good_dsn +
                  "', true, NULL, 'proj-1', 'x'),"
                  "('b', 'host=127.0.0.1 port=5 dbname=b user=u', true, 'tenant_b', NULL, NULL),"
                  "('off', '" +
                  good_dsn +
                  "', false, NULL, NULL, NULL),"
                  "('', '" +
                  good_dsn +
                  "', true, NULL, NULL, NULL),"
                  "('dup', 'host=h1 dbname=d1', true, NULL, NULL, NULL),"
                  "('dup', 'host=h2 dbname=d2', true, NULL, NULL, NULL),"
                  "('nohost', 'dbname=x user=y', true, NULL, NULL, NULL),"
                  "('nulldsn', NULL, true, NULL, NULL, NULL),"
                  "('garbage', 'mysql://nope', true, NULL, NULL, NULL),"
                  "('badschema', 'host=h dbname=x', true, 'a-b', NULL, NULL)");
  auto session = connect_postgres(test::dsn_for(cp));

  SECTION("the default query") {
    auto tenants = load_tenants_from_control_plane(*session, kDefaultTenantQuery, std::nullopt);
    CHECK(tenants.size() == 9);  // every active row, bad ones included
    CHECK(find(tenants, "off") == nullptr);
    validate_tenants(tenants);
    const Tenant* a = find(tenants, "a");
    REQUIRE(a != nullptr);
    CHECK(a->connection_string == good_dsn);
    CHECK(a->invalid_reason.empty());
    CHECK_FALSE(a->neon_project_id);  // not selected by the default query
    CHECK(find(tenants, "b")->invalid_reason.empty());
    CHECK(find(tenants, "")->invalid_reason == "empty id");
    CHECK_THAT(find(tenants, "nohost")->invalid_reason, Catch::Contains("no host"));
    CHECK(find(tenants, "nulldsn")->invalid_reason == "empty connection string");
    CHECK_FALSE(find(tenants, "garbage")->invalid_reason.empty());
    int duplicates = 0;
    for (const auto& t : tenants) {
      if (t.id == "dup") {
        CHECK_THAT(t.invalid_reason, Catch::Contains("duplicate"));
        ++duplicates;
      }
    }
    CHECK(duplicates == 2);
  }

  SECTION("optional columns are read by name, in any order") {
    auto tenants = load_tenants_from_control_plane(
        *session,
        "SELECT note, schema, neon_project_id, connection_string AS dsn, id FROM tenants "
        "WHERE active AND id IN ('a', 'b', 'badschema') ORDER BY id",
        std::nullopt);
    validate_tenants(tenants);
    const auto t = by_id(tenants);
    REQUIRE(t.size() == 3);
    CHECK(t.at("a").neon_project_id == std::optional<std::string>("proj-1"));
    CHECK(t.at("a").connection_string == good_dsn);
    CHECK(t.at("b").schema == std::optional<std::string>("tenant_b"));
    CHECK_THAT(t.at("badschema").invalid_reason, Catch::Contains("schema"));
  }

  SECTION("a query without the required columns is a clear error") {
    CHECK_THROWS_WITH(
        load_tenants_from_control_plane(*session, "SELECT id FROM tenants", std::nullopt),
        Catch::Contains("connection_string"));
  }

  SECTION("a failing query is a TenantSourceError with the server's message") {
    CHECK_THROWS_WITH(load_tenants_from_control_plane(*session, "SELECT id, dsn FROM no_such_table",
                                                      std::nullopt),
                      Catch::Contains("42P01"));
  }
}

TEST_CASE("connection strings stored encrypted are decrypted with the key bound as $1") {
  const std::string cp = test::create_database("cp_crypto");
  const std::string key = "k3y 'with' $1 quotes";
  const std::string dsn_a = test::dsn_for("tenant_enc_a");
  const std::string dsn_b = "postgresql://app:s3cret@db.example:6432/b";
  auto admin = connect_postgres(test::dsn_for(cp));
  admin->exec(
      "CREATE EXTENSION pgcrypto;"
      "CREATE TABLE tenants (id text PRIMARY KEY, conn_enc bytea, active boolean)");
  admin->exec(
      "INSERT INTO tenants VALUES "
      "('a', pgp_sym_encrypt(" +
      admin->quote(dsn_a) + ", " + admin->quote(key) +
      "), true),"
      "('b', pgp_sym_encrypt(" +
      admin->quote(dsn_b) + ", " + admin->quote(key) +
      "), true),"
      "('c', pgp_sym_encrypt('', " +
      admin->quote(key) + "), true)");
  // The stored value is not readable without the key.
  CHECK(test::scalar(
            cp, "SELECT position('s3cret' in conn_enc::text) FROM tenants WHERE id = 'b'") == "0");

  const std::string query =
      "SELECT id, pgp_sym_decrypt(conn_enc, $1) AS connection_string FROM tenants "
      "WHERE active ORDER BY id";
  auto session = connect_postgres(test::dsn_for(cp));
  auto tenants = load_tenants_from_control_plane(*session, query, key);
  validate_tenants(tenants);
  REQUIRE(tenants.size() == 3);
  CHECK(tenants[0].connection_string == dsn_a);
  CHECK(tenants[0].invalid_reason.empty());
  CHECK(tenants[1].connection_string == dsn_b);
  CHECK(tenants[1].invalid_reason.empty());
  CHECK(tenants[2].invalid_reason == "empty connection string");

  // The key was a bound parameter: the server saw `$1` in the query text, never the key.
  const std::string seen =
      "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
      "AND query LIKE '%pgp_sym_decrypt(conn_enc, $1)%'";
  CHECK(test::scalar(cp, seen) == "1");
  CHECK(test::scalar(cp, seen + " AND query LIKE '%k3y%'") == "0");

  SECTION("a wrong key is an error that does not show the key") {
    try {
      load_tenants_from_control_plane(*session, query, std::string("wrong-k3y-value"));
      FAIL("expected an error");
    } catch (const TenantSourceError& e) {
      CHECK_THAT(e.what(), Catch::Contains("tenant query failed"));
      CHECK(std::string(e.what()).find("wrong-k3y-value") == std::string::npos);
    }
  }

  SECTION("a server message echoing the key is redacted") {
    try {
      load_tenants_from_control_plane(*session, "SELECT id, $1::int AS dsn FROM tenants", key);
      FAIL("expected an error");
    } catch (const TenantSourceError& e) {
      CHECK_THAT(e.what(), Catch::Contains("22P02"));
      CHECK(std::string(e.what()).find(key) == std::string::npos);
    }
  }
}

TEST_CASE("an unreachable control plane is an error before any tenant is read") {
  const auto& c = test::cluster();
  // A port nothing listens on: the scratch port's neighbour is not guaranteed free, port 1 is.
  const std::string url = "postgresql://" + c.user + "@127.0.0.1:1/control?connect_timeout=2";
  CHECK_THROWS_AS(connect_postgres(url), ConnectError);
}
