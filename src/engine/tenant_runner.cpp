#include "pgfleet/engine/tenant_runner.hpp"

#include "tenant_run.hpp"

namespace pgfleet {

TenantRunner::TenantRunner(const MigrationSet& migrations, const RunSettings& settings,
                           Reporter& reporter, const std::atomic<bool>& stop)
    : migrations_(migrations), settings_(settings), reporter_(reporter), stop_(stop) {}

TenantOutcome TenantRunner::plan(const Tenant& tenant, const Connector& connect) {
  return TenantRun(migrations_, settings_, reporter_, stop_, tenant, connect).plan();
}

TenantOutcome TenantRunner::apply(const Tenant& tenant, const Connector& connect) {
  return TenantRun(migrations_, settings_, reporter_, stop_, tenant, connect).apply();
}

TenantOutcome TenantRunner::rollback_to(const Tenant& tenant, const Connector& connect,
                                        Version target, std::optional<Version> expected_top) {
  return TenantRun(migrations_, settings_, reporter_, stop_, tenant, connect)
      .rollback_to(target, expected_top);
}

TenantOutcome TenantRunner::run_script(const Tenant& tenant, const Connector& connect,
                                       const std::string& script_sql, Version expected_top) {
  return TenantRun(migrations_, settings_, reporter_, stop_, tenant, connect)
      .run_script(script_sql, expected_top);
}

TenantOutcome TenantRunner::baseline(const Tenant& tenant, const Connector& connect,
                                     Version version) {
  return TenantRun(migrations_, settings_, reporter_, stop_, tenant, connect).baseline(version);
}

TenantOutcome TenantRunner::repair(const Tenant& tenant, const Connector& connect, Version version,
                                   RepairMark mark) {
  return TenantRun(migrations_, settings_, reporter_, stop_, tenant, connect).repair(version, mark);
}

}  // namespace pgfleet
