// The decisions inside the newer lint rules (the corpus has a bad and a good file for each).
#include <algorithm>
#include <catch2/catch.hpp>

#include "pgfleet/migrations/directives.hpp"
#include "pgfleet/migrations/lint.hpp"

using namespace pgfleet;

namespace {

std::vector<LintFinding> findings_of(const std::string& sql) {
  Migration m;
  m.version = 1;
  m.name = "m";
  m.up = MigrationFile{"1_m.up.sql", sql, parse_directives(sql)};
  m.down = MigrationFile{"1_m.down.sql", "SELECT 1;", {}};
  return lint_migration(m);
}

int count(const std::string& sql, const std::string& rule) {
  const auto found = findings_of(sql);
  return static_cast<int>(std::count_if(found.begin(), found.end(),
                                        [&](const LintFinding& f) { return f.rule == rule; }));
}

}  // namespace

TEST_CASE("lint rule add-column-rewrites-table: volatile defaults serial identity stored") {
  const std::string rule = "add-column-rewrites-table";
  for (const char* sql : {"ALTER TABLE t ADD COLUMN r float8 DEFAULT random();",
                          "ALTER TABLE t ADD COLUMN at timestamptz DEFAULT clock_timestamp();",
                          "ALTER TABLE t ADD COLUMN n bigint DEFAULT nextval('s');",
                          "ALTER TABLE t ADD COLUMN u uuid DEFAULT public.uuid_generate_v4();",
                          "ALTER TABLE t ADD COLUMN id bigserial;",
                          "ALTER TABLE t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;",
                          "ALTER TABLE t ADD COLUMN d int GENERATED ALWAYS AS (a * 2) STORED;"}) {
    INFO(sql);
    CHECK(count(sql, rule) == 1);
  }
  for (const char* sql : {"ALTER TABLE t ADD COLUMN at timestamptz DEFAULT now();",
                          "ALTER TABLE t ADD COLUMN s text DEFAULT 'random()';",
                          "ALTER TABLE t ADD COLUMN n int DEFAULT 0 NOT NULL;",
                          "CREATE TABLE t (id bigserial, u uuid DEFAULT gen_random_uuid());"}) {
    INFO(sql);
    CHECK(count(sql, rule) == 0);
  }
}

TEST_CASE("lint rule lock-held-across-statements: existing tables only") {
  const std::string rule = "lock-held-across-statements";
  CHECK(count("ALTER TABLE a ADD COLUMN c text;\nSELECT 1;", rule) == 1);
  CHECK(count("ALTER TABLE a ADD COLUMN c text;\nALTER TABLE b ADD COLUMN c text;", rule) == 2);
  CHECK(count("SELECT 1;\nALTER TABLE a ADD COLUMN c text;", rule) == 0);
  CHECK(count("CREATE TRIGGER tr BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();\nSELECT 1;",
              rule) == 1);
  CHECK(count("CREATE TABLE n (id bigint);\nALTER TABLE n ADD COLUMN c text;\nSELECT 1;", rule) ==
        0);
  CHECK(count("-- pgfleet: no-transaction\nALTER TABLE a ADD COLUMN IF NOT EXISTS c text;\n"
              "ALTER TABLE b ADD COLUMN IF NOT EXISTS c text;",
              rule) == 0);
}

TEST_CASE("lint rule backfill-in-ddl-transaction: same table same transaction") {
  const std::string rule = "backfill-in-ddl-transaction";
  CHECK(count("ALTER TABLE a ADD COLUMN c text;\nUPDATE a SET c = 'x';", rule) == 1);
  CHECK(count("CREATE INDEX i ON a (c);\nDELETE FROM a WHERE c IS NULL;", rule) == 1);
  CHECK(count("ALTER TABLE a ADD COLUMN c text;\nINSERT INTO a (c) SELECT c FROM b;", rule) == 1);
  CHECK(count("ALTER TABLE a ADD COLUMN c text;\nINSERT INTO a (c) VALUES ('x');", rule) == 0);
  CHECK(count("ALTER TABLE a ADD COLUMN c text;\nUPDATE b SET c = 'x';", rule) == 0);
}

TEST_CASE("lint rule timeout-override: a zero timeout is an error") {
  const auto zero = findings_of("SET lock_timeout = 0;");
  REQUIRE(zero.size() == 1);
  CHECK(zero[0].severity == LintSeverity::error);
  const auto local = findings_of("SET LOCAL statement_timeout TO '5s';");
  REQUIRE(local.size() == 1);
  CHECK(local[0].rule == "timeout-override");
  CHECK(local[0].severity == LintSeverity::warning);
  CHECK(count("SET statement_timeout = '0';", "timeout-override") == 1);
  CHECK(count("SET work_mem = '64MB';", "timeout-override") == 0);
}

TEST_CASE("lint rule session-set-in-no-transaction and transaction control") {
  const std::string nt = "-- pgfleet: no-transaction\n";
  CHECK(count(nt + "SET search_path = app;", "session-set-in-no-transaction") == 1);
  CHECK(count("SET LOCAL search_path = app;", "session-set-in-no-transaction") == 0);
  CHECK(count(nt + "COMMIT;", "transaction-control-in-no-transaction") == 1);
}

