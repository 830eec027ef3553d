// The planner is a pure function of (migration set, history, target): every kind it can return.
#include <catch2/catch.hpp>

#include "migration_builders.hpp"
#include "pgfleet/engine/planner.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

HistoryRow applied(const MigrationSet& set, Version v) {
  const Migration* m = set.find(v);
  return HistoryRow{v, m->name, m->checksum, RowState::applied, "run-1", "me"};
}

HistoryRow pending_row(const MigrationSet& set, Version v, const std::string& run_id = "run-1") {
  HistoryRow row = applied(set, v);
  row.state = RowState::pending;
  row.run_id = run_id;
  return row;
}

const MigrationSet& five() {
  static const MigrationSet set(table_migrations(5));
  return set;
}

}  // namespace

TEST_CASE("plan_apply: an empty history has every file pending") {
  const Plan plan = plan_apply(five(), std::vector<HistoryRow>{}, std::nullopt);
  CHECK(plan.kind == PlanKind::pending);
  CHECK_FALSE(plan.current);
  CHECK(plan.pending == std::vector<Version>{1, 2, 3, 4, 5});
}

TEST_CASE("plan_apply: part applied, the rest is pending in order") {
  const Plan plan = plan_apply(five(), {applied(five(), 2), applied(five(), 1)}, std::nullopt);
  CHECK(plan.kind == PlanKind::pending);
  CHECK(plan.current == Version(2));
  CHECK(plan.pending == std::vector<Version>{3, 4, 5});
}

TEST_CASE("plan_apply: everything applied is up to date") {
  std::vector<HistoryRow> rows;
  for (Version v = 1; v <= 5; ++v) rows.push_back(applied(five(), v));
  const Plan plan = plan_apply(five(), rows, std::nullopt);
  CHECK(plan.kind == PlanKind::up_to_date);
  CHECK(plan.current == Version(5));
  CHECK(plan.pending.empty());
}

TEST_CASE("plan_apply: the target bounds what is pending") {
  CHECK(plan_apply(five(), {applied(five(), 1)}, Version(3)).pending == std::vector<Version>{2, 3});
  CHECK(plan_apply(five(), {applied(five(), 1)}, Version(1)).kind == PlanKind::up_to_date);
  // A target between file versions, or below the current one, is fine.
  const MigrationSet sparse(
      {make_migration(10, "a", "SELECT 1;"), make_migration(20, "b", "SELECT 2;")});
  CHECK(plan_apply(sparse, std::vector<HistoryRow>{}, Version(15)).pending ==
        std::vector<Version>{10});
  CHECK(plan_apply(sparse, std::vector<HistoryRow>{}, Version(5)).kind == PlanKind::up_to_date);
  CHECK(plan_apply(five(), {applied(five(), 1), applied(five(), 2)}, Version(1)).kind ==
        PlanKind::up_to_date);
}

TEST_CASE("plan_apply: a changed checksum is drift, naming the version") {
  HistoryRow changed = applied(five(), 2);
  changed.checksum = "0000";
  const Plan plan = plan_apply(five(), {applied(five(), 1), changed}, std::nullopt);
  CHECK(plan.kind == PlanKind::drift);
  CHECK(plan.version == Version(2));
  CHECK(plan.reason.find("checksum differs for 2") != std::string::npos);
  CHECK(plan.pending.empty());
}

TEST_CASE("plan_apply: an applied version without a file is missing_file") {
  HistoryRow ghost{7, "ghost", "abc", RowState::applied, "r", "me"};
  const Plan plan = plan_apply(five(), {applied(five(), 1), ghost}, std::nullopt);
  CHECK(plan.kind == PlanKind::missing_file);
  CHECK(plan.version == Version(7));
  CHECK(plan.reason.find("ghost") != std::string::npos);
}

