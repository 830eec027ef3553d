// The rules about the tenant a file runs for: search_path and schema-qualified names in a
// schema-per-tenant project, `${` without the placeholders directive.
#include <algorithm>
#include <catch2/catch.hpp>

#include "migration_builders.hpp"
#include "pgfleet/migrations/lint.hpp"

using namespace pgfleet;
using pgfleet::test::make_migration;

namespace {

std::vector<LintFinding> found(const std::string& up, const std::string& rule,
                               Tenancy tenancy = Tenancy::schema_per_tenant,
                               const std::string& down = "SELECT 1;") {
  LintConfig config;
  config.tenancy = tenancy;
  std::vector<LintFinding> all = lint(MigrationSet({make_migration(1, "m", up, down)}), config);
  std::vector<LintFinding> of_rule;
  std::copy_if(all.begin(), all.end(), std::back_inserter(of_rule),
               [&](const LintFinding& f) { return f.rule == rule; });
  return of_rule;
}

const std::string kSearchPath = "search-path-or-schema-qualified";
const std::string kPlaceholder = "placeholder-without-directive";

}  // namespace

TEST_CASE("lint rule search-path-or-schema-qualified: a search_path change is an error") {
  for (const char* sql : {"SET search_path = other;", "SET LOCAL search_path TO public;",
                          "RESET search_path;", "SELECT set_config('search_path', 'x', true);",
                          "ALTER ROLE app SET search_path = shared;"}) {
    INFO(sql);
    const auto f = found(sql, kSearchPath);
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == LintSeverity::error);
  }
}

TEST_CASE("lint rule search-path-or-schema-qualified: names in another schema") {
  for (const char* sql :
       {"ALTER TABLE public.accounts ADD COLUMN IF NOT EXISTS n int;",
        "CREATE TABLE shared.settings (id int);", "INSERT INTO other.t (a) VALUES (1);",
        "UPDATE other.t SET a = 1;", "SELECT 1 FROM other.t;", "CREATE INDEX i ON other.t (a);",
        "SELECT public.uuid_generate_v4();", "SELECT x::public.mood FROM t;",
        "CREATE TABLE t (a int REFERENCES public.accounts (id));",
        "UPDATE t SET a = 1 FROM (SELECT id FROM other.t) s WHERE s.id = t.id;"}) {
    INFO(sql);
    const auto f = found(sql, kSearchPath);
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == LintSeverity::warning);
  }
}

TEST_CASE("lint rule search-path-or-schema-qualified: columns, catalogs and other tenancy pass") {
  for (const char* sql :
       {"UPDATE accounts a SET plan = p.name FROM plans p WHERE p.id = a.plan_id;",
        "SELECT a.id FROM accounts a JOIN plans p ON p.id = a.plan_id;",
        "SELECT EXTRACT(year FROM a.created_at) FROM accounts a;",
        "SELECT pg_catalog.now(), information_schema.tables.table_name FROM "
        "information_schema.tables;",
        "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = "
        "excluded.a;",
        "CREATE TABLE accounts (id bigint PRIMARY KEY);"}) {
    INFO(sql);
    CHECK(found(sql, kSearchPath).empty());
  }
  CHECK(found("SET search_path = other;", kSearchPath, Tenancy::database_per_tenant).empty());
  CHECK(found("ALTER TABLE public.t ADD COLUMN n int;", kSearchPath, Tenancy::database_per_tenant)
            .empty());
}

TEST_CASE("lint rule placeholder-without-directive: ${ outside comments without the directive") {
  const auto up = found(
      "-- owner: ${tenant}\nCREATE TABLE t (id int);\nCOMMENT ON TABLE t IS "
      "'for ${tenant_id}';\n",
      kPlaceholder, Tenancy::database_per_tenant);
  REQUIRE(up.size() == 1);
  CHECK(up[0].line == 3);
  CHECK(up[0].severity == LintSeverity::warning);
  const auto down = found("CREATE TABLE t (id int);", kPlaceholder, Tenancy::database_per_tenant,
                          "DROP TABLE ${schema}.t;");
  REQUIRE(down.size() == 1);
  CHECK(down[0].file == "1_m.down.sql");
  CHECK(found("CREATE TABLE t (price text DEFAULT '$ {x}');", kPlaceholder,
              Tenancy::database_per_tenant)
            .empty());
}

TEST_CASE("lint rule placeholder-without-directive: the placeholders directive silences it") {
  // Built by hand: the directive parser may not know `placeholders` yet; lint reads the line.
  Migration m;
  m.version = 1;
  m.name = "m";
  m.up = MigrationFile{"1_m.up.sql",
                       "-- pgfleet: no-transaction placeholders\nCREATE TABLE t (owner text "
                       "DEFAULT ${tenant_id:literal});\n",
                       {}};
  m.down = MigrationFile{"1_m.down.sql", "DROP TABLE t;", {}};
  for (const LintFinding& f : lint_migration(m)) CHECK(f.rule != kPlaceholder);
}
