// pgfleet repair / baseline: record-keeping commands that fix history rows.
#include <fmt/format.h>

#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_command.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"

namespace pgfleet::cli {

int cmd_repair(const Options& o) {
  const MigrationSet migrations = load_migrations(o);
  const Version version = parse_version(o.version, "version");
  std::vector<Tenant> tenants;
  for (Tenant& t : load_fleet(o)) {
    if (t.id == o.tenant) tenants.push_back(std::move(t));
  }
  if (tenants.empty()) throw UsageError("--tenant: no tenant \"" + o.tenant + "\" in the fleet");
  const auto mark = o.mark == "applied" ? RepairMark::applied : RepairMark::removed;
  FleetJob job;
  job.command = Command::repair;
  job.effect = Effect::changes_tenants;
  job.confirm_question =
      fmt::format("Mark version {} of tenant {} as {}?", version, o.tenant, o.mark);
  job.run = [=](TenantRunner& r, const Tenant& t, const Connector& c) {
    return r.repair(t, c, version, mark);
  };
  return run_fleet(o, migrations, std::move(tenants), job);
}

int cmd_baseline(const Options& o) {
  const MigrationSet migrations = load_migrations(o);
  const Version version = parse_version(o.version, "version");
  std::vector<Tenant> tenants = load_fleet(o);
  FleetJob job;
  job.command = Command::baseline;
  job.effect = Effect::changes_tenants;
  job.confirm_question =
      fmt::format("Record versions up to {} as applied (without running them) on {} tenant(s)?",
                  version, tenants.size());
  job.run = [=](TenantRunner& r, const Tenant& t, const Connector& c) {
    return r.baseline(t, c, version);
  };
  return run_fleet(o, migrations, std::move(tenants), job);
}

}  // namespace pgfleet::cli
