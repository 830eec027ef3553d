// The lint rules about .verify files and opted-in placeholders (docs/LINT.md): verify-writes,
// placeholder-undeclared, placeholder-bare-value; and the statement access they read.
#include <algorithm>
#include <catch2/catch.hpp>

#include "migration_builders.hpp"
#include "pgfleet/migrations/directives.hpp"
#include "pgfleet/migrations/lint.hpp"
#include "pgfleet/sql/statement_access.hpp"
#include "pgfleet/sql/statement_words.hpp"

using namespace pgfleet;
using pgfleet::test::make_migration;

namespace {

std::vector<LintFinding> of_rule(const Migration& m, const std::string& rule,
                                 const LintConfig& config = {}) {
  std::vector<LintFinding> all = lint(MigrationSet({m}), config);
  std::vector<LintFinding> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out),
               [&](const LintFinding& f) { return f.rule == rule; });
  return out;
}

Migration with_verify(const std::string& verify) {
  Migration m = make_migration(1, "m", "CREATE TABLE t (id int);\n", "DROP TABLE t;\n");
  m.verify = MigrationFile{"0001_m.verify.sql", verify, parse_directives(verify)};
  return m;
}

Migration placeholder_up(const std::string& body) {
  return make_migration(1, "m", "-- pgfleet: placeholders\n" + body, "SELECT 1;\n");
}

StatementAccess access(const std::string& sql) { return statement_access(statement_words(sql)); }

}  // namespace

TEST_CASE("statement access: reads and writes") {
  for (const char* sql :
       {"SELECT 1 / count(*) FROM pg_indexes", "WITH c AS (SELECT 1) SELECT * FROM c", "VALUES (1)",
        "TABLE t", "SHOW search_path", "EXPLAIN SELECT 1", "SET LOCAL work_mem = '64MB'",
        "SELECT 'INSERT INTO t' AS text"}) {
    INFO(sql);
    CHECK(access(sql) == StatementAccess::reads);
  }
  for (const char* sql :
       {"INSERT INTO t VALUES (1)", "UPDATE t SET a = 1", "DELETE FROM t", "CREATE TABLE x (a int)",
        "SELECT * INTO copy FROM t", "SELECT * FROM t FOR UPDATE", "SELECT * FROM t FOR KEY SHARE",
        "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "EXPLAIN ANALYZE DELETE FROM t",
        "ANALYZE t", "TRUNCATE t"}) {
    INFO(sql);
    CHECK(access(sql) == StatementAccess::writes);
  }
  CHECK(access("DO $$BEGIN RAISE EXCEPTION 'x'; END$$") == StatementAccess::unchecked);
}

TEST_CASE("lint rule verify-writes: a write in a verify file is a warning at its line") {
  const auto f = of_rule(with_verify("SELECT 1;\nUPDATE t SET id = 1;\n"), "verify-writes");
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == LintSeverity::warning);
  CHECK(f[0].file == "0001_m.verify.sql");
  CHECK(f[0].line == 2);
}

TEST_CASE("lint rule verify-writes: SELECT WITH and DO checks pass") {
  CHECK(of_rule(with_verify("SELECT 1/count(*) FROM pg_indexes WHERE indexname = 'i';\n"
                            "WITH c AS (SELECT 1) SELECT * FROM c;\n"
                            "DO $$BEGIN IF to_regclass('t') IS NULL THEN RAISE EXCEPTION 'x'; "
                            "END IF; END$$;\n"),
                "verify-writes")
            .empty());
  // The .up file may write, of course.
  CHECK(
      of_rule(make_migration(1, "m", "INSERT INTO t VALUES (1);\n", "SELECT 1;\n"), "verify-writes")
          .empty());
}

TEST_CASE("lint rule placeholder-undeclared: a name no built-in and no --var gives is info once") {
  const Migration m = placeholder_up(
      "INSERT INTO s VALUES (${region:literal});\nUPDATE s SET r = ${region:literal};\n");
  const auto f = of_rule(m, "placeholder-undeclared");
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == LintSeverity::info);
  CHECK(f[0].line == 2);
  LintConfig declared;
  declared.declared_vars = {"region"};
  CHECK(of_rule(m, "placeholder-undeclared", declared).empty());
  CHECK(of_rule(placeholder_up("COMMENT ON TABLE t IS ${tenant_id:literal} || ${schema:literal} "
                               "|| ${database:literal} || ${run_id:literal};\n"),
                "placeholder-undeclared")
            .empty());
}

TEST_CASE("lint rule placeholder-undeclared: a file without the directive is not read for it") {
  CHECK(of_rule(make_migration(1, "m", "SELECT '${region}';\n", "SELECT 1;\n"),
                "placeholder-undeclared")
            .empty());
}

TEST_CASE("lint rule placeholder-bare-value: a bare value where a literal or a name is meant") {
  for (const char* sql :
       {"DELETE FROM f WHERE tenant = ${tenant_id};\n",
        "SELECT 1 FROM f WHERE a <> ${tenant_id};\n", "INSERT INTO a (t) VALUES (${tenant_id});\n",
        "INSERT INTO a VALUES (1, ${tenant_id});\n", "CREATE TABLE ${tenant_id} (id int);\n",
        "SELECT count(*) FROM ${schema}.orders;\n"}) {
    INFO(sql);
    const auto f = of_rule(placeholder_up(sql), "placeholder-bare-value");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == LintSeverity::warning);
  }
}

TEST_CASE("lint rule placeholder-bare-value: quoted forms strings and other places pass") {
  for (const char* sql :
       {"DELETE FROM f WHERE tenant = ${tenant_id:literal};\n",
        "CREATE TABLE ${tenant_id:ident} (id int);\n", "COMMENT ON TABLE t IS 'of ${tenant_id}';\n",
        "SELECT pg_sleep(${n});\n", "SELECT f(${n}) FROM t;\n", "INSERT INTO a SELECT ${n};\n"}) {
    INFO(sql);
    CHECK(of_rule(placeholder_up(sql), "placeholder-bare-value").empty());
  }
}
