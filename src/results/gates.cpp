#include "pgfleet/results/gates.hpp"

#include "pgfleet/results/forecast.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

json optional_ms(const std::optional<long>& ms) { return ms ? json(*ms) : json(nullptr); }

std::optional<long> ms_at(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<long>();
}

void check_migration(const TenantOutcome& t, const MigrationResult& m, const GateLimits& limits,
                     std::vector<GateTrip>& trips) {
  const GateTrip base{Gate::max_duration, m.version, m.name, t.tenant_id, "", "", m.duration_ms, 0};
  if (limits.max_duration_ms && m.duration_ms > *limits.max_duration_ms) {
    GateTrip trip = base;
    trip.limit_ms = *limits.max_duration_ms;
    trips.push_back(std::move(trip));
  }
  if (!limits.max_lock_hold_ms || m.duration_ms <= *limits.max_lock_hold_ms) return;
  for (const RelationLock& lock : m.locks) {
    if (lock_impact(lock.mode) == LockImpact::none) continue;
    GateTrip trip = base;
    trip.gate = Gate::max_lock_hold;
    trip.relation = lock.relation;
    trip.mode = lock.mode;
    trip.limit_ms = *limits.max_lock_hold_ms;
    trips.push_back(std::move(trip));
  }
}

}  // namespace

const char* to_string(Gate gate) {
  switch (gate) {
    case Gate::max_lock_hold: return "max-lock-hold";
    case Gate::max_duration: return "max-duration";
  }
  return "unknown";
}

void check_tenant_gates(const TenantOutcome& tenant, const GateLimits& limits,
                        std::vector<GateTrip>& trips) {
  for (const MigrationResult& m : tenant.migrations) check_migration(tenant, m, limits, trips);
}

std::vector<GateTrip> check_gates(const std::vector<TenantOutcome>& tenants,
                                  const GateLimits& limits) {
  std::vector<GateTrip> trips;
  for (const TenantOutcome& t : tenants) check_tenant_gates(t, limits, trips);
  return trips;
}

nlohmann::json gates_to_json(const std::vector<GateTrip>& trips) {
  json out = json::array();
  for (const GateTrip& t : trips) {
    const bool lock = t.gate == Gate::max_lock_hold;
    out.push_back(json{{"gate", to_string(t.gate)},
                       {"migration", t.version},
                       {"name", t.name},
                       {"tenant", t.tenant_id},
                       {"relation", lock ? json(t.relation) : json(nullptr)},
                       {"mode", lock ? json(t.mode) : json(nullptr)},
                       {"ms", t.ms},
                       {"limit_ms", t.limit_ms}});
  }
  return out;
}

nlohmann::json gate_limits_to_json(const GateLimits& limits) {
  return json{{"max_lock_hold_ms", optional_ms(limits.max_lock_hold_ms)},
              {"max_duration_ms", optional_ms(limits.max_duration_ms)}};
}

GateLimits gate_limits_from_json(const nlohmann::json& limits) {
  return GateLimits{ms_at(limits, "max_lock_hold_ms"), ms_at(limits, "max_duration_ms")};
}

}  // namespace pgfleet