TEST_CASE("lint rule enum-value-used-in-same-transaction and identifier-too-long") {
  CHECK(count("ALTER TYPE s ADD VALUE 'gone';\nSELECT 'gone'::s;",
              "enum-value-used-in-same-transaction") == 1);
  CHECK(count("-- pgfleet: no-transaction\nALTER TYPE s ADD VALUE IF NOT EXISTS 'gone';\n"
              "SELECT 'gone'::s;",
              "enum-value-used-in-same-transaction") == 0);
  const std::string long_name(64, 'x');
  CHECK(count("CREATE INDEX " + long_name + " ON n (a);", "identifier-too-long") == 1);
  CHECK(count("CREATE TABLE \"" + long_name + "\" (id bigint);", "identifier-too-long") == 1);
  CHECK(count("CREATE TABLE " + long_name.substr(1) + " (id bigint);", "identifier-too-long") == 0);
}

TEST_CASE("lint rule no-transaction-not-idempotent: ALTER TABLE ADD and DROP") {
  const std::string nt = "-- pgfleet: no-transaction\nSELECT 1;\n";
  const std::string rule = "no-transaction-not-idempotent";
  CHECK(count(nt + "ALTER TABLE t ADD COLUMN c text;", rule) == 1);
  CHECK(count(nt + "ALTER TABLE t ADD COLUMN IF NOT EXISTS c text;", rule) == 0);
  CHECK(count(nt + "ALTER TABLE t DROP COLUMN c;", rule) == 1);
  CHECK(count(nt + "ALTER TABLE t DROP COLUMN IF EXISTS c, DROP CONSTRAINT IF EXISTS k;", rule) ==
        0);
  CHECK(count(nt + "ALTER TABLE t ADD CONSTRAINT k CHECK (c > 0) NOT VALID;", rule) == 1);
  CHECK(count(nt + "ALTER TABLE t ALTER COLUMN c DROP DEFAULT;", rule) == 0);
}

TEST_CASE("lint rule json-column and domain-check-constraint and drop rules") {
  CHECK(count("CREATE TABLE n (id bigint, doc json);", "json-column") == 1);
  CHECK(count("CREATE TABLE n (id bigint, doc jsonb);", "json-column") == 0);
  CHECK(count("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);", "domain-check-constraint") ==
        1);
  CHECK(count("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID;",
              "domain-check-constraint") == 0);
  CHECK(count("DROP DATABASE x;", "drop-schema-or-database") == 1);
  CHECK(count("DROP SCHEMA x;", "drop-schema-or-database") == 0);
  CHECK(count("TRUNCATE TABLE a, b CASCADE;", "truncate-cascade") == 1);
  CHECK(count("VACUUM (FULL, ANALYZE) a;", "vacuum-full-or-cluster") == 1);
  CHECK(count("CLUSTER a USING a_pkey;", "vacuum-full-or-cluster") == 1);
}

TEST_CASE("lint rule drop-object: views functions types and triggers unless created again") {
  const std::string rule = "drop-object";
  for (const char* sql :
       {"DROP VIEW v;", "DROP MATERIALIZED VIEW IF EXISTS s.v;", "DROP FUNCTION f(bigint);",
        "DROP PROCEDURE p;", "DROP TYPE kind;", "DROP DOMAIN email;", "DROP SEQUENCE s;",
        "DROP TRIGGER t ON x;", "DROP VIEW v;\nCREATE VIEW w AS SELECT 1;",
        "DROP FUNCTION f(int);\nCREATE VIEW f AS SELECT 1;"}) {
    INFO(sql);
    CHECK(count(sql, rule) == 1);
  }
  for (const char* sql :
       {"DROP TABLE t;", "DROP INDEX i;", "DROP VIEW IF EXISTS v;\nCREATE VIEW v AS SELECT 1;",
        "DROP FUNCTION f(int);\nCREATE OR REPLACE FUNCTION f(bigint) RETURNS int "
        "LANGUAGE sql AS 'SELECT 1';",
        "DROP MATERIALIZED VIEW m;\nCREATE MATERIALIZED VIEW IF NOT EXISTS m AS "
        "SELECT 1;",
        "DROP TRIGGER IF EXISTS t ON x;\nCREATE CONSTRAINT TRIGGER t AFTER "
        "INSERT ON x FOR EACH ROW EXECUTE FUNCTION g();"}) {
    INFO(sql);
    CHECK(count(sql, rule) == 0);
  }
  const auto trigger = findings_of("DROP TRIGGER t ON x;");
  REQUIRE_FALSE(trigger.empty());
  CHECK_THAT(trigger[0].message, Catch::Contains("silently stops"));
}

TEST_CASE("lint rule enum-value-position: ADD VALUE needs BEFORE or AFTER when opted in") {
  Migration m;
  m.version = 1;
  m.name = "m";
  m.up = MigrationFile{"1_m.up.sql", "ALTER TYPE s ADD VALUE 'x';\n", {}};
  m.down = MigrationFile{"1_m.down.sql", "SELECT 1;", {}};
  CHECK(count("ALTER TYPE s ADD VALUE 'x';", "enum-value-position") == 0);  // opt-in: off
  LintConfig opted;
  opted.include = {"enum-value-position"};
  const auto rules_of = [&](const std::string& sql) {
    m.up.sql = sql;
    std::vector<std::string> rules;
    for (const LintFinding& f : lint(MigrationSet({m}), opted)) rules.push_back(f.rule);
    return rules;
  };
  CHECK(rules_of("ALTER TYPE s ADD VALUE 'x';") == std::vector<std::string>{"enum-value-position"});
  CHECK(rules_of("ALTER TYPE s ADD VALUE IF NOT EXISTS 'x' AFTER 'a';").empty());
  CHECK(rules_of("ALTER TYPE public.s ADD VALUE 'x' BEFORE 'a';").empty());
  CHECK(rules_of("ALTER TYPE s RENAME VALUE 'x' TO 'y';") == std::vector<std::string>{"rename"});
}
