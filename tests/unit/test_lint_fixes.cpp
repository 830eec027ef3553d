// Lint false positives and misses fixed: column types known from earlier files, NOT NULL
// checks validated earlier, UNIQUE / PRIMARY KEY under their own rule, BEGIN in no-transaction.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "pgfleet/migrations/directives.hpp"
#include "pgfleet/migrations/lint.hpp"

using namespace pgfleet;

namespace {

// Each string is one migration, versions 1, 2, ... in order.
MigrationSet set_of(const std::vector<std::string>& ups) {
  std::vector<Migration> migrations;
  for (const std::string& sql : ups) {
    Migration m;
    m.version = static_cast<Version>(migrations.size() + 1);
    m.name = "m";
    m.up = MigrationFile{std::to_string(m.version) + "_m.up.sql", sql, parse_directives(sql)};
    m.down = MigrationFile{"down.sql", "SELECT 1;", {}};
    migrations.push_back(m);
  }
  return MigrationSet(migrations);
}

// Rules found in the last migration of the set.
std::vector<std::string> last_rules(const std::vector<std::string>& ups) {
  std::vector<std::string> rules;
  const std::string last = std::to_string(ups.size()) + "_m.up.sql";
  for (const LintFinding& f : lint(set_of(ups))) {
    if (f.file == last) rules.push_back(f.rule);
  }
  return rules;
}

bool has_rule(const std::vector<std::string>& rules, const std::string& rule) {
  return std::find(rules.begin(), rules.end(), rule) != rules.end();
}

}  // namespace

TEST_CASE("lint fix: a column named type is not a type change") {
  CHECK_FALSE(has_rule(last_rules({"ALTER TABLE t ALTER COLUMN type SET DEFAULT 'x';"}),
                       "alter-column-type"));
  CHECK_FALSE(
      has_rule(last_rules({"ALTER TABLE t ALTER type DROP DEFAULT;"}), "alter-column-type"));
  CHECK(has_rule(last_rules({"ALTER TABLE t ALTER COLUMN type TYPE text;"}), "alter-column-type"));
}

TEST_CASE("lint fix: type changes that keep the relfilenode pass when the type is known") {
  const std::string create = "CREATE TABLE t (id bigint, name varchar(20), amount numeric(10,2));";
  CHECK(last_rules({create, "ALTER TABLE t ALTER COLUMN name TYPE text;"}).empty());
  CHECK(last_rules({create, "ALTER TABLE t ALTER COLUMN name TYPE varchar(40);"}).empty());
  CHECK(last_rules({create, "ALTER TABLE t ALTER name SET DATA TYPE character varying;"}).empty());
  CHECK(last_rules({create, "ALTER TABLE t ALTER COLUMN amount TYPE numeric(12, 2);"}).empty());
  CHECK(last_rules({"ALTER TABLE t ADD COLUMN code varchar(5);",
                    "ALTER TABLE t ALTER COLUMN code TYPE varchar(9);"})
            .empty());
  // Narrowing, a different type, USING, or an unknown current type still rewrite (or may).
  CHECK(has_rule(last_rules({create, "ALTER TABLE t ALTER COLUMN name TYPE varchar(10);"}),
                 "alter-column-type"));
  CHECK(has_rule(last_rules({create, "ALTER TABLE t ALTER COLUMN id TYPE numeric;"}),
                 "alter-column-type"));
  CHECK(has_rule(last_rules({create, "ALTER TABLE t ALTER name TYPE text USING trim(name);"}),
                 "alter-column-type"));
  CHECK(has_rule(last_rules({"ALTER TABLE u ALTER COLUMN name TYPE text;"}), "alter-column-type"));
  CHECK(has_rule(last_rules({create, "ALTER TABLE t ALTER COLUMN amount TYPE numeric(12, 3);"}),
                 "alter-column-type"));
}

TEST_CASE("lint fix: SET NOT NULL after a validated CHECK IS NOT NULL passes") {
  CHECK_FALSE(has_rule(last_rules({"ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL);\n"
                                   "ALTER TABLE t ALTER COLUMN c SET NOT NULL;"}),
                       "set-not-null"));
  CHECK(last_rules({"ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL) NOT VALID;",
                    "ALTER TABLE t VALIDATE CONSTRAINT t_c_nn;\n"
                    "ALTER TABLE t ALTER COLUMN c SET NOT NULL;"})
            .empty());  // VALIDATE takes SHARE UPDATE EXCLUSIVE only: nothing is held before
  CHECK(last_rules({"ALTER TABLE t ADD CHECK (c IS NOT NULL) NOT VALID;",
                    "ALTER TABLE t VALIDATE CONSTRAINT t_c_check;",
                    "ALTER TABLE t ALTER COLUMN c SET NOT NULL;"})
            .empty());
  // Not validated, or on another column: the scan still happens.
  CHECK(has_rule(last_rules({"ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL) NOT VALID;",
                             "ALTER TABLE t ALTER COLUMN c SET NOT NULL;"}),
                 "set-not-null"));
  CHECK(has_rule(last_rules({"ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL);",
                             "ALTER TABLE t ALTER COLUMN d SET NOT NULL;"}),
                 "set-not-null"));
}

TEST_CASE("lint fix: UNIQUE and PRIMARY KEY have their own rule") {
  for (const char* sql :
       {"ALTER TABLE t ADD UNIQUE (email);", "ALTER TABLE t ADD PRIMARY KEY (id);",
        "ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (id);",
        "ALTER TABLE t ADD COLUMN email text UNIQUE;",
        "ALTER TABLE t ADD COLUMN id2 bigint PRIMARY KEY;"}) {
    INFO(sql);
    const auto rules = last_rules({sql});
    CHECK(has_rule(rules, "add-unique-constraint"));
    CHECK_FALSE(has_rule(rules, "add-constraint-not-valid"));
  }
  CHECK(has_rule(last_rules({"ALTER TABLE t ADD COLUMN a_id bigint REFERENCES a (id);"}),
                 "add-constraint-not-valid"));
  CHECK(last_rules({"ALTER TABLE t ADD CONSTRAINT t_u UNIQUE USING INDEX t_u_idx;"}).empty());
}

TEST_CASE("lint fix: BEGIN in a no-transaction file is reported by lint and refused by load") {
  const std::string sql =
      "-- pgfleet: no-transaction\nBEGIN;\nCREATE INDEX CONCURRENTLY "
      "IF NOT EXISTS i ON t (a);\n";
  CHECK(has_rule(last_rules({sql}), "transaction-control-in-no-transaction"));
  const auto dir = std::filesystem::temp_directory_path() / "pgfleet_lint_begin";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "1_begin.up.sql") << sql;
  CHECK_THROWS_WITH(MigrationSet::load(dir.string()), Catch::Contains("1_begin.up.sql"));
  std::filesystem::remove_all(dir);
}
