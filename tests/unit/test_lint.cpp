#include <algorithm>
#include <catch2/catch.hpp>

#include "pgfleet/migrations/directives.hpp"
#include "pgfleet/migrations/lint.hpp"

using namespace pgfleet;

namespace {

Migration migration_of(const std::string& up_sql, const std::string& down_sql = "SELECT 1;") {
  Migration m;
  m.version = 1;
  m.name = "m";
  m.up = MigrationFile{"1_m.up.sql", up_sql, parse_directives(up_sql)};
  if (!down_sql.empty())
    m.down = MigrationFile{"1_m.down.sql", down_sql, parse_directives(down_sql)};
  return m;
}

std::vector<std::string> rules_of(const std::string& up_sql) {
  std::vector<std::string> rules;
  for (const LintFinding& f : lint_migration(migration_of(up_sql))) rules.push_back(f.rule);
  return rules;
}

bool flags(const std::string& up_sql, const std::string& rule) {
  const auto rules = rules_of(up_sql);
  return std::find(rules.begin(), rules.end(), rule) != rules.end();
}

}  // namespace

TEST_CASE("lint: safe migrations have no findings") {
  CHECK(rules_of("CREATE TABLE t (id int NOT NULL);\nCREATE INDEX t_id ON t (id);\n"
                 "ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0;\n")
            .empty());
  CHECK(
      rules_of("-- pgfleet: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n")
          .empty());
  // NOT VALID, then VALIDATE in a later migration (its own transaction).
  Migration add = migration_of(
      "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID;\n");
  Migration validate = migration_of("ALTER TABLE t VALIDATE CONSTRAINT fk;\n");
  validate.version = 2;
  validate.up.path = "2_m.up.sql";
  CHECK(lint(MigrationSet({add, validate})).empty());
  CHECK(rules_of("ALTER TABLE t ADD COLUMN note text;\n").empty());
  CHECK(rules_of("ALTER TABLE t ALTER COLUMN note DROP NOT NULL;\n") ==
        std::vector<std::string>{"drop-not-null"});
  CHECK(rules_of("ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX t_u;\n").empty());
}

TEST_CASE("lint: dangerous DDL is flagged with its rule") {
  CHECK(flags("CREATE INDEX i ON t (a);", "create-index-not-concurrently"));
  CHECK(flags("CREATE UNIQUE INDEX i ON public.t (a);", "create-index-not-concurrently"));
  CHECK(flags("ALTER TABLE t ADD COLUMN c int NOT NULL;", "add-column-not-null-without-default"));
  CHECK(flags("ALTER TABLE t ALTER COLUMN c TYPE bigint;", "alter-column-type"));
  CHECK(flags("ALTER TABLE t ALTER c SET DATA TYPE bigint;", "alter-column-type"));
  CHECK(flags("ALTER TABLE t ALTER COLUMN c SET NOT NULL;", "set-not-null"));
  CHECK(flags("DROP TABLE t;", "drop-table"));
  CHECK(flags("ALTER TABLE t DROP COLUMN c;", "drop-column"));
  CHECK(flags("ALTER TABLE t DROP c;", "drop-column"));
  CHECK(flags("ALTER TABLE t RENAME COLUMN a TO b;", "rename"));
  CHECK(flags("ALTER TABLE t RENAME TO u;", "rename"));
  CHECK(flags("ALTER INDEX i RENAME TO j;", "rename"));
  CHECK(flags("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id);",
              "add-constraint-not-valid"));
  CHECK(flags("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);", "add-constraint-not-valid"));
  CHECK(flags("ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY (id);", "add-unique-constraint"));
}

TEST_CASE("lint: changes to a table created in the same file are not flagged") {
  CHECK_FALSE(flags("CREATE TABLE app.t (id int);\nCREATE INDEX i ON app.t (id);",
                    "create-index-not-concurrently"));
  CHECK_FALSE(
      flags("CREATE TABLE IF NOT EXISTS t (id int);\nALTER TABLE t ADD COLUMN c int NOT NULL;",
            "add-column-not-null-without-default"));
  CHECK_FALSE(
      flags("CREATE TABLE \"T\" (id int);\nALTER TABLE \"T\" ADD CONSTRAINT c CHECK (id > 0);",
            "add-constraint-not-valid"));
  CHECK(flags("CREATE TABLE t (id int);\nCREATE INDEX i ON other (id);",
              "create-index-not-concurrently"));
}

TEST_CASE("lint: severity, file and line of a finding") {
  const auto findings = lint_migration(
      migration_of("-- x\nSELECT 1;\n\nALTER TABLE t\n  ADD COLUMN c int NOT NULL;\n"));
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].rule == "add-column-not-null-without-default");
  CHECK(findings[0].severity == LintSeverity::error);
  CHECK(findings[0].file == "1_m.up.sql");
  CHECK(findings[0].line == 4);
  CHECK(std::string(to_string(findings[0].severity)) == "error");
  CHECK(std::string(to_string(LintSeverity::warning)) == "warning");
}

TEST_CASE("lint: a missing or empty .down is flagged") {
  const auto missing = lint_migration(migration_of("SELECT 1;", ""));
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].rule == "missing-down");
  CHECK(missing[0].severity == LintSeverity::warning);
  const auto empty = lint_migration(migration_of("SELECT 1;", "-- nothing to undo\n"));
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].rule == "empty-down");
  CHECK(empty[0].file == "1_m.down.sql");
}

TEST_CASE("lint: a multi-statement no-transaction file must be re-runnable") {
  const std::string risky =
      "-- pgfleet: no-transaction\n"
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON t (a);\n"
      "CREATE INDEX CONCURRENTLY b ON t (b);\n"
      "DROP INDEX CONCURRENTLY c;\n";
  const auto findings = lint_migration(migration_of(risky));
  std::vector<int> lines;
  for (const auto& f : findings) {
    if (f.rule == "no-transaction-not-idempotent") lines.push_back(f.line);
  }
  CHECK(lines == std::vector<int>{3, 4});
  CHECK_FALSE(flags("-- pgfleet: no-transaction\nCREATE INDEX CONCURRENTLY b ON t (b);\n",
                    "no-transaction-not-idempotent"));
  CHECK_FALSE(flags("CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n",
                    "no-transaction-not-idempotent"));
}

TEST_CASE("lint: a directive after the first statement is an error") {
  const auto findings = lint_migration(migration_of("SELECT 1;\n-- pgfleet: no-transaction\n"));
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].rule == "misplaced-directive");
  CHECK(findings[0].severity == LintSeverity::error);
  CHECK(findings[0].line == 2);
}

TEST_CASE("lint: a whole set is linted in version order") {
  Migration first = migration_of("DROP TABLE a;");
  Migration second = migration_of("CREATE INDEX i ON t (a);", "");
  second.version = 2;
  second.up.path = "2_m.up.sql";
  const auto findings = lint(MigrationSet({second, first}));
  REQUIRE(findings.size() == 3);
  CHECK(findings[0].rule == "drop-table");
  CHECK(findings[1].file == "2_m.up.sql");
  CHECK(findings[1].rule == "missing-down");  // about the whole file: line 0, first
  CHECK(findings[1].line == 0);
  CHECK(findings[2].rule == "create-index-not-concurrently");
}
