// Timestamp formats: RFC 3339 and HTTP-date.
#include <catch2/catch.hpp>

#include "pgfleet/util/rfc3339.hpp"

using namespace pgfleet;

TEST_CASE("RFC 3339 round trip, offsets and fractions", "[util]") {
  const auto t = std::chrono::system_clock::from_time_t(1669838988);  // 2022-11-30T20:09:48Z
  REQUIRE(util::format_rfc3339_seconds(t) == "2022-11-30T20:09:48Z");
  REQUIRE(util::parse_rfc3339("2022-11-30T20:09:48Z") == t);
  REQUIRE(util::parse_rfc3339("2022-11-30T20:09:48.123456Z") == t);
  REQUIRE(util::parse_rfc3339("2022-11-30T21:09:48+01:00") == t);
  REQUIRE(util::parse_rfc3339("2022-11-30T19:09:48-01:00") == t);
  REQUIRE_FALSE(util::parse_rfc3339("2022-11-30T20:09:48"));
  REQUIRE_FALSE(util::parse_rfc3339("2022-11-30 20:09"));
  REQUIRE_FALSE(util::parse_rfc3339(""));
}

TEST_CASE("HTTP-date (IMF-fixdate)", "[util]") {
  REQUIRE(util::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT") ==
          std::chrono::system_clock::from_time_t(1445412480));
  REQUIRE_FALSE(util::parse_http_date("Wed, 21 Oct 2015 07:28:00 PST"));
  REQUIRE_FALSE(util::parse_http_date("120"));
}
