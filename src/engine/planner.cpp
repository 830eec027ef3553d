#include "pgfleet/engine/planner.hpp"

#include <algorithm>

#include "version_text.hpp"

namespace pgfleet {
namespace {

// The first pending row, with whether a live pgfleet session is still running it.
struct DirtyFinding {
  enum class Kind { none, busy, pending_row, invalid_index };
  Kind kind = Kind::none;
  std::optional<Version> version;
  std::string reason;
};

DirtyFinding find_dirty(const TenantState& state) {
  for (const auto& row : state.rows) {
    if (row.state != RowState::pending) continue;
    const bool alive = std::find(state.busy_run_ids.begin(), state.busy_run_ids.end(),
                                 row.run_id) != state.busy_run_ids.end();
    if (alive) {
      return {DirtyFinding::Kind::busy, row.version,
              "version " + version_text(row.version) +
                  " is being applied by another pgfleet run (" + row.run_id + ")"};
    }
    return {DirtyFinding::Kind::pending_row, row.version,
            "version " + version_text(row.version) + " was left pending by run " +
                (row.run_id.empty() ? std::string("?") : row.run_id) +
                " (a no-transaction migration did not finish); check the database, then run "
                "`pgfleet repair`"};
  }
  if (!state.invalid_indexes.empty()) {
    std::string names;
    for (const auto& name : state.invalid_indexes) names += (names.empty() ? "" : ", ") + name;
    return {DirtyFinding::Kind::invalid_index, std::nullopt,
            "invalid index left behind: " + names + " (drop or rebuild it)"};
  }
  return {};
}

TenantState rows_only(const std::vector<HistoryRow>& rows) {
  TenantState state;
  state.table = TenantState::Table::exists;
  state.rows = rows;
  sort_by_version(state.rows);
  return state;
}

}  // namespace

const char* to_string(PlanKind kind) {
  switch (kind) {
    case PlanKind::up_to_date: return "up_to_date";
    case PlanKind::pending: return "pending";
    case PlanKind::drift: return "drift";
    case PlanKind::missing_file: return "missing_file";
    case PlanKind::out_of_order: return "out_of_order";
    case PlanKind::dirty: return "dirty";
    case PlanKind::busy: return "busy";
  }
  return "unknown";
}

const char* to_string(RollbackKind kind) {
  switch (kind) {
    case RollbackKind::up_to_date: return "up_to_date";
    case RollbackKind::revert: return "revert";
    case RollbackKind::dirty: return "dirty";
    case RollbackKind::busy: return "busy";
    case RollbackKind::drift: return "drift";
    case RollbackKind::refused: return "refused";
  }
  return "unknown";
}

Plan plan_apply(const MigrationSet& set, const TenantState& state, std::optional<Version> target) {
  Plan plan;
  plan.current = state.current();

  const DirtyFinding dirty = find_dirty(state);
  if (dirty.kind != DirtyFinding::Kind::none) {
    plan.kind = dirty.kind == DirtyFinding::Kind::busy ? PlanKind::busy : PlanKind::dirty;
    plan.version = dirty.version;
    plan.reason = dirty.reason;
    return plan;
  }

  for (const auto& row : state.rows) {
    const Migration* file = set.find(row.version);
    if (file == nullptr) {
      plan.kind = PlanKind::missing_file;
      plan.version = row.version;
      plan.reason = "version " + version_text(row.version) + " (" + row.name +
                    ") is applied but has no migration file";
      return plan;
    }
    if (file->checksum != row.checksum) {
      plan.kind = PlanKind::drift;
      plan.version = row.version;
      plan.reason = "checksum differs for " + version_text(row.version) + " (" + file->name +
                    "): the file changed after it was applied";
      return plan;
    }
    // The file is the same; a placeholder's value for this tenant is not (not drift).
    if (file->up.directives.placeholders == PlaceholderMode::on && !row.rendered_checksum.empty() &&
        !file->rendered_checksum.empty() && file->rendered_checksum != row.rendered_checksum) {
      plan.rendered_changed.push_back(row.version);
    }
  }

  for (const auto& m : set.all()) {
    if (state.find(m.version) != nullptr) continue;  // applied: a pending row returned above
    if (plan.current && m.version < *plan.current) {
      plan.kind = PlanKind::out_of_order;
      plan.version = m.version;
      plan.reason = "version " + version_text(m.version) + " (" + m.name +
                    ") is not applied but is lower than the applied version " +
                    version_text(*plan.current);
      return plan;
    }
    if (!target || m.version <= *target) plan.pending.push_back(m.version);
  }
  plan.kind = plan.pending.empty() ? PlanKind::up_to_date : PlanKind::pending;
  return plan;
}

Plan plan_apply(const MigrationSet& set, const std::vector<HistoryRow>& rows,
                std::optional<Version> target) {
  return plan_apply(set, rows_only(rows), target);
}

RollbackToPlan plan_rollback(const MigrationSet& set, const TenantState& state, Version target) {
  RollbackToPlan plan;
  plan.current = state.current();

  const DirtyFinding dirty = find_dirty(state);
  if (dirty.kind != DirtyFinding::Kind::none) {
    plan.kind = dirty.kind == DirtyFinding::Kind::busy ? RollbackKind::busy : RollbackKind::dirty;
    plan.version = dirty.version;
    plan.reason = dirty.reason;
    return plan;
  }
  if (target > plan.current.value_or(0)) {
    plan.kind = RollbackKind::refused;
    plan.version = target;
    plan.reason = "the tenant is at " +
                  (plan.current ? version_text(*plan.current) : std::string("no version")) +
                  ", below the rollback target " + version_text(target) + " (use apply to go up)";
    return plan;
  }

  for (auto row = state.rows.rbegin(); row != state.rows.rend(); ++row) {
    if (row->version <= target) break;
    const Migration* file = set.find(row->version);
    if (file == nullptr) {
      plan.kind = RollbackKind::refused;
      plan.version = row->version;
      plan.reason = "version " + version_text(row->version) + " (" + row->name +
                    ") has no migration file, so no .down to run";
      plan.versions.clear();
      return plan;
    }
    if (file->checksum != row->checksum) {
      plan.kind = RollbackKind::drift;
      plan.version = row->version;
      plan.reason = "checksum differs for " + version_text(row->version) + " (" + file->name +
                    "): its .down may not match what was applied";
      plan.versions.clear();
      return plan;
    }
    if (!file->down) {
      plan.kind = RollbackKind::refused;
      plan.version = row->version;
      plan.reason =
          "version " + version_text(row->version) + " (" + file->name + ") has no .down file";
      plan.versions.clear();
      return plan;
    }
    plan.versions.push_back(row->version);
  }
  plan.kind = plan.versions.empty() ? RollbackKind::up_to_date : RollbackKind::revert;
  return plan;
}

RollbackToPlan plan_rollback(const MigrationSet& set, const std::vector<HistoryRow>& rows,
                             Version target) {
  return plan_rollback(set, rows_only(rows), target);
}

}  // namespace pgfleet
