#pragma once
// Turns Options into what a fleet command needs: the migration set, the selected tenants, the
// typed run settings. Throws UsageError (exit 2) or RunError (exit 3, control plane).
#include <string>
#include <vector>

#include "pgfleet/cli/options.hpp"
#include "pgfleet/engine/run_settings.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/fleet/fleet_runner.hpp"
#include "pgfleet/fleet/tenant_connector.hpp"
#include "pgfleet/fleet/tenant_selection.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet::cli {

// Loads --migrations; a bad set is a UsageError listing every bad file.
MigrationSet load_migrations(const Options& o);
// Tenants from --control-plane / --tenants / --dsn (exactly one source), then --only,
// --exclude, --shard; bad rows come back with invalid_reason set. An empty selection is a
// UsageError naming the source and the filters, unless --allow-empty.
std::vector<Tenant> load_fleet(const Options& o);
// Checks every flag of a fleet command (one tenant source, durations, policy, --grace, --shard,
// --target, --version) before it does anything. Throws UsageError.
void check_fleet_flags(const Options& o);
// --shard as a shard: K/N, or index/N with K from JOB_COMPLETION_INDEX. Throws UsageError.
ShardSpec shard_flag(const Options& o);
// RunSettings from the flags (durations, tx mode, target).
RunSettings run_settings(const Options& o, const std::string& run_id);
ConnectSettings connect_settings(const Options& o, const std::string& run_id);
PoolLimits pool_limits(const Options& o);
FailurePolicy failure_policy(const Options& o);
std::chrono::milliseconds grace_period(const Options& o);
// A version given on the command line (1-18 digits).
Version parse_version(const std::string& text, const std::string& flag);
// "host:port" of a tenant for the --per-host cap; "" for an invalid tenant.
std::string tenant_host_port(const Tenant& t);
// "user@host" of the operator, recorded in history rows.
std::string operator_name();

}  // namespace pgfleet::cli
