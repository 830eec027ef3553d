#pragma once
// Lint with the fleet (docs/LINT.md, "Linting against the fleet"): what `lint --fleet` /
// `--pending` read before linting, and the lint section `plan` shows after its table.
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "pgfleet/cli/fleet_command.hpp"
#include "pgfleet/cli/options.hpp"
#include "pgfleet/fleet/lint_facts.hpp"
#include "pgfleet/migrations/lint.hpp"

namespace pgfleet::cli {

// pgfleet.json `lint` plus what the tenants tell without a connection: schema-per-tenant when
// one of `tenants` has a schema.
LintConfig lint_config(const Options& o, const std::vector<Tenant>& tenants);

// `lint --fleet` / `--pending`: reads the selected tenants and adds to `config` the fleet's
// versions and table sizes (with the locks the newest results directory measured) and/or the
// versions some tenant lacks. Notes (tenants read, lowest version, unread tenants) go to
// `notes`. Throws RunError when no tenant could be read.
void add_fleet(const Options& o, const MigrationSet& migrations, LintConfig& config,
               std::ostream& notes);

// `plan`: reads the lint facts of each tenant with something pending, then shows the findings
// of the pending migrations after the plan.
class PlanLint {
 public:
  PlanLint(const Options& o, const MigrationSet& migrations, const std::vector<Tenant>& tenants);
  // `job` that also reads the tenant's facts when its plan has pending migrations.
  FleetJob wrap(FleetJob job);
  // Prints the section and returns the plan's exit code: an unsuppressed error finding turns 0
  // into 2 (docs/LINT.md); any other code stays.
  int finish(int exit_code, std::ostream& out) const;

 private:
  const Options& o_;
  const MigrationSet& migrations_;
  LintConfig config_;
  LintReadSettings read_;
  std::shared_ptr<LintFactsCollector> facts_ = std::make_shared<LintFactsCollector>();
};

}  // namespace pgfleet::cli
