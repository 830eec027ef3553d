// pgfleet lint / new: commands on the migrations directory alone; no database.
#include <fmt/format.h>

#include <iostream>

#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/migrations/lint.hpp"
#include "pgfleet/migrations/scaffold.hpp"

namespace pgfleet::cli {

int cmd_lint(const Options& o) {
  const MigrationSet migrations = load_migrations(o);  // load errors: exit 2
  int errors = 0, warnings = 0;
  for (const LintFinding& f : lint(migrations)) {
    (f.severity == LintSeverity::error ? errors : warnings)++;
    std::cout << fmt::format("{}:{}: {}: {} [{}]\n", f.file, f.line, to_string(f.severity),
                             f.message, f.rule);
  }
  if (!o.quiet) {
    std::cout << fmt::format("{} migration(s), {} error(s), {} warning(s)\n",
                             migrations.all().size(), errors, warnings);
  }
  return errors > 0 ? 2 : 0;
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
