// Rules about the tenant a file runs for: in a schema-per-tenant project the migration runs with
// search_path set to the tenant's schema, so moving search_path or naming another schema leaves
// that tenant; `${` only becomes a tenant's value under the placeholders directive
// (docs/LINT.md).
#include "lint_context.hpp"
#include "pgfleet/sql/lexer.hpp"
#include "pgfleet/util/ascii_text.hpp"

namespace pgfleet::lint_detail {
namespace {

bool is_name(const SqlToken& t) {
  return t.kind == SqlTokenKind::word || t.kind == SqlTokenKind::quoted_identifier;
}

// Schemas every tenant shares read-only and may name: the catalogs.
bool system_schema(const std::string& name) {
  return name == "pg_catalog" || name == "information_schema" || name.rfind("pg_temp", 0) == 0 ||
         name.rfind("pg_toast", 0) == 0;
}

// Words after which `a.b` names a relation, type or function (a schema and its object) rather
// than a column of a table (`a.id`).
bool names_an_object(const std::string& upper) {
  static const std::set<std::string> words{
      "TABLE",    "INTO",      "UPDATE", "ONLY",     "REFERENCES", "INDEX",     "VIEW",
      "SEQUENCE", "FUNCTION",  "TYPE",   "DOMAIN",   "EXISTS",     "LIKE",      "TRUNCATE",
      "CALL",     "PROCEDURE", "JOIN",   "INHERITS", "COLLATION",  "AGGREGATE", "::"};
  return words.count(upper) > 0;
}

// The first schema-qualified name of a statement whose schema is not a catalog, e.g.
// "public.accounts", or "".
class QualifiedNameFinder {
 public:
  explicit QualifiedNameFinder(std::string_view text) : text_(text) {
    for (const SqlToken& t : lex_sql(text)) {
      if (!is_blank_token(t.kind)) tokens_.push_back(t);
    }
    joins_ = std::any_of(tokens_.begin(), tokens_.end(), [&](const SqlToken& t) {
      return t.kind == SqlTokenKind::word && to_upper_ascii(token_text(text_, t)) == "JOIN";
    });
  }

  std::string find() {
    std::vector<bool> subquery;  // per open parenthesis: does a query start in it?
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      const SqlTokenKind kind = tokens_[i].kind;
      if (kind == SqlTokenKind::open_paren) subquery.push_back(query_starts(i + 1));
      if (kind == SqlTokenKind::close_paren && !subquery.empty()) subquery.pop_back();
      if (!starts_qualified_name(i)) continue;
      const bool in_query = subquery.empty() || subquery.back();
      const std::string schema = catalog_name(word(i));
      if (!system_schema(schema) && object_position(i, in_query)) {
        return std::string(text_.substr(tokens_[i].offset, end_of(i + 2) - tokens_[i].offset));
      }
    }
    return {};
  }

 private:
  std::string word(std::size_t i) const {
    const std::string_view t = token_text(text_, tokens_[i]);
    return tokens_[i].kind == SqlTokenKind::word ? to_upper_ascii(t) : std::string(t);
  }
  bool dot(std::size_t i) const {
    return i < tokens_.size() && tokens_[i].kind == SqlTokenKind::punctuation &&
           token_text(text_, tokens_[i]) == ".";
  }
  std::size_t end_of(std::size_t i) const { return tokens_[i].offset + tokens_[i].length; }
  bool query_starts(std::size_t i) const {
    return i < tokens_.size() && (word(i) == "SELECT" || word(i) == "WITH" || word(i) == "VALUES");
  }
  // `a . b` where `a` is not itself after a dot (the start of a chain).
  bool starts_qualified_name(std::size_t i) const {
    return is_name(tokens_[i]) && dot(i + 1) && i + 2 < tokens_.size() && is_name(tokens_[i + 2]) &&
           !(i > 0 && dot(i - 1));
  }
  // `s.t.c`, `s.f(...)`, or `s.t` after a word that names an object.
  bool object_position(std::size_t i, bool in_query) const {
    if (dot(i + 3)) return true;
    if (i + 3 < tokens_.size() && tokens_[i + 3].kind == SqlTokenKind::open_paren) {
      return true;  // a function call, or INSERT INTO s.t (columns)
    }
    if (i == 0) return false;
    const std::string before = tokens_[i - 1].kind == SqlTokenKind::punctuation
                                   ? std::string(token_text(text_, tokens_[i - 1]))
                                   : word(i - 1);
    if (before == ":" && i >= 2 && token_text(text_, tokens_[i - 2]) == ":") return true;
    if (before == "FROM") return in_query;  // not EXTRACT(year FROM t.created_at)
    if (before == "ON") return !joins_;     // CREATE INDEX ... ON s.t, not JOIN ... ON a.id
    return names_an_object(before);
  }