TEST_CASE("plan_apply: a file lower than the highest applied version is out_of_order") {
  const Plan plan = plan_apply(five(), {applied(five(), 1), applied(five(), 3)}, std::nullopt);
  CHECK(plan.kind == PlanKind::out_of_order);
  CHECK(plan.version == Version(2));
  CHECK(plan.current == Version(3));
  // Even when the target would not reach it.
  CHECK(plan_apply(five(), {applied(five(), 1), applied(five(), 3)}, Version(1)).kind ==
        PlanKind::out_of_order);
}

TEST_CASE("plan_apply: a pending row is dirty, or busy while its run's session is alive") {
  TenantState state;
  state.table = TenantState::Table::exists;
  state.rows = {applied(five(), 1), pending_row(five(), 2, "run-x")};
  Plan plan = plan_apply(five(), state, std::nullopt);
  CHECK(plan.kind == PlanKind::dirty);
  CHECK(plan.version == Version(2));
  CHECK(plan.reason.find("repair") != std::string::npos);
  CHECK(plan.current == Version(1));

  state.busy_run_ids = {"run-other"};
  CHECK(plan_apply(five(), state, std::nullopt).kind == PlanKind::dirty);
  state.busy_run_ids = {"run-x"};
  plan = plan_apply(five(), state, std::nullopt);
  CHECK(plan.kind == PlanKind::busy);
  CHECK(plan.reason.find("run-x") != std::string::npos);
}

TEST_CASE("plan_apply: an invalid index is dirty, dirty wins over drift") {
  TenantState state;
  state.table = TenantState::Table::exists;
  state.rows = {applied(five(), 1)};
  state.invalid_indexes = {"public.items_a"};
  Plan plan = plan_apply(five(), state, std::nullopt);
  CHECK(plan.kind == PlanKind::dirty);
  CHECK(plan.reason.find("public.items_a") != std::string::npos);

  state.rows[0].checksum = "changed";
  CHECK(plan_apply(five(), state, std::nullopt).kind == PlanKind::dirty);
}

TEST_CASE("plan_apply: an empty migration set with an empty history is up to date") {
  CHECK(plan_apply(MigrationSet{}, std::vector<HistoryRow>{}, std::nullopt).kind ==
        PlanKind::up_to_date);
}

TEST_CASE("plan kinds have names") {
  CHECK(std::string(to_string(PlanKind::missing_file)) == "missing_file");
  CHECK(std::string(to_string(PlanKind::out_of_order)) == "out_of_order");
  CHECK(std::string(to_string(RollbackKind::refused)) == "refused");
}

TEST_CASE("plan_rollback: versions above the target, newest first") {
  std::vector<HistoryRow> rows;
  for (Version v = 1; v <= 4; ++v) rows.push_back(applied(five(), v));
  RollbackToPlan plan = plan_rollback(five(), rows, 1);
  CHECK(plan.kind == RollbackKind::revert);
  CHECK(plan.versions == std::vector<Version>{4, 3, 2});
  CHECK(plan.current == Version(4));
  CHECK(plan_rollback(five(), rows, 0).versions == std::vector<Version>{4, 3, 2, 1});
  CHECK(plan_rollback(five(), rows, 4).kind == RollbackKind::up_to_date);
}

TEST_CASE("plan_rollback: a target above the current version is refused") {
  const RollbackToPlan plan = plan_rollback(five(), {applied(five(), 1)}, 3);
  CHECK(plan.kind == RollbackKind::refused);
  CHECK(plan.reason.find("below the rollback target 3") != std::string::npos);
  CHECK(plan_rollback(five(), std::vector<HistoryRow>{}, 0).kind == RollbackKind::up_to_date);
  CHECK(plan_rollback(five(), std::vector<HistoryRow>{}, 1).kind == RollbackKind::refused);
}

