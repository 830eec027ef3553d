// The lint driver: reads the directory in version order, runs the rule groups on each file, then
// applies lint-ignore comments and the pgfleet.json `lint` settings (docs/LINT.md).
#include "pgfleet/migrations/lint.hpp"

#include "lint_context.hpp"
#include "pgfleet/migrations/directives.hpp"
#include "sql_checks.hpp"

namespace pgfleet {
namespace {

using namespace lint_detail;

void check_down_and_directives(FileLint& f) {
  const Migration& m = f.migration;
  if (!m.down) {
    f.report_file(m.up.path, "missing-down",
                  "no .down file: `pgfleet rollback` cannot revert this migration");
  } else if (split_sql(m.down->sql, send_mode_of(m.down->directives.tx)).empty()) {
    f.report_file(m.down->path, "empty-down",
                  "the .down file has no SQL statement: rolling back does nothing");
  }
  for (const MigrationFile* file : {&m.up, m.down ? &*m.down : nullptr}) {
    if (!file) continue;
    for (const int line : misplaced_directive_lines(file->sql)) {
      f.findings.push_back(finding_of(
          file->path, line, "misplaced-directive",
          "this `-- pgfleet:` directive comes after the first statement and has no effect; move "
          "it to the comment block at the top of the file"));
    }
  }
}

std::vector<LintFinding> lint_one(const Migration& migration, DirectoryState& directory,
                                  const LintConfig& config) {
  FileLint f(migration, directory, config);
  check_table_rules(f);
  check_statement_rules(f);
  check_type_rules(f);
  check_file_rules(f);
  check_tenant_rules(f);
  check_verify_rules(f);
  check_placeholder_rules(f);
  check_down_and_directives(f);
  for (LintFinding& finding : f.findings) {
    finding.version = migration.version;
    if (config.fleet) grade_for_fleet(finding, *config.fleet);
  }
  apply_suppressions(migration.up, f.statements, f.findings);
  // The .down and .verify files have findings of their own (empty-down, verify-writes,
  // placeholders, directives) and their own ignores; split as lint's rules split them.
  if (migration.down) {
    const MigrationFile& down = *migration.down;
    apply_suppressions(down, split_sql(down.sql, send_mode_of(down.directives.tx)), f.findings);
  }
  if (migration.verify) {
    const MigrationFile& verify = *migration.verify;
    apply_suppressions(verify, split_sql(verify.sql, SendMode::whole_file), f.findings);
  }
  std::stable_sort(f.findings.begin(), f.findings.end(),
                   [](const LintFinding& a, const LintFinding& b) {
                     return a.file != b.file ? a.file > b.file : a.line < b.line;  // .up first
                   });
  return std::move(f.findings);
}

bool listed(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// False when the configuration turns the finding's rule off.
bool enabled(const LintFinding& finding, const LintConfig& config) {
  if (listed(config.exclude, finding.rule)) return false;
  const LintRule* rule = find_lint_rule(finding.rule);
  return !rule || rule->enabled == RuleDefault::on || listed(config.include, finding.rule);
}

}  // namespace

std::vector<LintFinding> lint_migration(const Migration& migration) {
  DirectoryState directory;
  const LintConfig defaults;
  std::vector<LintFinding> findings;
  for (LintFinding& finding : lint_one(migration, directory, defaults)) {
    if (enabled(finding, LintConfig{})) findings.push_back(std::move(finding));
  }
  return findings;
}

std::vector<LintFinding> lint(const MigrationSet& set, const LintConfig& config) {
  DirectoryState directory;
  std::vector<LintFinding> findings;
  for (const Migration& migration : set.all()) {
    std::vector<LintFinding> found = lint_one(migration, directory, config);
    if (migration.version < config.since) continue;  // read for what it does, not reported
    if (config.only_versions && !config.only_versions->count(migration.version)) continue;
    for (LintFinding& finding : found) {
      if (!enabled(finding, config)) continue;
      const auto severity = config.severity.find(finding.rule);
      if (severity != config.severity.end()) finding.severity = severity->second;
      findings.push_back(std::move(finding));
    }
  }
  return findings;
}

}  // namespace pgfleet
