#pragma once
// Splits a `no-transaction` migration into statements, the way the PostgreSQL lexer sees them:
// single quotes, E'' with backslash escapes, "quoted identifiers", dollar quotes with tags,
// nested /* */ comments and -- comments may all contain semicolons.
#include <string>
#include <string_view>
#include <vector>

namespace pgfleet {

struct SqlStatement {
  std::string text;    // the statement, without its terminating ';', trimmed of outer blanks
  std::size_t offset;  // byte offset of the statement's first character in the input
  int line;            // 1-based line of that character
};

// Statements that contain something other than blanks and comments, in order.
std::vector<SqlStatement> split_sql(std::string_view sql);

// The raw pieces: consecutive substrings that, concatenated, give back `sql` exactly; each
// piece ends just after a top-level ';' (the last may have none). For the property test.
std::vector<std::string_view> split_sql_raw(std::string_view sql);

}  // namespace pgfleet
