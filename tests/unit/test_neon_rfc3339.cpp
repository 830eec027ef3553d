// Timestamp formats of the Neon API.
#include <catch2/catch.hpp>

#include "pgfleet/neon/rfc3339.hpp"

using namespace pgfleet::neon;

TEST_CASE("RFC 3339 round trip, offsets and fractions", "[neon]") {
  const auto t = std::chrono::system_clock::from_time_t(1669838988);  // 2022-11-30T20:09:48Z
  REQUIRE(format_rfc3339(t) == "2022-11-30T20:09:48Z");
  REQUIRE(parse_rfc3339("2022-11-30T20:09:48Z") == t);
  REQUIRE(parse_rfc3339("2022-11-30T20:09:48.123456Z") == t);
  REQUIRE(parse_rfc3339("2022-11-30T21:09:48+01:00") == t);
  REQUIRE(parse_rfc3339("2022-11-30T19:09:48-01:00") == t);
  REQUIRE_FALSE(parse_rfc3339("2022-11-30T20:09:48"));
  REQUIRE_FALSE(parse_rfc3339("2022-11-30 20:09"));
  REQUIRE_FALSE(parse_rfc3339(""));
}

TEST_CASE("HTTP-date (IMF-fixdate)", "[neon]") {
  REQUIRE(parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT") ==
          std::chrono::system_clock::from_time_t(1445412480));
  REQUIRE_FALSE(parse_http_date("Wed, 21 Oct 2015 07:28:00 PST"));
  REQUIRE_FALSE(parse_http_date("120"));
}
