// pgfleet verify: the verify scripts of every applied version, on every tenant, read-only
// (docs/PREFLIGHT.md "Verify scripts").
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_command.hpp"
#include "pgfleet/cli/fleet_setup.hpp"

namespace pgfleet::cli {

int cmd_verify(const Options& o) {
  const MigrationSet migrations = load_migrations(o);
  FleetJob job;
  job.command = Command::verify;
  // Read-only: no confirmation. The fleet frame renders each tenant's verify text (placeholders)
  // and writes the results directory (summary.json, tenants.jsonl, report.html).
  job.run = [](TenantRunner& r, const Tenant& t, const Connector& c) { return r.verify(t, c); };
  return run_fleet(o, migrations, load_fleet(o), job);
}

}  // namespace pgfleet::cli
