#pragma once
// `pgfleet lint`: flags migrations a reviewer should look at twice (dangerous DDL, missing .down,
// misplaced directives). Keyword based, over the statements the splitter finds.
#include <string>
#include <vector>

#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

enum class LintSeverity { warning, error };

struct LintFinding {
  std::string file;  // path of the migration file
  int line;          // 1-based line of the statement (0 when about the file as a whole)
  LintSeverity severity;
  std::string rule;     // stable id, e.g. "create-index-not-concurrently"
  std::string message;  // what is risky and what to do instead
};

// "warning" or "error".
const char* to_string(LintSeverity severity);

// Findings for every migration of the set, in version order then line order. Never throws.
std::vector<LintFinding> lint(const MigrationSet& set);

// Findings for one migration (its .up, and its .down for directive placement).
std::vector<LintFinding> lint_migration(const Migration& migration);

}  // namespace pgfleet
