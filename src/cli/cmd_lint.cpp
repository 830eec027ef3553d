// pgfleet lint / new: commands on the migrations directory alone; no database.
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>

#include "fleet_lint.hpp"
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/migrations/lint.hpp"
#include "pgfleet/migrations/scaffold.hpp"
#include "pgfleet/results/lint_report.hpp"

namespace pgfleet::cli {
namespace {

// --format, else GitHub annotations inside GitHub Actions, else what --log-format asks.
LintFormat lint_format(const Options& o) {
  if (!o.lint_format.empty()) return parse_lint_format(o.lint_format);
  const char* actions = std::getenv("GITHUB_ACTIONS");
  if (actions && std::string(actions) == "true") return LintFormat::github;
  return o.log_format == "json" ? LintFormat::json : LintFormat::text;
}

struct Counts {
  int errors = 0, warnings = 0, infos = 0, suppressed = 0;
};

Counts count(const std::vector<LintFinding>& findings) {
  Counts c;
  for (const LintFinding& f : findings) {
    if (f.suppressed())
      ++c.suppressed;
    else if (f.severity == LintSeverity::error)
      ++c.errors;
    else if (f.severity == LintSeverity::warning)
      ++c.warnings;
    else
      ++c.infos;
  }
  return c;
}

// A tenants file (not stdin) without --fleet is read for its schemas: lint then knows the
// project is schema-per-tenant (docs/LINT.md).
std::vector<Tenant> tenants_without_connecting(const Options& o) {
  const bool file_only =
      !o.tenants_file.empty() && o.tenants_file != "-" && o.control_plane.empty() && o.dsns.empty();
  if (!file_only || o.lint_fleet || o.lint_pending) return {};
  Options file = o;
  file.allow_empty = true;
  return load_fleet(file);
}

}  // namespace

int cmd_lint(const Options& o) {
  const MigrationSet migrations = load_migrations(o);  // load errors: exit 2
  LintConfig config = lint_config(o, tenants_without_connecting(o));
  if (o.lint_fleet || o.lint_pending) add_fleet(o, migrations, config, std::cerr);
  const std::vector<LintFinding> findings = lint(migrations, config);
  const LintFormat format = lint_format(o);
  std::cout << format_lint_report(findings, format,
                                  o.verbose > 0 ? InfoFindings::shown : InfoFindings::hidden);
  const Counts c = count(findings);
  if (!o.quiet && (format == LintFormat::text || format == LintFormat::github)) {
    std::cout << fmt::format("{} migration(s), {} error(s), {} warning(s), {} suppressed\n",
                             migrations.all().size(), c.errors, c.warnings, c.suppressed);
  }
  const bool fail = c.errors > 0 || (o.fail_on == "warning" && c.warnings > 0);
  return fail ? 2 : 0;
}

int cmd_new(const Options& o) {
  try {
    const auto paths =
        scaffold_migration(o.migrations_dir, o.name, std::chrono::system_clock::now());
    std::cout << paths.up_path << "\n" << paths.down_path << "\n";
    return 0;
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
}

}  // namespace pgfleet::cli
