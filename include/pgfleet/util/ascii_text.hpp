#pragma once
// Byte-wise text helpers for ASCII syntax (ids, host names, header names) that know nothing of
// encodings.
#include <string>
#include <string_view>

namespace pgfleet::util {

// Blank sets for trim().
inline constexpr std::string_view kSpacesAndTabs = " \t";
inline constexpr std::string_view kWhitespace = " \t\r\n";

// `text` without the leading and trailing bytes found in `blanks`; "" when nothing else is left.
std::string trim(std::string_view text, std::string_view blanks);

// `text` with each byte passed through std::tolower (ASCII letters: pgfleet runs in the C
// locale).
std::string to_lower(std::string text);

}  // namespace pgfleet::util
