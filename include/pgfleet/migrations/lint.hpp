#pragma once
// `pgfleet lint`: flags migrations a reviewer should look at twice (dangerous DDL, missing .down,
// misplaced directives). Keyword based, over the statements the splitter finds; the directory is
// read as a whole, in version order, so that a file can rely on what earlier files did
// (docs/LINT.md lists every rule).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

enum class LintSeverity { info, warning, error };

// Whether a rule runs unless pgfleet.json `lint.include` names it.
enum class RuleDefault { on, opt_in };

struct LintRule {
  std::string_view id;  // stable, e.g. "create-index-not-concurrently"
  LintSeverity severity;
  RuleDefault enabled;
  std::string_view summary;  // one line, for SARIF and docs
};

struct LintFinding {
  std::string file;  // path of the migration file
  int line;          // 1-based line of the statement (0 when about the file as a whole)
  LintSeverity severity;
  std::string rule;     // stable id, e.g. "create-index-not-concurrently"
  std::string message;  // what is risky and what to do instead
  int column = 1;       // 1-based column of the statement's first character
  // The reason of the `-- pgfleet: lint-ignore=` that silenced it; empty when it counts.
  std::string suppressed_reason;
  bool suppressed() const { return !suppressed_reason.empty(); }
};

// pgfleet.json `lint` (docs/LINT.md, "Configuration").
struct LintConfig {
  std::vector<std::string> exclude;              // rules never reported
  std::vector<std::string> include;              // opt-in rules to run
  std::map<std::string, LintSeverity> severity;  // per-rule severity override
  Version since = 0;                             // versions below it are read, not reported
};

// "info", "warning" or "error".
const char* to_string(LintSeverity severity);
// Parses "info" | "warning" | "error"; throws std::invalid_argument otherwise.
LintSeverity parse_lint_severity(std::string_view text);

// Every rule pgfleet knows.
const std::vector<LintRule>& lint_rules();
// The rule with that id, or nullptr.
const LintRule* find_lint_rule(std::string_view id);

// Findings for every migration of the set, in version order then line order. Suppressed findings
// are kept, marked. Never throws.
std::vector<LintFinding> lint(const MigrationSet& set, const LintConfig& config = {});

// Findings for one migration read alone (its .up, and its .down for directive placement).
std::vector<LintFinding> lint_migration(const Migration& migration);

}  // namespace pgfleet
