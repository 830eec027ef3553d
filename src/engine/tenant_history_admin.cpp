// TenantRunner::baseline and TenantRunner::repair: commands that write history rows without
// running any migration file.
#include <algorithm>

#include "pgfleet/engine/planner.hpp"
#include "pgfleet/engine/tenant_runner.hpp"
#include "tenant_command.hpp"
#include "version_text.hpp"

namespace pgfleet {
namespace {

using Loop = TenantCommand::Loop;

// Fails when the history already has a version above the baseline.
Loop check_nothing_above(TenantCommand& cmd, Version version) {
  for (const auto& row : cmd.state().rows) {
    if (row.version > version) {
      cmd.fail("the history already has version " + version_text(row.version) +
               " above the baseline " + version_text(version));
      cmd.outcome().reason = cmd.outcome().error->message;
      return Loop::stop;
    }
  }
  return Loop::go_on;
}

// The migrations up to `version` that have no history row.
std::vector<const Migration*> without_row(const MigrationSet& migrations, const TenantState& state,
                                          Version version) {
  std::vector<const Migration*> missing;
  for (const auto& m : migrations.all()) {
    if (m.version <= version && state.find(m.version) == nullptr) missing.push_back(&m);
  }
  return missing;
}

// Fails unless `version` has a pending row that no live pgfleet run is working on.
Loop check_repairable(TenantCommand& cmd, Version version) {
  const TenantState& state = cmd.state();
  const HistoryRow* row = state.find(version);
  if (row == nullptr || row->state != RowState::pending) {
    cmd.fail("version " + version_text(version) +
             (row == nullptr ? " has no history row" : " is applied") +
             ": there is no pending row to repair");
    cmd.outcome().reason = cmd.outcome().error->message;
    return Loop::stop;
  }
  if (std::find(state.busy_run_ids.begin(), state.busy_run_ids.end(), row->run_id) !=
      state.busy_run_ids.end()) {
    cmd.fail(locked_by_another_run_message("version " + version_text(version) +
                                           " is still being applied by run " + row->run_id));
    return Loop::stop;
  }
  return Loop::go_on;
}

// The repair committed: the pending row of `version` is now applied, or gone.
Loop record_repair(TenantCommand& cmd, Version version, RepairMark mark, const StepResult& r) {
  auto& rows = cmd.state().rows;
  const auto it = std::find_if(rows.begin(), rows.end(),
                               [&](const HistoryRow& h) { return h.version == version; });
  const std::string name = it->name;
  if (mark == RepairMark::applied) {
    it->state = RowState::applied;
  } else {
    rows.erase(it);
  }
  cmd.report(MigrationResult{version, name, r.elapsed.count(), r.attempts});
  cmd.outcome().status = TenantStatus::applied;
  return Loop::stop;
}

}  // namespace

TenantOutcome TenantRunner::baseline(const Tenant& tenant, const Connector& connect,
                                     Version version) {
  TenantCommand cmd(migrations_, settings_, reporter_, stop_, tenant, connect);
  return cmd.run([&] {
    cmd.read_starting_state();
    while (true) {
      const Plan plan = plan_apply(migrations_, cmd.state(), version);
      if (plan.kind == PlanKind::dirty || plan.kind == PlanKind::busy) {
        return cmd.refuse(TenantStatus::dirty, plan.reason);
      }
      if (check_nothing_above(cmd, version) == Loop::stop) return;
      const std::vector<const Migration*> missing = without_row(migrations_, cmd.state(), version);
      if (missing.empty()) return cmd.reached_target();
      cmd.ensure_table();
      const StepContext ctx = cmd.context();
      const StepResult r = cmd.run_transaction(baseline_sql(ctx, missing));
      const auto done = [&] {
        for (const Migration* m : missing) cmd.record(*m, Direction::up, 0, r.attempts);
        return Loop::go_on;
      };
      const auto lost = [&] { return cmd.recover_lost_connection(missing, r, Direction::up); };
      if (cmd.settle(r, ctx, Direction::up, done, lost) == Loop::stop) return;
    }
  });
}

TenantOutcome TenantRunner::repair(const Tenant& tenant, const Connector& connect, Version version,
                                   RepairMark mark) {
  TenantCommand cmd(migrations_, settings_, reporter_, stop_, tenant, connect);
  return cmd.run([&] {
    cmd.read_starting_state();
    while (true) {
      if (check_repairable(cmd, version) == Loop::stop) return;
      const StepContext ctx = cmd.context();
      const StepResult r = cmd.run_transaction(repair_sql(ctx, version, mark));
      const auto done = [&] { return record_repair(cmd, version, mark, r); };
      const auto lost = [&] {
        cmd.fail("connection lost during repair; check the history row of version " +
                 version_text(version));
        return Loop::stop;
      };
      // The repair SQL holds no migration file, so a failure names no version: fail_step only
      // copies the error.
      if (cmd.settle(r, ctx, Direction::up, done, lost) == Loop::stop) return;
    }
  });
}

}  // namespace pgfleet
