// Rules about the placeholders of a file that opted in (docs/LINT.md, docs/PREFLIGHT.md
// "Placeholders"): a name lint cannot see a value for, and a bare `${name}` where its value is
// read as SQL although a literal or an identifier is meant.
#include <set>

#include "lint_context.hpp"
#include "pgfleet/migrations/placeholders.hpp"
#include "pgfleet/sql/lexer.hpp"

namespace pgfleet::lint_detail {
namespace {

bool built_in(const std::string& name) {
  return name == "tenant_id" || name == "schema" || name == "database" || name == "run_id";
}

// Words after which a table (or schema) name comes.
bool before_a_name(const std::string& upper) {
  static const std::set<std::string> words{"FROM",  "JOIN", "INTO",       "UPDATE",
                                           "TABLE", "ONLY", "REFERENCES", "TRUNCATE"};
  return words.count(upper) > 0;
}

// What a bare placeholder at `offset` stands for, judged by the tokens before it in its
// statement: "literal" after a comparison or in a VALUES list, "ident" after a word that names a
// table, "" when it cannot tell (then nothing is reported).
std::string needed_form(std::string_view sql, const std::vector<SqlToken>& tokens,
                        std::size_t offset) {
  const SqlToken* before = nullptr;
  int depth = 0;
  bool in_values = false;  // a VALUES list at depth 0 of this statement
  for (const SqlToken& t : tokens) {
    if (t.offset + t.length > offset) break;
    if (is_blank_token(t.kind)) continue;
    const std::string text = to_upper_ascii(token_text(sql, t));
    if (t.kind == SqlTokenKind::semicolon) depth = 0, in_values = false;
    if (t.kind == SqlTokenKind::open_paren) ++depth;
    if (t.kind == SqlTokenKind::close_paren && depth > 0) --depth;
    if (t.kind == SqlTokenKind::word && depth == 0) {
      if (text == "VALUES") in_values = true;
      if (text == "SELECT" || text == "RETURNING" || text == "ON") in_values = false;
    }
    before = &t;
  }
  if (before == nullptr) return "";
  const std::string text(token_text(sql, *before));
  if (before->kind == SqlTokenKind::punctuation && (text == "=" || text == "<" || text == ">")) {
    return "literal";
  }
  if (in_values && depth > 0 && (before->kind == SqlTokenKind::open_paren || text == ",")) {
    return "literal";
  }
  if (before->kind == SqlTokenKind::word && before_a_name(to_upper_ascii(text))) return "ident";
  return "";
}

void check_file(FileLint& f, const MigrationFile& file) {
  if (file.directives.placeholders != PlaceholderMode::on) return;
  const PlaceholderScan scan = scan_placeholders(file.sql);
  const std::vector<SqlToken> tokens = lex_sql(file.sql);
  std::set<std::string> undeclared_seen;
  for (const Placeholder& p : scan.placeholders) {
    if (p.name.empty()) continue;  // ${$}
    if (!built_in(p.name) && !f.config.declared_vars.count(p.name) &&
        undeclared_seen.insert(p.name).second) {
      f.findings.push_back(finding_of(
          file.path, p.line, "placeholder-undeclared",
          "${" + p.name +
              "} is not a built-in (tenant_id, schema, database, run_id) nor declared "
              "by --var / pgfleet.json `vars`: its value must come from the tenant (control-plane "
              "column or tenants-file key); a tenant without it is `invalid`"));
    }
    if (p.form != PlaceholderForm::bare || p.context != PlaceholderContext::code) continue;
    const std::string form = needed_form(file.sql, tokens, p.offset);
    if (form.empty()) continue;
    f.findings.push_back(finding_of(
        file.path, p.line, "placeholder-bare-value",
        "bare ${" + p.name + "} is pasted in as SQL where " +
            (form == "literal" ? "a value" : "a name") + " is meant; write ${" + p.name + ":" +
            form + "} (" +
            (form == "literal" ? "a single-quoted literal; a bare `eu` would name a column"
                               : "a quoted identifier; a bare name with capitals is folded") +
            ")"));
  }
}

}  // namespace

void check_placeholder_rules(FileLint& f) {
  const Migration& m = f.migration;
  check_file(f, m.up);
  if (m.down) check_file(f, *m.down);
  if (m.verify) check_file(f, *m.verify);
}

}  // namespace pgfleet::lint_detail
