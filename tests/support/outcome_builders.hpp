#pragma once
// Tenant outcomes with measured migrations, for the forecast, gates and report tests.
#include <chrono>
#include <string>
#include <vector>

#include "pgfleet/engine/outcome.hpp"

namespace pgfleet::test {

// A migration result: `ms` long, `attempts` tries, holding `locks` ({relation, mode}).
inline MigrationResult measured(Version version, const std::string& name, long ms,
                                std::vector<RelationLock> locks = {}, int attempts = 1) {
  MigrationResult m;
  m.version = version;
  m.name = name;
  m.duration_ms = ms;
  m.attempts = attempts;
  m.locks = std::move(locks);
  return m;
}

// An applied tenant that ran `migrations`; its own duration is their sum plus 5 ms.
inline TenantOutcome applied_with(const std::string& id, std::vector<MigrationResult> migrations) {
  TenantOutcome o;
  o.tenant_id = id;
  o.status = TenantStatus::applied;
  o.from_version = 0;
  o.to_version = migrations.empty() ? 0 : migrations.back().version;
  o.started_at = std::chrono::system_clock::from_time_t(1795496767);
  o.duration_ms = 5;
  for (const auto& m : migrations) o.duration_ms += m.duration_ms;
  o.migrations = std::move(migrations);
  return o;
}

// A tenant that failed on `version` with a server error.
inline TenantOutcome failed_with(const std::string& id, Version version,
                                 const std::string& sqlstate, const std::string& message) {
  TenantOutcome o;
  o.tenant_id = id;
  o.status = TenantStatus::failed;
  o.from_version = version - 1;
  o.to_version = version - 1;
  o.error = ErrorInfo::message_only(version, message).with_sqlstate(sqlstate);
  o.started_at = std::chrono::system_clock::from_time_t(1795496767);
  o.duration_ms = 3;
  return o;
}

}  // namespace pgfleet::test