TEST_CASE("plan_rollback: a version without .down (or without a file) is refused by name") {
  auto migrations = table_migrations(2);
  migrations.push_back(make_migration(3, "no_down", "SELECT 3;"));
  const MigrationSet set(migrations);
  const std::vector<HistoryRow> rows{applied(set, 1), applied(set, 2), applied(set, 3)};
  RollbackToPlan plan = plan_rollback(set, rows, 1);
  CHECK(plan.kind == RollbackKind::refused);
  CHECK(plan.version == Version(3));
  CHECK(plan.versions.empty());
  CHECK(plan.reason.find("no .down") != std::string::npos);
  // Down to 3 does not need 3's .down.
  CHECK(plan_rollback(set, rows, 3).kind == RollbackKind::up_to_date);

  HistoryRow ghost{9, "ghost", "x", RowState::applied, "r", "me"};
  plan = plan_rollback(set, {applied(set, 1), ghost}, 1);
  CHECK(plan.kind == RollbackKind::refused);
  CHECK(plan.version == Version(9));
}

TEST_CASE("plan_rollback: dirty, busy and drift are refused") {
  TenantState state;
  state.table = TenantState::Table::exists;
  state.rows = {applied(five(), 1), pending_row(five(), 2, "r2")};
  CHECK(plan_rollback(five(), state, 0).kind == RollbackKind::dirty);
  state.busy_run_ids = {"r2"};
  CHECK(plan_rollback(five(), state, 0).kind == RollbackKind::busy);

  HistoryRow changed = applied(five(), 2);
  changed.checksum = "other";
  const RollbackToPlan plan = plan_rollback(five(), {applied(five(), 1), changed}, 0);
  CHECK(plan.kind == RollbackKind::drift);
  CHECK(plan.version == Version(2));
}

TEST_CASE("TenantState::current is the highest applied version, ignoring pending rows") {
  TenantState state;
  CHECK_FALSE(state.current());
  state.rows = {applied(five(), 1), pending_row(five(), 2)};
  CHECK(state.current() == Version(1));
}

TEST_CASE("TenantState::find and has_pending_row look at rows in either state") {
  TenantState state;
  CHECK(state.find(1) == nullptr);
  CHECK_FALSE(state.has_pending_row());
  state.rows = {applied(five(), 1), pending_row(five(), 3)};
  REQUIRE(state.find(3) != nullptr);
  CHECK(state.find(3)->state == RowState::pending);
  CHECK(state.find(1)->version == Version(1));
  CHECK(state.find(2) == nullptr);
  CHECK(state.has_pending_row());
}

TEST_CASE("sort_by_version orders history rows ascending") {
  std::vector<HistoryRow> rows = {applied(five(), 4), applied(five(), 1), applied(five(), 3)};
  sort_by_version(rows);
  CHECK(rows[0].version == Version(1));
  CHECK(rows[1].version == Version(3));
  CHECK(rows[2].version == Version(4));
}

TEST_CASE("plan: a placeholder value changed since applied is named and is not drift") {
  std::vector<Migration> ms;
  ms.push_back(
      make_migration(1, "settings", "-- pgfleet: placeholders\nSELECT ${region:literal};\n"));
  ms.push_back(make_migration(2, "plain", "SELECT 2;\n"));
  ms[0].rendered_checksum = "now-ap";
  ms[1].rendered_checksum = ms[1].checksum;
  const MigrationSet set(ms);
  std::vector<HistoryRow> rows{applied(set, 1), applied(set, 2)};
  rows[0].rendered_checksum = "then-us";
  rows[1].rendered_checksum = "";  // no placeholders: NULL
  Plan plan = plan_apply(set, rows, std::nullopt);
  CHECK(plan.kind == PlanKind::up_to_date);
  CHECK(plan.rendered_changed == std::vector<Version>{1});
  // Unknown (a row from before the column, or baseline): nothing to say.
  rows[0].rendered_checksum = "";
  CHECK(plan_apply(set, rows, std::nullopt).rendered_changed.empty());
  rows[0].rendered_checksum = "now-ap";
  CHECK(plan_apply(set, rows, std::nullopt).rendered_changed.empty());
}
