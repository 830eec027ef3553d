#include "pgfleet/migrations/directives.hpp"

#include <algorithm>

#include "pgfleet/sql/lexer.hpp"
#include "pgfleet/util/duration.hpp"

namespace pgfleet {
namespace {

constexpr std::string_view kPrefix = "pgfleet:";
constexpr std::string_view kLintIgnore = "lint-ignore=";

// True when a line comment is a `-- pgfleet:` line; `body` gets the text after the colon.
bool directive_body(std::string_view comment, std::string_view& body) {
  std::string_view rest = comment.substr(2);  // after "--"
  const std::size_t first = rest.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  rest.remove_prefix(first);
  if (rest.substr(0, kPrefix.size()) != kPrefix) return false;
  body = rest.substr(kPrefix.size());
  return true;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (true) {
    pos = text.find_first_not_of(" \t\r", pos);
    if (pos == std::string_view::npos) break;
    const std::size_t end = std::min(text.find_first_of(" \t\r", pos), text.size());
    words.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return words;
}

int line_of(std::string_view sql, std::size_t offset) {
  return 1 +
         static_cast<int>(std::count(sql.begin(), sql.begin() + static_cast<long>(offset), '\n'));
}

void set_timeout(std::optional<Millis>& slot, std::string_view name, std::string_view value,
                 int line) {
  if (slot) throw DirectiveError(line, "directive '" + std::string(name) + "' is given twice");
  if (value.empty()) {
    throw DirectiveError(line, "directive '" + std::string(name) + "' needs a duration, e.g. " +
                                   std::string(name) + "=5s");
  }
  try {
    slot = util::parse_duration(value);
  } catch (const std::invalid_argument& e) {
    throw DirectiveError(line, "directive '" + std::string(name) + "': " + e.what());
  }
}

void apply_directive(Directives& directives, std::string_view word, int line) {
  const std::size_t eq = word.find('=');
  const std::string_view name = word.substr(0, eq);
  const std::string_view value =
      eq == std::string_view::npos ? std::string_view() : word.substr(eq + 1);
  if (name == "no-transaction") {
    if (eq != std::string_view::npos)
      throw DirectiveError(line, "directive 'no-transaction' takes no value");
    if (directives.tx == TxKind::no_transaction)
      throw DirectiveError(line, "directive 'no-transaction' is given twice");
    directives.tx = TxKind::no_transaction;
  } else if (name == "placeholders") {
    if (eq != std::string_view::npos)
      throw DirectiveError(line, "directive 'placeholders' takes no value");
    if (directives.placeholders == PlaceholderMode::on)
      throw DirectiveError(line, "directive 'placeholders' is given twice");
    directives.placeholders = PlaceholderMode::on;
  } else if (name == "lock-timeout" && eq != std::string_view::npos) {
    set_timeout(directives.lock_timeout, name, value, line);
  } else if (name == "statement-timeout" && eq != std::string_view::npos) {
    set_timeout(directives.statement_timeout, name, value, line);
  } else if (name == "lock-timeout" || name == "statement-timeout") {
    set_timeout(directives.lock_timeout, name, "", line);  // throws: the value is missing
  } else {
    throw DirectiveError(line,
                         "unknown directive '" + std::string(word) +
                             "' (known: no-transaction, placeholders, lock-timeout=<duration>, "
                             "statement-timeout=<duration>)");
  }
}

}  // namespace

DirectiveError::DirectiveError(int line, const std::string& message)
    : std::invalid_argument("line " + std::to_string(line) + ": " + message), line_(line) {}

Directives parse_directives(std::string_view sql) {
  Directives directives;
  for (const SqlToken& token : lex_sql(sql)) {
    if (!is_blank_token(token.kind)) break;  // the leading comment block ends here
    if (token.kind != SqlTokenKind::line_comment) continue;
    std::string_view body;
    if (!directive_body(token_text(sql, token), body)) continue;
    const int line = line_of(sql, token.offset);
    const auto words = split_words(body);
    if (!words.empty() && words[0].substr(0, kLintIgnore.size()) == kLintIgnore) continue;
    if (words.empty()) throw DirectiveError(line, "empty '-- pgfleet:' directive line");
    for (const std::string_view word : words) apply_directive(directives, word, line);
  }
  return directives;
}

std::vector<int> misplaced_directive_lines(std::string_view sql) {
  std::vector<int> lines;
  bool in_header = true;
  for (const SqlToken& token : lex_sql(sql)) {
    if (!is_blank_token(token.kind)) in_header = false;
    std::string_view body;
    if (!in_header && token.kind == SqlTokenKind::line_comment &&
        directive_body(token_text(sql, token), body) && !lint_ignore_text(token_text(sql, token))) {
      lines.push_back(line_of(sql, token.offset));
    }
  }
  return lines;
}

std::optional<std::string_view> lint_ignore_text(std::string_view line_comment) {
  std::string_view body;
  if (!directive_body(line_comment, body)) return std::nullopt;
  const std::size_t first = body.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  body.remove_prefix(first);
  if (body.substr(0, kLintIgnore.size()) != kLintIgnore) return std::nullopt;
  return body.substr(kLintIgnore.size());
}

}  // namespace pgfleet
