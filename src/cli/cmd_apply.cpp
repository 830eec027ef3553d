// pgfleet plan / apply.
#include <fmt/format.h>

#include <iostream>

#include "fleet_lint.hpp"
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_command.hpp"
#include "pgfleet/cli/fleet_setup.hpp"

namespace pgfleet::cli {

// The plan, then the lint of the pending migrations judged against the fleet (docs/LINT.md).
int cmd_plan(const Options& o) {
  const MigrationSet migrations = load_migrations(o);
  std::vector<Tenant> tenants = load_fleet(o);
  PlanLint plan_lint(o, migrations, tenants);
  FleetJob job;
  job.command = Command::plan;
  job.sharing = Sharing::ledger_workers;
  job.run = [](TenantRunner& r, const Tenant& t, const Connector& c) { return r.plan(t, c); };
  const int exit_code = run_fleet(o, migrations, std::move(tenants), plan_lint.wrap(job));
  return plan_lint.finish(exit_code, std::cerr);
}

int cmd_apply(const Options& o) {
  const MigrationSet migrations = load_migrations(o);
  std::vector<Tenant> tenants = load_fleet(o);
  FleetJob job;
  job.command = Command::apply;
  job.effect = Effect::changes_tenants;
  job.sharing = Sharing::ledger_workers;
  const std::string target = o.target.empty()
                                 ? fmt::format("the latest version ({})", migrations.latest())
                                 : "version " + o.target;
  job.confirm_question = fmt::format("Apply {} migration(s) up to {} to {} tenant(s)?",
                                     migrations.all().size(), target, tenants.size());
  job.run = [](TenantRunner& r, const Tenant& t, const Connector& c) { return r.apply(t, c); };
  return run_fleet(o, migrations, std::move(tenants), job);
}

}  // namespace pgfleet::cli
