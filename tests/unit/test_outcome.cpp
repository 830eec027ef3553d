#include <catch2/catch.hpp>

#include "pgfleet/engine/outcome.hpp"

using namespace pgfleet;

TEST_CASE("tenant statuses are written with their documented names") {
  CHECK(std::string(to_string(TenantStatus::up_to_date)) == "up_to_date");
  CHECK(std::string(to_string(TenantStatus::unreachable)) == "unreachable");
  CHECK(is_ok(TenantStatus::applied));
  CHECK_FALSE(is_ok(TenantStatus::drift));
  CHECK_FALSE(is_ok(TenantStatus::skipped));
}
