// lint-ignore comments and the pgfleet.json `lint` settings.
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>

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

namespace {

MigrationSet with_files(const std::string& down, const std::optional<std::string>& verify) {
  Migration m;
  m.version = 1;
  m.name = "m";
  m.up = MigrationFile{"1_m.up.sql", "SELECT 1;\n", {}};
  m.down = MigrationFile{"1_m.down.sql", down, parse_directives(down)};
  if (verify) m.verify = MigrationFile{"1_m.verify.sql", *verify, parse_directives(*verify)};
  return MigrationSet({m});
}

}  // namespace

TEST_CASE("lint-ignore in a .down file silences that file's findings") {
  const auto whole = lint(with_files(
      "-- pgfleet: lint-ignore=empty-down the table it made holds data we keep\n", std::nullopt));
  REQUIRE(find(whole, "empty-down"));
  CHECK(find(whole, "empty-down")->suppressed_reason == "the table it made holds data we keep");
  CHECK_FALSE(find(whole, "lint-ignore-unused"));

  const auto one =
      lint(with_files("SELECT 1;\n-- pgfleet: lint-ignore=drop-table nothing\n"
                      "SELECT 2;\n",
                      std::nullopt));
  REQUIRE(find(one, "lint-ignore-unused"));
  CHECK(find(one, "lint-ignore-unused")->file == "1_m.down.sql");
  CHECK(find(one, "lint-ignore-unused")->line == 2);
}

TEST_CASE("lint-ignore in a .verify file silences that file's findings and no other's") {
  const auto findings =
      lint(with_files("SELECT 1;\n",
                      "SELECT 1;\n"
                      "-- pgfleet: lint-ignore=verify-writes the server refuses it\n"
                      "UPDATE t SET id = 1;\n"
                      "UPDATE t SET id = 2;\n"));
  int silenced = 0, counted = 0;
  for (const LintFinding& f : findings) {
    if (f.rule != "verify-writes") continue;
    CHECK(f.file == "1_m.verify.sql");
    (f.suppressed() ? silenced : counted) += 1;
    if (f.suppressed()) CHECK(f.line == 3);
  }
  CHECK(silenced == 1);
  CHECK(counted == 1);
  CHECK_FALSE(find(findings, "lint-ignore-unused"));
}

TEST_CASE("lint-ignore in the .up file does not silence a finding of its .down file") {
  Migration m;
  m.version = 1;
  m.name = "m";
  const std::string up = "-- pgfleet: lint-ignore=empty-down wrong file\nSELECT 1;\n";
  m.up = MigrationFile{"1_m.up.sql", up, parse_directives(up)};
  m.down = MigrationFile{"1_m.down.sql", "-- nothing\n", {}};
  const auto crossed = lint(MigrationSet({m}));
  REQUIRE(find(crossed, "empty-down"));
  CHECK_FALSE(find(crossed, "empty-down")->suppressed());
  CHECK(find(crossed, "lint-ignore-unused"));
}
