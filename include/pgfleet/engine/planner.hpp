#pragma once
// What to do on a tenant, worked out from (migration set, history, target) alone: pure
// functions, no I/O (STYLE "Plan is separate from execution").
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

enum class PlanKind {
  up_to_date,    // nothing to apply (up to the target)
  pending,       // `pending` lists the versions to apply, ascending
  drift,         // an applied version's checksum differs from its file
  missing_file,  // an applied version has no file
  out_of_order,  // a file version not applied is lower than the highest applied one
  dirty,         // a pending row with no live pgfleet session, or an invalid index
  busy,          // a pending row whose pgfleet session is still running it elsewhere
};

// Lower-case name, e.g. "missing_file".
const char* to_string(PlanKind kind);

struct Plan {
  PlanKind kind = PlanKind::up_to_date;
  std::optional<Version> current;  // highest applied version
  std::vector<Version> pending;    // kind == pending: versions to apply, ascending
  std::optional<Version> version;  // the version a refusal is about
  std::string reason;              // human text for every kind but pending/up_to_date
  // Applied versions (placeholders directive) whose text, rendered with this tenant's values
  // today, differs from what was applied (the history's rendered_checksum): a value changed.
  std::vector<Version> rendered_changed{};
};

// The apply plan for a tenant in `state`, up to `target` (nullopt: the latest file).
Plan plan_apply(const MigrationSet& set, const TenantState& state, std::optional<Version> target);
// Same, from history rows alone (no invalid indexes, no live sessions).
Plan plan_apply(const MigrationSet& set, const std::vector<HistoryRow>& rows,
                std::optional<Version> target);

enum class RollbackKind {
  up_to_date,  // already at or below target... with nothing applied above it
  revert,      // `versions` lists what to revert, newest first
  dirty,       // a pending row (or invalid index): resolve with repair first
  busy,        // another pgfleet session is running a no-transaction migration
  drift,       // a version to revert differs from its file
  refused,     // target above the current version, or a version without .down
};

// Lower-case name, e.g. "refused".
const char* to_string(RollbackKind kind);

// The plan of `rollback --target V` on a tenant: which .down files to run (not to be confused with
// replaying the rollback script of an earlier run, `rollback --run`).
struct RollbackToPlan {
  RollbackKind kind = RollbackKind::up_to_date;
  std::optional<Version> current;
  std::vector<Version> versions;   // newest first
  std::optional<Version> version;  // the version a refusal is about
  std::string reason;
};

// The versions to revert so that the highest applied version is <= `target`.
RollbackToPlan plan_rollback(const MigrationSet& set, const TenantState& state, Version target);
// Same, from history rows alone.
RollbackToPlan plan_rollback(const MigrationSet& set, const std::vector<HistoryRow>& rows,
                             Version target);

}  // namespace pgfleet
