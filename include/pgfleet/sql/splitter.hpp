#pragma once
// Splits migration text into statements, the way the PostgreSQL server sees them: single quotes,
// E'' with backslash escapes, "quoted identifiers", dollar quotes with tags, nested /* */
// comments and -- comments may all contain semicolons; so may a BEGIN ATOMIC ... END body.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/sql/lexer.hpp"

namespace pgfleet {

// How pgfleet sends a file, which decides how the server reads it (README.md, "Migrations").
enum class SendMode {
  // One query string, run in pgfleet's transaction: the server reads all of it before it runs
  // any of it, so a SET standard_conforming_strings in it changes nothing of how it is read.
  whole_file,
  // Each statement on its own (a `no-transaction` file): a SET standard_conforming_strings
  // changes how the statements after it are read, as with psql.
  statement_by_statement,
};

struct SqlStatement {
  std::string text;    // the statement, without its terminating ';', trimmed of outer blanks
  std::size_t offset;  // byte offset of the statement's first character in the input
  int line;            // 1-based line of that character
  StandardStrings standard_strings = StandardStrings::on;  // how its '...' strings are read
};

// A text split into statements, with what the split met on the way.
struct SqlScan {
  std::vector<SqlStatement> statements;  // those that hold more than blanks and comments
  // Consecutive substrings that, concatenated, give back the text exactly; each ends just after
  // a top-level ';' (the last may have none).
  std::vector<std::string_view> pieces;
  // The quote, quoted identifier, dollar quote or block comment the text ends inside, if any.
  std::optional<SqlToken> unterminated;
};

// Splits `sql` (which must outlive the pieces). Never throws.
SqlScan scan_sql(std::string_view sql, SendMode mode = SendMode::statement_by_statement);

// Statements that contain something other than blanks and comments, in order.
std::vector<SqlStatement> split_sql(std::string_view sql,
                                    SendMode mode = SendMode::statement_by_statement);

// The raw pieces of scan_sql, for the property test.
std::vector<std::string_view> split_sql_raw(std::string_view sql,
                                            SendMode mode = SendMode::statement_by_statement);

}  // namespace pgfleet
