#include "lint_context.hpp"

#include <cctype>

#include "pgfleet/sql/lexer.hpp"
#include "pgfleet/sql/statement_words.hpp"
#include "sql_checks.hpp"

namespace pgfleet::lint_detail {
namespace {

std::string_view trimmed(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(" \t\r\n\f\v");
  return text.substr(first, last - first + 1);
}

// Words that end the type in a column definition.
bool ends_type(const std::string& upper) {
  static const std::set<std::string> words{"NOT",       "NULL",       "DEFAULT",     "CONSTRAINT",
                                           "PRIMARY",   "UNIQUE",     "REFERENCES",  "CHECK",
                                           "GENERATED", "COLLATE",    "COMPRESSION", "STORAGE",
                                           "USING",     "DEFERRABLE", "INITIALLY"};
  return words.count(upper) > 0;
}

}  // namespace

bool has_pair(const Words& w, std::string_view a, std::string_view b) {
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == a && w[i + 1] == b) return true;
  }
  return false;
}

std::size_t find_word(const Words& w, std::string_view word, std::size_t from) {
  for (std::size_t i = from; i < w.size(); ++i) {
    if (w[i] == word) return i;
  }
  return w.size();
}

std::vector<std::string> items_at_depth(std::string_view text, int depth) {
  std::vector<std::string> items;
  const auto take = [&](std::size_t from, std::size_t to) {
    items.emplace_back(trimmed(text.substr(from, to - from)));
  };
  constexpr std::size_t none = std::string_view::npos;
  std::size_t start = depth == 0 ? 0 : none;
  int level = 0;
  for (const SqlToken& token : lex_sql(text)) {
    if (token.kind == SqlTokenKind::open_paren && ++level == 1 && depth == 1) {
      start = token.offset + 1;
    } else if (token.kind == SqlTokenKind::close_paren && level-- == 1 && depth == 1 &&
               start != none) {
      take(start, token.offset);
      return items;  // the first list only (not PARTITION BY's)
    } else if (token.kind == SqlTokenKind::punctuation && token_text(text, token) == "," &&
               level == depth && start != none) {
      take(start, token.offset);
      start = token.offset + 1;
    }
  }
  if (depth == 0) take(start, text.size());
  return items;
}

std::string column_type(std::string_view definition) {
  std::string type;
  int level = 0;
  bool after_name = false;
  for (const SqlToken& token : lex_sql(definition)) {
    if (is_blank_token(token.kind)) continue;
    const std::string upper = to_upper_ascii(token_text(definition, token));
    if (!after_name) {
      after_name = true;  // the column's name
      continue;
    }
    if (token.kind == SqlTokenKind::open_paren) ++level;
    if (token.kind == SqlTokenKind::close_paren) --level;
    if (level == 0 && token.kind == SqlTokenKind::word && ends_type(upper)) break;
    type += upper;
  }
  return type;
}

Words words_of(std::string_view text) { return statement_words(text, QualifiedNames::last_part); }

std::string_view after_words(std::string_view text, std::size_t n) {
  bool after_dot = false;
  for (const SqlToken& token : lex_sql(text)) {
    const bool word =
        token.kind == SqlTokenKind::word || token.kind == SqlTokenKind::quoted_identifier;
    if (word && !after_dot && n-- == 0) return trimmed(text.substr(token.offset));
    if (!is_blank_token(token.kind)) {
      after_dot = token.kind == SqlTokenKind::punctuation && token_text(text, token) == ".";
    }
  }
  return {};
}

std::string altered_table(const Words& w) {
  std::size_t i = 2;
  if (word_at(w, i) == "IF" && word_at(w, i + 1) == "EXISTS") i += 2;
  if (word_at(w, i) == "ONLY") ++i;
  return word_at(w, i);
}

std::string created_table(const Words& w) {
  std::size_t i = find_word(w, "TABLE") + 1;
  if (word_at(w, i) == "IF") i += 3;  // IF NOT EXISTS
  return word_at(w, i);
}

std::vector<std::string> alter_actions(const SqlStatement& s, const Words& w) {
  std::size_t header = 2;  // ALTER TABLE [IF EXISTS] [ONLY] name
  if (word_at(w, header) == "IF") header += 2;
  if (word_at(w, header) == "ONLY") ++header;
  std::vector<std::string> actions = items_at_depth(s.text, 0);
  if (!actions.empty()) actions[0] = std::string(after_words(actions[0], header + 1));
  return actions;
}

std::string shown_name(const std::string& word) {
  if (!word.empty() && word[0] == '"') return word;
  std::string name = word;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string catalog_name(const std::string& word) {
  if (word.size() < 2 || word[0] != '"') return shown_name(word);
  std::string name;
  for (std::size_t i = 1; i + 1 < word.size(); ++i) {
    name += word[i];
    if (word[i] == '"') ++i;  // "" inside quotes is one "
  }
  return name;
}

LintFinding finding_of(std::string file, int line, std::string_view rule, std::string message) {
  const LintRule* known = find_lint_rule(rule);
  LintFinding finding{std::move(file),
                      line,
                      known ? known->severity : LintSeverity::error,
                      std::string(rule),
                      std::move(message),
                      1,
                      ""};
  return finding;
}

FileLint::FileLint(const Migration& m, DirectoryState& dir, const LintConfig& c)
    : migration(m),
      directory(dir),
      config(c),
      statements(split_sql(m.up.sql, send_mode_of(m.up.directives.tx))) {
  for (const SqlStatement& s : statements) {
    words.push_back(statement_words(s, QualifiedNames::last_part));
  }
}

void FileLint::report(const SqlStatement& s, std::string_view rule, std::string message) {
  const std::string& sql = migration.up.sql;
  const std::size_t line_start = sql.rfind('\n', s.offset == 0 ? 0 : s.offset - 1);
  const std::size_t column =
      line_start == std::string::npos || s.offset == 0 ? s.offset : s.offset - line_start - 1;
  LintFinding finding = finding_of(migration.up.path, s.line, rule, std::move(message));
  finding.column = static_cast<int>(column) + 1;
  findings.push_back(std::move(finding));
}

void FileLint::report_on(const SqlStatement& s, std::string_view rule, const std::string& table,
                         std::string message) {
  report(s, rule, std::move(message));
  findings.back().table = catalog_name(table);
}

bool FileLint::fleet_older_than(int server_version_num) const {
  const std::optional<int> lowest = config.fleet ? config.fleet->lowest_version() : std::nullopt;
  return lowest && *lowest < server_version_num;
}

void FileLint::report_file(const std::string& path, std::string_view rule, std::string message) {
  findings.push_back(finding_of(path, 0, rule, std::move(message)));
}

}  // namespace pgfleet::lint_detail
