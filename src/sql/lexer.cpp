#include "pgfleet/sql/lexer.hpp"

#include <algorithm>

namespace pgfleet {
namespace {

// Character classes of the server's scanner (src/backend/parser/scan.l).
bool is_ident_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || u >= 0x80;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c) || c == '$'; }
bool is_newline(char c) { return c == '\n' || c == '\r'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v' || is_newline(c); }

}  // namespace

std::optional<SqlToken> SqlLexer::next() {
  if (pos_ >= sql_.size()) return std::nullopt;
  const std::size_t start = pos_;
  unterminated_ = false;
  const SqlTokenKind kind = scan();
  return SqlToken{kind, start, pos_ - start, unterminated_};
}

// Consumes one token starting at pos_ and says what it was.
SqlTokenKind SqlLexer::scan() {
  const char c = sql_[pos_];
  if (is_space(c)) {
    while (pos_ < sql_.size() && is_space(sql_[pos_])) ++pos_;
    return SqlTokenKind::whitespace;
  }
  if (c == '-' && at(pos_ + 1) == '-') {  // the server ends it at \n or \r
    while (pos_ < sql_.size() && !is_newline(sql_[pos_])) ++pos_;
    return SqlTokenKind::line_comment;
  }
  if (c == '/' && at(pos_ + 1) == '*') return block_comment();
  if (is_ident_start(c)) return scan_word_or_prefixed_quote();
  if (c == '\'')
    return quoted(strings_ == StandardStrings::on ? Quote::string : Quote::extended_string);
  if (c == '"') return quoted(Quote::identifier);
  if (c == '$') return dollar();
  if (is_digit(c) || (c == '.' && is_digit(at(pos_ + 1)))) {
    // Digits, letters and dots: never a quote or comment start, so `1--c` and `1e--c` end the
    // number before the comment, as on the server.
    while (pos_ < sql_.size() && (is_ident_char(sql_[pos_]) || sql_[pos_] == '.') &&
           sql_[pos_] != '$')
      ++pos_;
    return SqlTokenKind::number;
  }
  ++pos_;
  switch (c) {
    case ';': return SqlTokenKind::semicolon;
    case '(': return SqlTokenKind::open_paren;
    case ')': return SqlTokenKind::close_paren;
    case '\\': return SqlTokenKind::backslash;
    default: return SqlTokenKind::punctuation;
  }
}

// A word, or a quote with a one-letter prefix: E'' (backslash escapes), B'' and X'' (bit
// strings: no escapes at all), U&'' and U&"" (no backslash escapes).
SqlTokenKind SqlLexer::scan_word_or_prefixed_quote() {
  const char c = sql_[pos_];
  if (at(pos_ + 1) == '\'') {
    if (c == 'e' || c == 'E') {
      ++pos_;
      return quoted(Quote::extended_string);
    }
    if (c == 'b' || c == 'B' || c == 'x' || c == 'X') {
      ++pos_;
      return quoted(Quote::bit_string);
    }
  }
  if ((c == 'u' || c == 'U') && at(pos_ + 1) == '&' &&
      (at(pos_ + 2) == '"' || at(pos_ + 2) == '\'')) {
    pos_ += 2;
    return quoted(sql_[pos_] == '"' ? Quote::identifier : Quote::unicode_string);
  }
  while (pos_ < sql_.size() && is_ident_char(sql_[pos_])) ++pos_;
  return SqlTokenKind::word;
}

SqlTokenKind SqlLexer::block_comment() {
  int depth = 0;
  while (pos_ < sql_.size()) {
    if (sql_[pos_] == '/' && at(pos_ + 1) == '*') {
      ++depth;
      pos_ += 2;
    } else if (sql_[pos_] == '*' && at(pos_ + 1) == '/') {
      pos_ += 2;
      if (--depth == 0) return SqlTokenKind::block_comment;
    } else {
      ++pos_;
    }
  }
  unterminated_ = true;
  return SqlTokenKind::block_comment;
}

// pos_ is on the opening quote.
SqlTokenKind SqlLexer::quoted(Quote quote) {
  ++pos_;
  while (!close_quote(quote)) continue;
  return quote == Quote::identifier ? SqlTokenKind::quoted_identifier : SqlTokenKind::string;
}

// Consumes one piece of a quoted token; true when the token ended (closed, or the text did).
bool SqlLexer::close_quote(Quote quote) {
  if (pos_ >= sql_.size()) {
    unterminated_ = true;
    return true;
  }
  const char mark = quote == Quote::identifier ? '"' : '\'';
  const char c = sql_[pos_];
  if (quote == Quote::extended_string && c == '\\') {
    if (pos_ + 1 >= sql_.size()) unterminated_ = true;
    pos_ = std::min(pos_ + 2, sql_.size());
    return unterminated_;
  }
  ++pos_;
  if (c != mark) return false;
  // A doubled quote stands for itself, except in a bit string: there the server ends the string
  // and starts a new one, which ends at the same place.
  if (quote != Quote::bit_string && at(pos_) == mark) {
    ++pos_;
    return false;
  }
  return quote == Quote::identifier || !continues_on_a_later_line();
}

// After a closing quote: the server joins the next '...' to this string, read the same way, when
// only whitespace and -- comments, with at least one line break, stand between them (SQL's
// string continuation). Moves pos_ past that next opening quote when it does.
bool SqlLexer::continues_on_a_later_line() {
  std::size_t p = pos_;
  bool line_break = false;
  while (p < sql_.size()) {
    const char c = sql_[p];
    if (c == '-' && at(p + 1) == '-') {
      while (p < sql_.size() && !is_newline(sql_[p])) ++p;
    } else if (is_space(c)) {
      line_break = line_break || is_newline(c);
      ++p;
    } else {
      break;
    }
  }
  if (!line_break || p >= sql_.size() || sql_[p] != '\'') return false;
  pos_ = p + 1;
  return true;
}

// pos_ is on '$': a parameter ($1), a dollar quote ($$ or $tag$), or a lone '$'.
SqlTokenKind SqlLexer::dollar() {
  if (is_digit(at(pos_ + 1))) {
    ++pos_;
    while (pos_ < sql_.size() && is_digit(sql_[pos_])) ++pos_;
    return SqlTokenKind::parameter;
  }
  std::size_t tag_end = pos_ + 1;
  if (is_ident_start(at(tag_end))) {
    while (tag_end < sql_.size() && is_ident_char(sql_[tag_end]) && sql_[tag_end] != '$') ++tag_end;
  }
  if (at(tag_end) != '$') {
    ++pos_;
    return SqlTokenKind::punctuation;
  }
  const std::string_view delimiter = sql_.substr(pos_, tag_end + 1 - pos_);
  const std::size_t close = sql_.find(delimiter, tag_end + 1);
  if (close == std::string_view::npos) {
    unterminated_ = true;
    pos_ = sql_.size();
  } else {
    pos_ = close + delimiter.size();
  }
  return SqlTokenKind::dollar_string;
}

std::vector<SqlToken> lex_sql(std::string_view sql, StandardStrings strings) {
  std::vector<SqlToken> tokens;
  SqlLexer lexer(sql, strings);
  while (const auto token = lexer.next()) tokens.push_back(*token);
  return tokens;
}

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
