// `-- pgfleet: lint-ignore=<rule>[,<rule>] <reason>`: above a statement it silences that
// statement's findings, in the header the whole file's — in the .up, .down and .verify file alike,
// each silencing only findings in its own file (docs/LINT.md, "Suppressing a finding").
#include "lint_context.hpp"
#include "pgfleet/migrations/directives.hpp"
#include "pgfleet/sql/lexer.hpp"

namespace pgfleet::lint_detail {
namespace {

enum class Scope { file, statement };

struct LintIgnore {
  int line;  // of the comment
  Scope scope;
  int statement_line;  // the statement it silences (scope statement)
  std::vector<std::string> rules;
  std::string reason;
  bool used = false;
};

int line_at(std::string_view sql, std::size_t offset) {
  return 1 +
         static_cast<int>(std::count(sql.begin(), sql.begin() + static_cast<long>(offset), '\n'));
}

LintIgnore parse_ignore(std::string_view text, int line) {
  LintIgnore ignore{line, Scope::file, 0, {}, {}};
  const std::size_t space = std::min(text.find_first_of(" \t\r"), text.size());
  std::string_view rules = text.substr(0, space);
  while (!rules.empty()) {
    const std::size_t comma = std::min(rules.find(','), rules.size());
    if (comma > 0) ignore.rules.emplace_back(rules.substr(0, comma));
    rules.remove_prefix(std::min(comma + 1, rules.size()));
  }
  std::string_view reason = text.substr(space);
  const std::size_t first = reason.find_first_not_of(" \t\r");
  reason = first == std::string_view::npos ? std::string_view() : reason.substr(first);
  while (!reason.empty() && (reason.back() == ' ' || reason.back() == '\r'))
    reason.remove_suffix(1);
  ignore.reason = std::string(reason);
  return ignore;
}

std::vector<LintIgnore> read_ignores(const MigrationFile& file,
                                     const std::vector<SqlStatement>& statements) {
  std::vector<LintIgnore> ignores;
  bool header = true;
  for (const SqlToken& token : lex_sql(file.sql)) {
    if (!is_blank_token(token.kind)) header = false;
    if (token.kind != SqlTokenKind::line_comment) continue;
    const auto text = lint_ignore_text(token_text(file.sql, token));
    if (!text) continue;
    LintIgnore ignore = parse_ignore(*text, line_at(file.sql, token.offset));
    if (!header) {
      ignore.scope = Scope::statement;
      for (const SqlStatement& s : statements) {
        if (s.offset > token.offset) {
          ignore.statement_line = s.line;
          break;
        }
      }
    }
    ignores.push_back(std::move(ignore));
  }
  return ignores;
}

bool silences(LintIgnore& ignore, const LintFinding& finding, const std::string& path) {
  if (finding.file != path || finding.suppressed()) return false;
  if (ignore.scope == Scope::statement && finding.line != ignore.statement_line) return false;
  return std::find(ignore.rules.begin(), ignore.rules.end(), finding.rule) != ignore.rules.end();
}

LintFinding ignore_finding(const MigrationFile& file, const LintIgnore& ignore, std::string rule,
                           std::string message) {
  return finding_of(file.path, ignore.line, rule, std::move(message));
}

// Invalid ignores (no reason, no rule, an unknown rule) silence nothing.
bool check_ignore(const MigrationFile& file, const LintIgnore& ignore,
                  std::vector<LintFinding>& out) {
  bool valid = !ignore.reason.empty() && !ignore.rules.empty();
  if (!valid) {
    out.push_back(ignore_finding(file, ignore, "lint-ignore-invalid",
                                 "lint-ignore needs a rule and a reason: `-- pgfleet: "
                                 "lint-ignore=<rule>[,<rule>] <why it is safe here>`"));
  }
  for (const std::string& rule : ignore.rules) {
    if (find_lint_rule(rule)) continue;
    valid = false;
    out.push_back(ignore_finding(
        file, ignore, "lint-ignore-invalid",
        "lint-ignore names an unknown rule '" + rule + "' (docs/LINT.md lists them)"));
  }
  return valid;
}

}  // namespace

void apply_suppressions(const MigrationFile& file, const std::vector<SqlStatement>& statements,
                        std::vector<LintFinding>& findings) {
  std::vector<LintFinding> extra;
  for (LintIgnore& ignore : read_ignores(file, statements)) {
    if (!check_ignore(file, ignore, extra)) continue;
    for (LintFinding& finding : findings) {
      if (!silences(ignore, finding, file.path)) continue;
      finding.suppressed_reason = ignore.reason;
      ignore.used = true;
    }
    if (!ignore.used) {
      extra.push_back(ignore_finding(file, ignore, "lint-ignore-unused",
                                     "this lint-ignore silenced nothing: remove it"));
    }
  }
  for (LintFinding& finding : extra) findings.push_back(std::move(finding));
}

}  // namespace pgfleet::lint_detail
