#include <catch2/catch.hpp>

#include "pgfleet/util/duration.hpp"

using pgfleet::util::format_duration;
using pgfleet::util::parse_duration;
using std::chrono::milliseconds;

TEST_CASE("duration: parses every unit") {
  CHECK(parse_duration("500ms") == milliseconds(500));
  CHECK(parse_duration("5s") == milliseconds(5000));
  CHECK(parse_duration("5sec") == milliseconds(5000));
  CHECK(parse_duration("10min") == milliseconds(600000));
  CHECK(parse_duration("10m") == milliseconds(600000));
  CHECK(parse_duration("1h") == milliseconds(3600000));
  CHECK(parse_duration("2d") == milliseconds(172800000));
  CHECK(parse_duration("0") == milliseconds(0));
  CHECK(parse_duration("0s") == milliseconds(0));
  CHECK(parse_duration("1h30min") == milliseconds(5400000));
}

TEST_CASE("duration: rejects bad text and names it") {
  for (const char* bad : {"", "5", "10", "-5s", "5 s", "5x", "s", "1.5s", " 5s", "5s ",
                          "99999999999999999999s", "9223372036854775807d"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_duration(bad), std::invalid_argument);
  }
  CHECK_THROWS_WITH(parse_duration("5parsecs"), Catch::Contains("'5parsecs'"));
}

TEST_CASE("duration: formats in the largest exact unit and reads back") {
  CHECK(format_duration(milliseconds(0)) == "0");
  CHECK(format_duration(milliseconds(500)) == "500ms");
  CHECK(format_duration(milliseconds(1500)) == "1500ms");
  CHECK(format_duration(milliseconds(5000)) == "5s");
  CHECK(format_duration(milliseconds(600000)) == "10min");
  CHECK(format_duration(milliseconds(3600000)) == "1h");
  CHECK(format_duration(milliseconds(90 * 60000)) == "90min");
  CHECK(format_duration(milliseconds(172800000)) == "2d");
  CHECK_THROWS_AS(format_duration(milliseconds(-1)), std::invalid_argument);
  for (long long ms : {1LL, 999LL, 1000LL, 61000LL, 3600000LL * 25, 86400000LL * 3 + 1}) {
    CHECK(parse_duration(format_duration(milliseconds(ms))) == milliseconds(ms));
  }
}
