#include <catch2/catch.hpp>

#include "pgfleet/util/utf8.hpp"

using namespace pgfleet::util;

TEST_CASE("utf8: valid text has no invalid byte") {
  CHECK_FALSE(first_invalid_utf8_byte("").has_value());
  CHECK_FALSE(first_invalid_utf8_byte("plain ascii").has_value());
  CHECK_FALSE(first_invalid_utf8_byte("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80").has_value());
  CHECK_FALSE(first_invalid_utf8_byte("\xEF\xBB\xBF"
                                      "bom")
                  .has_value());
}

TEST_CASE("utf8: the first invalid byte offset is reported") {
  CHECK(first_invalid_utf8_byte("ab\xE9"
                                "cd") == std::optional<std::size_t>(2));    // latin-1 e-acute
  CHECK(first_invalid_utf8_byte("\x80") == std::optional<std::size_t>(0));  // stray continuation
  CHECK(first_invalid_utf8_byte("x\xC0\xAF") == std::optional<std::size_t>(1));  // overlong '/'
  CHECK(first_invalid_utf8_byte("\xE0\x80\xAF") ==
        std::optional<std::size_t>(0));  // overlong 3-byte
  CHECK(first_invalid_utf8_byte("\xED\xA0\x80") == std::optional<std::size_t>(0));  // surrogate
  CHECK(first_invalid_utf8_byte("\xF4\x90\x80\x80") ==
        std::optional<std::size_t>(0));                                           // > U+10FFFF
  CHECK(first_invalid_utf8_byte("ok\xE2\x82") == std::optional<std::size_t>(2));  // truncated
  CHECK(first_invalid_utf8_byte("\xC3\xA9\xFF") == std::optional<std::size_t>(2));
}

TEST_CASE("utf8: code points and character to byte offsets") {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a é € 😀 z
  CHECK(count_code_points(text) == 5);
  CHECK(byte_offset_of_char(text, 0) == 0);
  CHECK(byte_offset_of_char(text, 1) == 1);
  CHECK(byte_offset_of_char(text, 2) == 3);
  CHECK(byte_offset_of_char(text, 3) == 6);
  CHECK(byte_offset_of_char(text, 4) == 10);
  CHECK(byte_offset_of_char(text, 5) == text.size());
  CHECK(byte_offset_of_char(text, 99) == text.size());
  CHECK(count_code_points(std::string_view(text).substr(0, byte_offset_of_char(text, 3))) == 3);
}

TEST_CASE("utf8: line of a byte offset") {
  const std::string text = "one\ntwo\n\nfour";
  CHECK(line_at_byte(text, 0) == 1);
  CHECK(line_at_byte(text, 3) == 1);
  CHECK(line_at_byte(text, 4) == 2);
  CHECK(line_at_byte(text, 9) == 4);
  CHECK(line_at_byte(text, 1000) == 4);
}