  std::string_view text_;
  std::vector<SqlToken> tokens_;
  bool joins_ = false;
};

bool moves_search_path(const SqlStatement& s, const Words& w) {
  if (has_pair(w, "SET", "SEARCH_PATH") || starts_with(w, {"RESET", "SEARCH_PATH"}) ||
      starts_with(w, {"SET", "LOCAL", "SEARCH_PATH"}) ||
      starts_with(w, {"SET", "SESSION", "SEARCH_PATH"}) || starts_with(w, {"RESET", "ALL"})) {
    return true;
  }
  return has(w, "SET_CONFIG") && util::to_lower(s.text).find("search_path") != std::string::npos;
}

void check_schema_per_tenant(FileLint& f) {
  if (f.config.tenancy != Tenancy::schema_per_tenant) return;
  for (std::size_t i = 0; i < f.statements.size(); ++i) {
    const SqlStatement& s = f.statements[i];
    if (moves_search_path(s, f.words[i])) {
      f.report(s, "search-path-or-schema-qualified",
               "this changes search_path, which pgfleet sets to the tenant's schema: the "
               "statements after it create and change objects outside that tenant; remove it");
      f.findings.back().severity = LintSeverity::error;
      continue;
    }
    const std::string name = QualifiedNameFinder(s.text).find();
    if (name.empty()) continue;
    f.report(s, "search-path-or-schema-qualified",
             name +
                 " names a schema of its own: every tenant's migration reaches that one "
                 "schema instead of its own; leave the name unqualified (search_path is the "
                 "tenant's schema)");
  }
}

// True when the file's leading comment block has a `-- pgfleet: placeholders` line. Read here as
// text so that lint knows it whether or not the directive parser does yet (README.md,
// "Placeholders").
bool has_placeholders_directive(std::string_view sql) {
  for (const SqlToken& t : lex_sql(sql)) {
    if (!is_blank_token(t.kind)) return false;
    if (t.kind != SqlTokenKind::line_comment) continue;
    const std::string comment = util::trim(token_text(sql, t).substr(2), util::kSpacesAndTabs);
    if (comment.rfind("pgfleet:", 0) != 0) continue;
    std::string words = " " + comment.substr(8) + " ";
    std::replace(words.begin(), words.end(), '\t', ' ');
    if (words.find(" placeholders ") != std::string::npos) return true;
  }
  return false;
}

// The 1-based lines of `${` outside comments (in strings and dollar quotes too: that is where
// the placeholders directive would replace it).
std::vector<int> placeholder_lines(std::string_view sql) {
  std::vector<int> lines;
  for (const SqlToken& t : lex_sql(sql)) {
    if (t.kind == SqlTokenKind::line_comment || t.kind == SqlTokenKind::block_comment) continue;
    // One byte more: `$` and `{` may end and start two tokens.
    const std::string_view text = sql.substr(t.offset, t.length + 1);
    for (std::size_t at = text.find("${"); at != std::string_view::npos;
         at = text.find("${", at + 2)) {
      const std::size_t offset = t.offset + at;
      const int line = 1 + static_cast<int>(std::count(
                               sql.begin(), sql.begin() + static_cast<long>(offset), '\n'));
      if (lines.empty() || lines.back() != line) lines.push_back(line);
    }
  }
  return lines;
}

void check_placeholders(FileLint& f, const MigrationFile& file) {
  if (has_placeholders_directive(file.sql)) return;
  for (const int line : placeholder_lines(file.sql)) {
    f.findings.push_back(finding_of(
        file.path, line, "placeholder-without-directive",
        "`${` is sent as written: this file has no `-- pgfleet: placeholders` directive; add it "
        "at the top if a tenant's value is meant here, else write `$` and `{` apart"));
  }
}

}  // namespace

void check_tenant_rules(FileLint& f) {
  check_schema_per_tenant(f);
  check_placeholders(f, f.migration.up);
  if (f.migration.down) check_placeholders(f, *f.migration.down);
  if (f.migration.verify) check_placeholders(f, *f.migration.verify);
}

}  // namespace pgfleet::lint_detail
