#include "pgfleet/results/resumed_outcome.hpp"

namespace pgfleet {

TenantOutcome merge_with_earlier(const TenantOutcome& earlier, TenantOutcome now) {
  if (earlier.migrations.empty()) return now;
  std::vector<MigrationResult> migrations = earlier.migrations;
  migrations.insert(migrations.end(), now.migrations.begin(), now.migrations.end());
  now.migrations = std::move(migrations);
  now.from_version = earlier.from_version;
  if (!now.to_version) now.to_version = earlier.to_version;
  if (now.status == TenantStatus::up_to_date) now.status = TenantStatus::applied;
  return now;
}

void EarlierOutcomeMerge::tenant_finished(const TenantOutcome& outcome) {
  const auto it = earlier_.find(outcome.tenant_id);
  if (it == earlier_.end()) {
    next_.tenant_finished(outcome);
  } else {
    next_.tenant_finished(merge_with_earlier(it->second, outcome));
  }
}

}  // namespace pgfleet
