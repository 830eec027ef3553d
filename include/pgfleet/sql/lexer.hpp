#pragma once
// The PostgreSQL lexical structure, as far as finding statement boundaries and keywords needs:
// the one place that knows how quotes, dollar quotes and comments nest (standard_conforming_
// strings on). Used by the splitter, the classifier, the directive reader and lint.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pgfleet {

enum class SqlTokenKind {
  whitespace,
  line_comment,       // -- up to (not including) the newline
  block_comment,      // /* ... */, nested
  word,               // keyword or unquoted identifier (may contain $ after the first char)
  quoted_identifier,  // "..." with "" escapes (also U&"...")
  string,             // '...' with '' escapes, E'...' with backslash escapes too
  dollar_string,      // $tag$ ... $tag$
  number,
  parameter,  // $1
  semicolon,
  open_paren,
  close_paren,
  punctuation,  // any other single character
};

// One token: where it is in the lexed text and what it is.
struct SqlToken {
  SqlTokenKind kind;
  std::size_t offset;  // into the lexed text
  std::size_t length;  // an unterminated quote or comment runs to the end of the text
};

// Tokens covering `sql` exactly: concatenated they give back the input. Never throws.
std::vector<SqlToken> lex_sql(std::string_view sql);

// True for whitespace and comments.
bool is_blank_token(SqlTokenKind kind);

// The text of a token.
inline std::string_view token_text(std::string_view sql, const SqlToken& token) {
  return sql.substr(token.offset, token.length);
}

// ASCII upper-case copy, for comparing keywords.
std::string to_upper_ascii(std::string_view text);

}  // namespace pgfleet
