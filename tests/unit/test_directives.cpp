#include <catch2/catch.hpp>

#include "pgfleet/migrations/directives.hpp"

using namespace pgfleet;
using std::chrono::milliseconds;

TEST_CASE("directives: none means transactional with no overrides") {
  const Directives d = parse_directives("CREATE TABLE t (id int);\n");
  CHECK(d.tx == TxKind::transactional);
  CHECK_FALSE(d.lock_timeout.has_value());
  CHECK_FALSE(d.statement_timeout.has_value());
}

TEST_CASE("directives: read from the leading comment block, several per line") {
  const Directives d = parse_directives(
      "-- add an index\n"
      "\n"
      "/* a block comment\n   is part of the header too */\n"
      "-- pgfleet: no-transaction lock-timeout=500ms\n"
      "--pgfleet:statement-timeout=10min\n"
      "CREATE INDEX CONCURRENTLY i ON t (a);\n");
  CHECK(d.tx == TxKind::no_transaction);
  CHECK(d.lock_timeout == milliseconds(500));
  CHECK(d.statement_timeout == milliseconds(600000));
}

TEST_CASE("directives: after the first statement they are not read") {
  const std::string sql = "SELECT 1;\n-- pgfleet: no-transaction\n";
  CHECK(parse_directives(sql).tx == TxKind::transactional);
  CHECK(misplaced_directive_lines(sql) == std::vector<int>{2});
  CHECK(misplaced_directive_lines("-- pgfleet: no-transaction\nSELECT '-- pgfleet: x';\n").empty());
}

TEST_CASE("directives: errors name the directive and its line") {
  CHECK_THROWS_WITH(parse_directives("-- x\n-- pgfleet: no-transactoin\n"),
                    Catch::Contains("line 2") && Catch::Contains("no-transactoin"));
  CHECK_THROWS_WITH(parse_directives("-- pgfleet: lock-timeout=5parsecs\n"),
                    Catch::Contains("lock-timeout") && Catch::Contains("5parsecs"));
  CHECK_THROWS_WITH(parse_directives("-- pgfleet: lock-timeout=\n"),
                    Catch::Contains("needs a duration"));
  CHECK_THROWS_WITH(parse_directives("-- pgfleet: statement-timeout\n"),
                    Catch::Contains("statement-timeout"));
  CHECK_THROWS_WITH(parse_directives("-- pgfleet: no-transaction=yes\n"),
                    Catch::Contains("takes no value"));
  CHECK_THROWS_WITH(parse_directives("-- pgfleet: lock-timeout=1s lock-timeout=2s\n"),
                    Catch::Contains("twice"));
  CHECK_THROWS_WITH(parse_directives("-- pgfleet:\n"), Catch::Contains("empty"));
  CHECK_THROWS_AS(parse_directives("-- pgfleet: no-transaction\n-- pgfleet: no-transaction\n"),
                  DirectiveError);
  try {
    parse_directives("\n\n-- pgfleet: bogus\n");
    FAIL("expected a DirectiveError");
  } catch (const DirectiveError& e) {
    CHECK(e.line() == 3);
  }
}

TEST_CASE("directives: ordinary comments that mention pgfleet are not directives") {
  CHECK_NOTHROW(
      parse_directives("-- pgfleet applies this file\n-- about pgfleet: nothing\nSELECT 1;"));
  CHECK_NOTHROW(parse_directives("--   -- pgfleet: example in a comment\nSELECT 1;"));
}

TEST_CASE("directives: placeholders opts a file in once and takes no value") {
  CHECK(parse_directives("SELECT 1;\n").placeholders == PlaceholderMode::off);
  CHECK(parse_directives("-- pgfleet: placeholders no-transaction\nSELECT 1;\n").placeholders ==
        PlaceholderMode::on);
  CHECK_THROWS_WITH(parse_directives("-- pgfleet: placeholders placeholders\n"),
                    Catch::Contains("given twice"));
  CHECK_THROWS_WITH(parse_directives("-- pgfleet: placeholders=yes\n"),
                    Catch::Contains("takes no value"));
}
