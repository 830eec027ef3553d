#include "pgfleet/sql/standard_strings.hpp"

#include <vector>

namespace pgfleet {
namespace {

constexpr std::string_view kSetting = "STANDARD_CONFORMING_STRINGS";

// The statement's tokens other than blanks and comments.
class SignificantTokens {
 public:
  SignificantTokens(std::string_view statement, StandardStrings read_as) {
    for (const SqlToken& token : lex_sql(statement, read_as)) {
      if (!is_blank_token(token.kind))
        tokens_.push_back({token.kind, token_text(statement, token)});
    }
  }
  std::size_t size() const { return tokens_.size(); }
  bool is_word(std::size_t i, std::string_view upper) const {
    return i < size() && tokens_[i].kind == SqlTokenKind::word &&
           to_upper_ascii(tokens_[i].text) == upper;
  }
  bool is(std::size_t i, std::string_view text) const {
    return i < size() && tokens_[i].text == text;
  }
  bool names_setting(std::size_t i) const {
    return is_word(i, kSetting) || is(i, "\"standard_conforming_strings\"");
  }
  // A value as the server reads it: a word, a number, or the inside of '...', E'...' or "...".
  std::string_view value(std::size_t i) const {
    std::string_view text = tokens_[i].text;
    const SqlTokenKind kind = tokens_[i].kind;
    if (kind == SqlTokenKind::string && (text.front() == 'e' || text.front() == 'E'))
      text.remove_prefix(1);
    if ((kind == SqlTokenKind::string || kind == SqlTokenKind::quoted_identifier) &&
        text.size() >= 2) {
      text = text.substr(1, text.size() - 2);
    }
    return text;
  }

 private:
  struct Token {
    SqlTokenKind kind;
    std::string_view text;
  };
  std::vector<Token> tokens_;
};

// PostgreSQL's boolean spellings: a prefix of true, false, yes or no, on, of(f), 1 and 0, in any
// case, blanks around it ignored.
std::optional<StandardStrings> parse_switch(std::string_view value) {
  const std::size_t first = value.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string_view::npos) return std::nullopt;
  value = value.substr(first, value.find_last_not_of(" \t\n\r\f\v") + 1 - first);
  const std::string v = to_upper_ascii(value);
  const auto prefix_of = [&v](std::string_view word, std::size_t shortest) {
    return v.size() >= shortest && v.size() <= word.size() && word.substr(0, v.size()) == v;
  };
  if (prefix_of("TRUE", 1) || prefix_of("YES", 1) || v == "ON" || v == "1") {
    return StandardStrings::on;
  }
  if (prefix_of("FALSE", 1) || prefix_of("NO", 1) || prefix_of("OFF", 2) || v == "0") {
    return StandardStrings::off;
  }
  return std::nullopt;
}

}  // namespace

std::optional<StandardStrings> standard_strings_after(std::string_view statement,
                                                      StandardStrings read_as) {
  const SignificantTokens t(statement, read_as);
  if (t.size() == 2 && t.is_word(0, "DISCARD") && t.is_word(1, "ALL")) return StandardStrings::on;
  if (t.size() == 2 && t.is_word(0, "RESET") && (t.is_word(1, "ALL") || t.names_setting(1))) {
    return StandardStrings::on;
  }
  if (!t.is_word(0, "SET")) return std::nullopt;
  std::size_t i = t.is_word(1, "SESSION") ? 2 : 1;
  if (!t.names_setting(i)) return std::nullopt;  // another setting, or SET LOCAL
  ++i;
  if (!t.is_word(i, "TO") && !t.is(i, "=")) return std::nullopt;
  ++i;
  if (i + 1 != t.size()) return std::nullopt;  // no value, or a list: the server refuses it
  if (t.is_word(i, "DEFAULT")) return StandardStrings::on;
  return parse_switch(t.value(i));
}

}  // namespace pgfleet
