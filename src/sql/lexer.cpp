#include "pgfleet/sql/lexer.hpp"

#include <algorithm>

namespace pgfleet {
namespace {

bool is_ident_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || u >= 0x80;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c) || c == '$'; }
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class Lexer {
 public:
  explicit Lexer(std::string_view sql) : sql_(sql) {}

  std::vector<SqlToken> run() {
    std::vector<SqlToken> tokens;
    while (pos_ < sql_.size()) {
      const std::size_t start = pos_;
      const SqlTokenKind kind = next();
      tokens.push_back(SqlToken{kind, start, pos_ - start});
    }
    return tokens;
  }

 private:
  char at(std::size_t i) const { return i < sql_.size() ? sql_[i] : '\0'; }

  // Consumes one token starting at pos_ and says what it was.
  SqlTokenKind next() {
    const char c = sql_[pos_];
    if (is_space(c)) {
      while (pos_ < sql_.size() && is_space(sql_[pos_])) ++pos_;
      return SqlTokenKind::whitespace;
    }
    if (c == '-' && at(pos_ + 1) == '-') {
      while (pos_ < sql_.size() && sql_[pos_] != '\n') ++pos_;
      return SqlTokenKind::line_comment;
    }
    if (c == '/' && at(pos_ + 1) == '*') return block_comment();
    if ((c == 'e' || c == 'E') && at(pos_ + 1) == '\'') {
      ++pos_;
      return quoted('\'', BackslashEscapes::on, SqlTokenKind::string);
    }
    if ((c == 'u' || c == 'U') && at(pos_ + 1) == '&' &&
        (at(pos_ + 2) == '"' || at(pos_ + 2) == '\'')) {
      pos_ += 2;
      const char quote = sql_[pos_];
      return quoted(quote, BackslashEscapes::off,
                    quote == '"' ? SqlTokenKind::quoted_identifier : SqlTokenKind::string);
    }
    if (is_ident_start(c)) {
      while (pos_ < sql_.size() && is_ident_char(sql_[pos_])) ++pos_;
      return SqlTokenKind::word;
    }
    if (c == '\'') return quoted('\'', BackslashEscapes::off, SqlTokenKind::string);
    if (c == '"') return quoted('"', BackslashEscapes::off, SqlTokenKind::quoted_identifier);
    if (c == '$') return dollar();
    if (is_digit(c) || (c == '.' && is_digit(at(pos_ + 1)))) {
      while (pos_ < sql_.size() && (is_ident_char(sql_[pos_]) || sql_[pos_] == '.') &&
             sql_[pos_] != '$')
        ++pos_;
      return SqlTokenKind::number;
    }
    ++pos_;
    if (c == ';') return SqlTokenKind::semicolon;
    if (c == '(') return SqlTokenKind::open_paren;
    if (c == ')') return SqlTokenKind::close_paren;
    return SqlTokenKind::punctuation;
  }

  SqlTokenKind block_comment() {
    int depth = 0;
    while (pos_ < sql_.size()) {
      if (sql_[pos_] == '/' && at(pos_ + 1) == '*') {
        ++depth;
        pos_ += 2;
      } else if (sql_[pos_] == '*' && at(pos_ + 1) == '/') {
        pos_ += 2;
        if (--depth == 0) break;
      } else {
        ++pos_;
      }
    }
    return SqlTokenKind::block_comment;
  }

  enum class BackslashEscapes { off, on };

  // pos_ is on the opening quote; a doubled quote stands for itself.
  SqlTokenKind quoted(char quote, BackslashEscapes escapes, SqlTokenKind kind) {
    ++pos_;
    while (pos_ < sql_.size()) {
      const char c = sql_[pos_];
      if (escapes == BackslashEscapes::on && c == '\\') {
        pos_ = std::min(pos_ + 2, sql_.size());
      } else if (c == quote) {
        ++pos_;
        if (at(pos_) != quote) break;
        ++pos_;
      } else {
        ++pos_;
      }
    }
    return kind;
  }

  // pos_ is on '$': a parameter ($1), a dollar quote ($$ or $tag$), or a lone '$'.
  SqlTokenKind dollar() {
    if (is_digit(at(pos_ + 1))) {
      ++pos_;
      while (pos_ < sql_.size() && is_digit(sql_[pos_])) ++pos_;
      return SqlTokenKind::parameter;
    }
    std::size_t tag_end = pos_ + 1;
    if (is_ident_start(at(tag_end))) {
      while (tag_end < sql_.size() && is_ident_char(sql_[tag_end]) && sql_[tag_end] != '$')
        ++tag_end;
    }
    if (at(tag_end) != '$') {
      ++pos_;
      return SqlTokenKind::punctuation;
    }
    const std::string_view delimiter = sql_.substr(pos_, tag_end + 1 - pos_);
    const std::size_t close = sql_.find(delimiter, tag_end + 1);
    pos_ = close == std::string_view::npos ? sql_.size() : close + delimiter.size();
    return SqlTokenKind::dollar_string;
  }

  std::string_view sql_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<SqlToken> lex_sql(std::string_view sql) { return Lexer(sql).run(); }

bool is_blank_token(SqlTokenKind kind) {
  return kind == SqlTokenKind::whitespace || kind == SqlTokenKind::line_comment ||
         kind == SqlTokenKind::block_comment;
}

std::string to_upper_ascii(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return upper;
}

}  // namespace pgfleet
