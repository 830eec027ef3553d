#pragma once
// Gates for release pipelines (docs/PREFLIGHT.md, "Gates"): limits on what a migration may do on
// any tenant. A gate that trips makes the run exit 1 and is listed in summary.json `gates`;
// tenant statuses do not change.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/outcome.hpp"

namespace pgfleet {

struct GateLimits {
  // --max-lock-hold: longest a migration may hold a lock that blocks writes (or reads).
  std::optional<long> max_lock_hold_ms;
  // --max-duration: longest a migration may run on one tenant.
  std::optional<long> max_duration_ms;
};

enum class Gate { max_lock_hold, max_duration };
// The flag's name without dashes, e.g. "max-lock-hold".
const char* to_string(Gate gate);

// One tenant on which one migration passed a limit.
struct GateTrip {
  Gate gate = Gate::max_duration;
  Version version = 0;
  std::string name;  // the migration's
  std::string tenant_id;
  std::string relation;  // max-lock-hold only
  std::string mode;      // max-lock-hold only
  long ms = 0;           // how long it ran or held the lock
  long limit_ms = 0;
};

// Every trip, tenant by tenant in the given order: a migration that ran longer than
// max_duration_ms, and (one per relation) a migration that held a write-blocking lock (see
// forecast.hpp) for longer than max_lock_hold_ms. A lock is held until the migration's
// transaction ends, so its hold time is the migration's duration.
std::vector<GateTrip> check_gates(const std::vector<TenantOutcome>& tenants,
                                  const GateLimits& limits);
// The trips of one tenant, appended to `trips` (a run checks each tenant as it finishes).
void check_tenant_gates(const TenantOutcome& tenant, const GateLimits& limits,
                        std::vector<GateTrip>& trips);

// summary.json `gates`: [{gate, migration, name, tenant, relation, mode, ms, limit_ms}]
// (relation and mode null for max-duration).
nlohmann::json gates_to_json(const std::vector<GateTrip>& trips);
// summary.json `gate_limits`: {max_lock_hold_ms, max_duration_ms}, null when not set.
nlohmann::json gate_limits_to_json(const GateLimits& limits);
// The limits read back from summary.json (`pgfleet report`); missing or damaged: none.
GateLimits gate_limits_from_json(const nlohmann::json& limits);

}  // namespace pgfleet
