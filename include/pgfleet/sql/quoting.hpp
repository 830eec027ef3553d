#pragma once
// Quoting for the SQL text pgfleet writes itself (history rows, search_path, schema names), so
// that building a script is a pure function that needs no connection.
#include <string>
#include <string_view>

namespace pgfleet {

// A string literal that reads back as `value` whatever standard_conforming_strings is: '...'
// with quotes doubled, or E'...' with backslashes doubled too when `value` has a backslash.
std::string sql_literal(std::string_view value);

// A double-quoted identifier ("a""b"); never throws.
std::string sql_identifier(std::string_view name);

}  // namespace pgfleet
