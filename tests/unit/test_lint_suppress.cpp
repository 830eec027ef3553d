// lint-ignore comments and the pgfleet.json `lint` settings.
#include <algorithm>
#include <catch2/catch.hpp>

#include "pgfleet/migrations/directives.hpp"
#include "pgfleet/migrations/lint.hpp"

using namespace pgfleet;

namespace {

MigrationSet one(const std::string& sql, Version version = 1) {
  Migration m;
  m.version = version;
  m.name = "m";
  m.up = MigrationFile{"1_m.up.sql", sql, parse_directives(sql)};
  m.down = MigrationFile{"1_m.down.sql", "SELECT 1;", {}};
  return MigrationSet({m});
}

const LintFinding* find(const std::vector<LintFinding>& findings, const std::string& rule) {
  const auto it = std::find_if(findings.begin(), findings.end(),
                               [&](const LintFinding& f) { return f.rule == rule; });
  return it == findings.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("lint-ignore above a statement silences that statement and is kept marked") {
  LintConfig one_lock_ok;
  one_lock_ok.exclude = {"lock-held-across-statements"};
  const auto findings = lint(one("DROP TABLE a;\n"
                                 "-- pgfleet: lint-ignore=drop-table a was emptied in release 9\n"
                                 "DROP TABLE b;\n"),
                             one_lock_ok);
  REQUIRE(findings.size() == 2);
  CHECK_FALSE(findings[0].suppressed());
  CHECK(findings[0].line == 1);
  CHECK(findings[1].suppressed());
  CHECK(findings[1].line == 3);
  CHECK(findings[1].suppressed_reason == "a was emptied in release 9");
}

TEST_CASE("lint-ignore in the header silences the whole file") {
  const auto findings =
      lint(one("-- pgfleet: lint-ignore=drop-table,drop-column old data, agreed\n"
               "DROP TABLE a;\nALTER TABLE b DROP COLUMN c;\n"));
  for (const LintFinding& f : findings) {
    INFO(f.rule);
    CHECK((f.suppressed() || f.rule == "lock-held-across-statements"));
  }
  CHECK(find(findings, "drop-column")->suppressed_reason == "old data, agreed");
}

TEST_CASE("lint-ignore needs a reason and known rules and must match something") {
  const auto no_reason = lint(one("-- pgfleet: lint-ignore=drop-table\nDROP TABLE a;\n"));
  REQUIRE(find(no_reason, "lint-ignore-invalid"));
  CHECK(find(no_reason, "lint-ignore-invalid")->severity == LintSeverity::error);
  CHECK_FALSE(find(no_reason, "drop-table")->suppressed());
  const auto unknown = lint(one("-- pgfleet: lint-ignore=drop-tabel typo\nDROP TABLE a;\n"));
  REQUIRE(find(unknown, "lint-ignore-invalid"));
  CHECK_THAT(find(unknown, "lint-ignore-invalid")->message, Catch::Contains("drop-tabel"));
  const auto unused =
      lint(one("SELECT 1;\n-- pgfleet: lint-ignore=drop-table nothing here\n"
               "SELECT 2;\n"));
  REQUIRE(find(unused, "lint-ignore-unused"));
  CHECK(find(unused, "lint-ignore-unused")->severity == LintSeverity::warning);
  CHECK(find(unused, "lint-ignore-unused")->line == 2);
  CHECK_FALSE(find(unused, "misplaced-directive"));
}

TEST_CASE("lint-ignore lines are not directives the loader refuses") {
  CHECK_NOTHROW(parse_directives("-- pgfleet: lint-ignore=drop-table why\nDROP TABLE a;\n"));
  CHECK(misplaced_directive_lines("SELECT 1;\n-- pgfleet: lint-ignore=drop-table why\n").empty());
}

TEST_CASE("lint config: exclude include severity and since") {
  const std::string sql = "DROP TABLE a;\nCREATE TABLE b (id integer);\n";
  LintConfig config;
  CHECK(find(lint(one(sql)), "drop-table"));
  CHECK_FALSE(find(lint(one(sql)), "prefer-bigint"));  // opt-in
  config.exclude = {"drop-table"};
  config.include = {"prefer-bigint"};
  config.severity["prefer-bigint"] = LintSeverity::error;
  const auto findings = lint(one(sql), config);
  CHECK_FALSE(find(findings, "drop-table"));
  REQUIRE(find(findings, "prefer-bigint"));
  CHECK(find(findings, "prefer-bigint")->severity == LintSeverity::error);
  LintConfig since;
  since.since = 2;
  CHECK(lint(one(sql), since).empty());
  CHECK_FALSE(lint(one(sql, 2), since).empty());
  CHECK(parse_lint_severity("info") == LintSeverity::info);
  CHECK_THROWS(parse_lint_severity("fatal"));
}
