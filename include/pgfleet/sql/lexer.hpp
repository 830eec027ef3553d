#pragma once
// The PostgreSQL lexical structure, as far as finding statement boundaries and keywords needs:
// the one place that knows where quotes, dollar quotes and comments start and end, read the way
// the server's own scanner reads them (README.md, "Migrations"). Used by the splitter, the
// classifier, the directive reader and lint.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgfleet {

enum class SqlTokenKind {
  whitespace,         // space, \t, \n, \r, \f, \v
  line_comment,       // -- up to (not including) the next \n or \r
  block_comment,      // /* ... */, nested
  word,               // keyword or unquoted identifier (may contain $ after the first char)
  quoted_identifier,  // "..." with "" escapes (also U&"...")
  string,             // '...', E'...', B'...', X'...', U&'...', with continuation lines
  dollar_string,      // $tag$ ... $tag$
  number,
  parameter,  // $1
  semicolon,
  open_paren,
  close_paren,
  backslash,    // a \ outside quotes and comments: a psql meta-command, refused by the server
  punctuation,  // any other single character
};

// The server setting standard_conforming_strings: with `off`, a backslash escapes the next
// character in plain '...' strings too (E'...' always works that way).
enum class StandardStrings { on, off };

// One token: where it is in the lexed text and what it is.
struct SqlToken {
  SqlTokenKind kind;
  std::size_t offset;         // into the lexed text
  std::size_t length;         // an unterminated quote or comment runs to the end of the text
  bool unterminated = false;  // the text ends inside this quote, dollar quote or comment
};

// Reads tokens one at a time, so that the reader can change standard_conforming_strings between
// two statements (the splitter does after a SET of it).
class SqlLexer {
 public:
  explicit SqlLexer(std::string_view sql, StandardStrings strings = StandardStrings::on)
      : sql_(sql), strings_(strings) {}

  // The next token, or nullopt at the end of the text. Never throws.
  std::optional<SqlToken> next();
  // How plain '...' strings after this point are read.
  void set_standard_strings(StandardStrings strings) { strings_ = strings; }

 private:
  enum class Quote { string, bit_string, extended_string, unicode_string, identifier };

  char at(std::size_t i) const { return i < sql_.size() ? sql_[i] : '\0'; }
  SqlTokenKind scan();
  SqlTokenKind scan_word_or_prefixed_quote();
  SqlTokenKind block_comment();
  SqlTokenKind quoted(Quote quote);
  bool close_quote(Quote quote);
  bool continues_on_a_later_line();
  SqlTokenKind dollar();

  std::string_view sql_;
  StandardStrings strings_;
  std::size_t pos_ = 0;
  bool unterminated_ = false;
};

// Tokens covering `sql` exactly: concatenated they give back the input. Never throws.
std::vector<SqlToken> lex_sql(std::string_view sql, StandardStrings strings = StandardStrings::on);

// True for whitespace and comments.
bool is_blank_token(SqlTokenKind kind);

// The text of a token.
inline std::string_view token_text(std::string_view sql, const SqlToken& token) {
  return sql.substr(token.offset, token.length);
}

// ASCII upper-case copy, for comparing keywords.
std::string to_upper_ascii(std::string_view text);

}  // namespace pgfleet
