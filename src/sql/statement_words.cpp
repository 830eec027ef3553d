#include "pgfleet/sql/statement_words.hpp"

namespace pgfleet {

std::vector<std::string> statement_words(std::string_view statement, QualifiedNames names,
                                         StandardStrings strings) {
  std::vector<std::string> words;
  bool after_dot = false;
  for (const SqlToken& token : lex_sql(statement, strings)) {
    if (is_blank_token(token.kind)) continue;
    const std::string_view raw = token_text(statement, token);
    if (token.kind == SqlTokenKind::word || token.kind == SqlTokenKind::quoted_identifier) {
      std::string word = token.kind == SqlTokenKind::word ? to_upper_ascii(raw) : std::string(raw);
      if (names == QualifiedNames::last_part && after_dot && !words.empty()) {
        words.back() = std::move(word);
      } else {
        words.push_back(std::move(word));
      }
    }
    after_dot = token.kind == SqlTokenKind::punctuation && raw == ".";
  }
  return words;
}

std::vector<std::string> statement_words(const SqlStatement& statement, QualifiedNames names) {
  return statement_words(statement.text, names, statement.standard_strings);
}

}  // namespace pgfleet
