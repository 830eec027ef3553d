#pragma once
// `pgfleet lint`: flags migrations a reviewer should look at twice (dangerous DDL, missing .down,
// misplaced directives). Keyword based, over the statements the splitter finds; the directory is
// read as a whole, in version order, so that a file can rely on what earlier files did
// (docs/LINT.md lists every rule).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/migrations/lint_fleet.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

enum class LintSeverity { info, warning, error };

// Whether a rule runs unless pgfleet.json `lint.include` names it.
enum class RuleDefault { on, opt_in };

// What `lint --fleet` grades a rule's findings by: the rules about a lock held on an existing
// table while it is scanned, rewritten or indexed are graded by that table's size.
enum class GradedBy { nothing, table_size };

struct LintRule {
  std::string_view id;  // stable, e.g. "create-index-not-concurrently"
  LintSeverity severity;
  RuleDefault enabled;
  std::string_view summary;  // one line, for SARIF and docs
  GradedBy graded = GradedBy::nothing;
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
  // The existing table (or index) the finding is about, as the catalog spells it ("accounts",
  // "Mixed Case"); empty when none. `lint --fleet` looks its size up by this name.
  std::string table{};
  Version version = 0;  // the migration the finding is in
  // An alter-column-type finding on a column no earlier migration declares: that column, as the
  // catalog spells it. `lint --fleet` reads its current type on each tenant to tell whether the
  // change rewrites (docs/LINT.md, "alter-column-type").
  std::string retyped_column{};
  bool suppressed() const { return !suppressed_reason.empty(); }
};

// Whether each tenant has its own schema in a shared database (README.md, "Tenants").
enum class Tenancy { database_per_tenant, schema_per_tenant };

// pgfleet.json `lint` (docs/LINT.md, "Configuration").
struct LintConfig {
  std::vector<std::string> exclude;              // rules never reported
  std::vector<std::string> include;              // opt-in rules to run
  std::map<std::string, LintSeverity> severity;  // per-rule severity override
  Version since = 0;                             // versions below it are read, not reported
  // schema_per_tenant turns on `search-path-or-schema-qualified` (docs/LINT.md).
  Tenancy tenancy = Tenancy::database_per_tenant;
  // `--pending`: only these versions are reported (the others are still read, for context).
  std::optional<std::set<Version>> only_versions{};
  // `lint --fleet`: versions and table sizes read from the tenants.
  std::optional<LintFleet> fleet{};
  // Placeholder names --var / --secret-var / pgfleet.json `vars` give a value for every tenant.
  std::set<std::string> declared_vars{};
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
