#include <catch2/catch.hpp>

#include "pgfleet/util/ascii_text.hpp"

using pgfleet::util::kSpacesAndTabs;
using pgfleet::util::kWhitespace;
using pgfleet::util::to_lower;
using pgfleet::util::trim;

TEST_CASE("trim removes only the given blanks and only at the ends") {
  CHECK(trim("  a b\t", kSpacesAndTabs) == "a b");
  CHECK(trim("\r\n a \r\n", kWhitespace) == "a");
  CHECK(trim("\na\n", kSpacesAndTabs) == "\na\n");
  CHECK(trim(" \t ", kSpacesAndTabs).empty());
  CHECK(trim("", kWhitespace).empty());
  CHECK(trim("x", kWhitespace) == "x");
}

TEST_CASE("to_lower lower-cases ASCII letters and leaves other bytes alone") {
  CHECK(to_lower("Retry-After") == "retry-after");
  CHECK(to_lower("EP-1.Example.COM.") == "ep-1.example.com.");
  CHECK(to_lower("\xC3\x89t\xC3\xA9") == "\xC3\x89t\xC3\xA9");
}
