// Finding placeholders in a file as written (docs/PREFLIGHT.md "Placeholders"): the project's
// lexer says where comments and quotes are, so that a placeholder is never replaced inside a
// comment and a quoted one cannot end its quotes.
#include <optional>

#include "pgfleet/migrations/placeholders.hpp"
#include "pgfleet/sql/lexer.hpp"
#include "pgfleet/util/utf8.hpp"

namespace pgfleet {
namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_word_char(char c) {
  return is_name_char(c) || c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

std::string line_prefix(int line) { return "line " + std::to_string(line) + ": "; }

PlaceholderContext context_of(SqlTokenKind kind) {
  switch (kind) {
    case SqlTokenKind::string:
    case SqlTokenKind::quoted_identifier: return PlaceholderContext::quoted;
    case SqlTokenKind::dollar_string: return PlaceholderContext::dollar_quoted;
    default: return PlaceholderContext::code;
  }
}

// Reads the placeholder whose "${" is at `at`, within `limit`; nullopt when the text there is not
// one (then `problem` says why).
std::optional<Placeholder> read_placeholder(std::string_view sql, std::size_t at, std::size_t limit,
                                            std::string& problem) {
  Placeholder p;
  p.offset = at;
  std::size_t i = at + 2;
  const auto ch = [&](std::size_t k) { return k < limit ? sql[k] : '\0'; };
  if (ch(i) == '$' && ch(i + 1) == '}') {
    p.form = PlaceholderForm::dollar;
    p.length = 4;
    return p;
  }
  const std::size_t name_start = i;
  if (!is_name_start(ch(i))) {
    problem =
        "`${` does not start a placeholder: write ${name}, ${name:literal}, ${name:ident}, "
        "or ${$} for a literal '$'";
    return std::nullopt;
  }
  while (is_name_char(ch(i))) ++i;
  p.name = std::string(sql.substr(name_start, i - name_start));
  if (ch(i) == ':') {
    const std::size_t kind_start = ++i;
    while (is_name_char(ch(i))) ++i;
    const std::string_view kind = sql.substr(kind_start, i - kind_start);
    if (kind == "literal") {
      p.form = PlaceholderForm::literal;
    } else if (kind == "ident") {
      p.form = PlaceholderForm::ident;
    } else {
      problem = "unknown placeholder form ':" + std::string(kind) + "' in ${" + p.name +
                "} (known: ${name}, ${name:literal}, ${name:ident})";
      return std::nullopt;
    }
  }
  if (ch(i) != '}') {
    problem = "placeholder ${" + p.name + " is not closed by '}' on the same token";
    return std::nullopt;
  }
  p.length = i + 1 - at;
  return p;
}

// What is wrong with where `p` stands, whatever its value: "" when nothing.
std::string placement_problem(std::string_view sql, const Placeholder& p) {
  if (p.form == PlaceholderForm::dollar) return {};
  const bool quoting = p.form == PlaceholderForm::literal || p.form == PlaceholderForm::ident;
  if (p.context == PlaceholderContext::quoted && quoting) {
    return placeholder_spelling(p) + " inside quotes would end them and let its value out: use ${" +
           p.name + "} there, or put the placeholder outside the quotes";
  }
  if (p.context != PlaceholderContext::code) return {};
  const char before = p.offset > 0 ? sql[p.offset - 1] : ' ';
  const std::size_t end = p.offset + p.length;
  const char after = end < sql.size() ? sql[end] : ' ';
  if (quoting && (is_word_char(before) || before == '&' || before == '\'' || before == '"')) {
    return placeholder_spelling(p) +
           " right after a word or quote would change how its quotes are read (E'', "
           "U&'', B''): put a space before it";
  }
  const bool next_is_placeholder = sql.substr(end, 2) == "${";
  if ((after == '\'' || after == '"' || after == '$') && !next_is_placeholder) {
    return placeholder_spelling(p) +
           " right before a quote or '$' would join its value to it: put a space "
           "between them";
  }
  return {};
}

// The "$tag$" that opens a dollar-quoted token.
std::string dollar_delimiter(std::string_view token) {
  const std::size_t second = token.find('$', 1);
  return std::string(token.substr(0, second == std::string_view::npos ? 1 : second + 1));
}

}  // namespace

std::string placeholder_spelling(const Placeholder& p) {
  switch (p.form) {
    case PlaceholderForm::literal: return "${" + p.name + ":literal}";
    case PlaceholderForm::ident: return "${" + p.name + ":ident}";
    case PlaceholderForm::dollar: return "${$}";
    case PlaceholderForm::bare: break;
  }
  return "${" + p.name + "}";
}

PlaceholderScan scan_placeholders(std::string_view sql) {
  PlaceholderScan scan;
  std::size_t next_free = 0;  // a placeholder in code may span several tokens
  for (const SqlToken& token : lex_sql(sql)) {
    if (token.kind == SqlTokenKind::line_comment || token.kind == SqlTokenKind::block_comment)
      continue;
    const PlaceholderContext context = context_of(token.kind);
    const std::size_t end = token.offset + token.length;
    const std::size_t limit = context == PlaceholderContext::code ? sql.size() : end;
    for (std::size_t at = sql.find("${", std::max(token.offset, next_free));
         at != std::string_view::npos && at < end; at = sql.find("${", at + 1)) {
      if (at < next_free) continue;
      std::string problem;
      const int line = util::line_at_byte(sql, at);
      std::optional<Placeholder> p = read_placeholder(sql, at, limit, problem);
      if (!p) {
        scan.problems.push_back(line_prefix(line) + problem);
        next_free = at + 2;
        continue;
      }
      p->line = line;
      p->context = context;
      if (context == PlaceholderContext::dollar_quoted)
        p->dollar_delimiter = dollar_delimiter(token_text(sql, token));
      const std::string misplaced = placement_problem(sql, *p);
      if (!misplaced.empty()) scan.problems.push_back(line_prefix(line) + misplaced);
      next_free = at + p->length;
      scan.placeholders.push_back(std::move(*p));
    }
  }
  return scan;
}

}  // namespace pgfleet
