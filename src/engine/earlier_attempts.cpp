#include "pgfleet/engine/earlier_attempts.hpp"

#include <algorithm>

namespace pgfleet {
namespace {

bool lists_version(const std::vector<MigrationResult>& migrations, Version version) {
  return std::any_of(migrations.begin(), migrations.end(),
                     [&](const MigrationResult& m) { return m.version == version; });
}

}  // namespace

TenantOutcome earlier_attempts_in_history(const TenantState& state, const std::string& run_id,
                                          const TenantOutcome& now) {
  TenantOutcome earlier;
  earlier.tenant_id = now.tenant_id;
  if (run_id.empty()) return earlier;
  for (const HistoryRow& row : state.rows) {  // ascending by version
    if (row.state != RowState::applied) continue;
    if (row.run_id != run_id) {
      if (!earlier.from_version || row.version > *earlier.from_version) {
        earlier.from_version = row.version;
      }
    } else if (!lists_version(now.migrations, row.version)) {
      earlier.migrations.push_back(
          MigrationResult{row.version, row.name, row.duration_ms.value_or(0), 1});
    }
  }
  earlier.to_version = state.current();
  return earlier;
}

TenantOutcome merge_with_earlier(const TenantOutcome& earlier, TenantOutcome now) {
  if (earlier.migrations.empty()) return now;
  std::vector<MigrationResult> migrations = earlier.migrations;
  for (MigrationResult& m : now.migrations) {
    if (!lists_version(migrations, m.version)) migrations.push_back(std::move(m));
  }
  now.migrations = std::move(migrations);
  now.from_version = earlier.from_version;
  if (!now.to_version) now.to_version = earlier.to_version;
  if (now.status == TenantStatus::up_to_date) now.status = TenantStatus::applied;
  return now;
}

}  // namespace pgfleet
