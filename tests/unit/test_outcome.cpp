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

TEST_CASE("ErrorInfo: named construction sets the named fields and nothing else") {
  const ErrorInfo plain = ErrorInfo::message_only(7, "connection refused");
  CHECK(plain.version == Version(7));
  CHECK(plain.message == "connection refused");
  CHECK(plain.sqlstate.empty());
  CHECK(plain.detail.empty());
  CHECK(plain.hint.empty());
  CHECK_FALSE(plain.statement_line);

  const ErrorInfo full = ErrorInfo::message_only(std::nullopt, "boom")
                             .with_sqlstate("42P01")
                             .with_detail("the detail")
                             .with_hint("the hint")
                             .with_line(3);
  CHECK_FALSE(full.version);
  CHECK(full.message == "boom");
  CHECK(full.sqlstate == "42P01");
  CHECK(full.detail == "the detail");
  CHECK(full.hint == "the hint");
  CHECK(full.statement_line == 3);
  CHECK(plain.sqlstate.empty());  // the setters return a copy
}
