#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "pgfleet/fleet/run_id.hpp"

using namespace pgfleet;

TEST_CASE("a run id is the UTC time plus four random hex digits") {
  // 2026-11-24T05:06:07Z
  const auto t = std::chrono::system_clock::from_time_t(1795496767);
  const std::string id = make_run_id(t);
  CHECK(std::regex_match(id, std::regex("20261124T050607Z-[0-9a-f]{4}")));
  CHECK(is_valid_run_id(id));
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.insert(make_run_id(t));
  CHECK(ids.size() > 40);  // random suffix: collisions within a second are rare
}

TEST_CASE("a given run id must be safe as a directory name") {
  CHECK(is_valid_run_id("20261124T050607Z-a1b2"));
  CHECK(is_valid_run_id("release-42.1_b"));
  CHECK_FALSE(is_valid_run_id(""));
  CHECK_FALSE(is_valid_run_id(".."));
  CHECK_FALSE(is_valid_run_id(".hidden"));
  CHECK_FALSE(is_valid_run_id("-rf"));
  CHECK_FALSE(is_valid_run_id("../../etc"));
  CHECK_FALSE(is_valid_run_id("a/b"));
  CHECK_FALSE(is_valid_run_id("a\\b"));
  CHECK_FALSE(is_valid_run_id(std::string("a\0b", 3)));
  CHECK_FALSE(is_valid_run_id(std::string(65, 'a')));
  CHECK_THROWS_AS(validate_run_id("x/y"), std::invalid_argument);
  CHECK_NOTHROW(validate_run_id("20261124T050607Z-a1b2"));
}
