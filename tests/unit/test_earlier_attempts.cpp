// A tenant run a second time within one run id (docs/LEDGER.md, "Workers"): what its history
// says the run applied before, and how that joins the outcome of the attempt that just ended.
#include <catch2/catch.hpp>

#include "pgfleet/engine/earlier_attempts.hpp"

using namespace pgfleet;

namespace {

HistoryRow row(Version version, const std::string& run_id, RowState state = RowState::applied,
               std::optional<long> duration_ms = std::nullopt) {
  HistoryRow r;
  r.version = version;
  r.name = "v" + std::to_string(version);
  r.state = state;
  r.run_id = run_id;
  r.duration_ms = duration_ms;
  return r;
}

TenantOutcome outcome(TenantStatus status, std::vector<MigrationResult> migrations = {}) {
  TenantOutcome o;
  o.tenant_id = "t";
  o.status = status;
  o.migrations = std::move(migrations);
  return o;
}

std::vector<Version> versions(const TenantOutcome& o) {
  std::vector<Version> out;
  for (const auto& m : o.migrations) out.push_back(m.version);
  return out;
}

}  // namespace

TEST_CASE("the history rows of this run are what its earlier attempts applied") {
  TenantState state;
  state.table = TenantState::Table::exists;
  state.rows = {row(1, "old"), row(2, "run-a", RowState::applied, 40), row(3, "run-a"),
                row(4, "run-a", RowState::pending)};
  const TenantOutcome now = outcome(TenantStatus::up_to_date);
  const TenantOutcome earlier = earlier_attempts_in_history(state, "run-a", now);
  CHECK(versions(earlier) == std::vector<Version>{2, 3});  // a pending row is not applied
  CHECK(earlier.migrations[0].name == "v2");
  CHECK(earlier.migrations[0].duration_ms == 40);
  CHECK(earlier.migrations[1].duration_ms == 0);  // none recorded
  CHECK(earlier.from_version == 1);               // the last one another run applied
  CHECK(earlier.to_version == 3);

  // What this attempt applied itself is not earlier; another run's rows never are.
  const TenantOutcome applied_now = outcome(TenantStatus::applied, {{3, "v3", 9, 1}});
  CHECK(versions(earlier_attempts_in_history(state, "run-a", applied_now)) ==
        std::vector<Version>{2});
  CHECK(earlier_attempts_in_history(state, "run-b", now).migrations.empty());
  CHECK(earlier_attempts_in_history(state, "", now).migrations.empty());

  // Found up to date, it reports `applied` with the run's migrations.
  const TenantOutcome merged = merge_with_earlier(earlier, now);
  CHECK(merged.status == TenantStatus::applied);
  CHECK(versions(merged) == std::vector<Version>{2, 3});
  CHECK(merged.from_version == 1);
}

TEST_CASE("a version both attempts list is kept once as the earlier attempt recorded it") {
  TenantOutcome earlier = outcome(TenantStatus::failed, {{1, "v1", 12, 2}});
  TenantOutcome now = outcome(TenantStatus::applied, {{1, "v1", 0, 1}, {2, "v2", 5, 1}});
  const TenantOutcome merged = merge_with_earlier(earlier, now);
  REQUIRE(versions(merged) == std::vector<Version>{1, 2});
  CHECK(merged.migrations[0].duration_ms == 12);
  CHECK(merged.migrations[0].attempts == 2);
  CHECK(merged.migrations[1].duration_ms == 5);
  CHECK(merged.status == TenantStatus::applied);
}
