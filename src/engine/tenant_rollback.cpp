// TenantRunner::rollback_to (run .down files newest first, `rollback --target`) and
// TenantRunner::run_script (replay the rollback script an earlier run wrote, `rollback --run`).
#include "pgfleet/engine/planner.hpp"
#include "pgfleet/engine/tenant_runner.hpp"
#include "tenant_command.hpp"
#include "version_text.hpp"

namespace pgfleet {
namespace {

using Loop = TenantCommand::Loop;

std::optional<Version> version_cell(const QueryResult& rows) {
  const int column = rows.column("version");
  if (column < 0 || rows.rows.empty()) return std::nullopt;
  const auto& value = rows.rows.front()[static_cast<std::size_t>(column)];
  if (!value) return std::nullopt;
  return std::stoll(*value);
}

// Fails unless the tenant is still where the run left it (rollback --run with .down files).
Loop check_expected_top(TenantCommand& cmd, std::optional<Version> expected_top) {
  const std::optional<Version> current = cmd.state().current();
  if (!expected_top || current == expected_top) return Loop::go_on;
  cmd.fail("the tenant's history changed since that run: it is at version " +
               version_text(current.value_or(0)) + ", the run left it at " +
               version_text(*expected_top),
           kHistoryChangedSqlstate);
  cmd.outcome().reason = "not rolled back: " + cmd.outcome().error->message;
  return Loop::stop;
}

// Runs the .down file of `m` and settles its end.
Loop revert_step(TenantCommand& cmd, const Migration& m) {
  const StepContext ctx = cmd.context();
  const bool no_tx = m.down->directives.tx == TxKind::no_transaction;
  const StepResult r = no_tx ? cmd.run_no_transaction(ctx, m, Direction::down)
                             : cmd.run_transaction(revert_transaction_script(ctx, m));
  const auto done = [&] {
    cmd.record(m, Direction::down, r.elapsed.count(), r.attempts);
    return Loop::go_on;
  };
  const auto lost = [&] { return cmd.recover_lost_connection({&m}, r, Direction::down); };
  return cmd.settle(r, ctx, Direction::down, done, lost);
}

}  // namespace

TenantOutcome TenantRunner::rollback_to(const Tenant& tenant, const Connector& connect,
                                        Version target, std::optional<Version> expected_top) {
  TenantCommand cmd(migrations_, settings_, reporter_, stop_, tenant, connect);
  return cmd.run([&] {
    cmd.read_starting_state();
    if (check_expected_top(cmd, expected_top) == Loop::stop) return;
    while (true) {
      const RollbackToPlan plan = plan_rollback(migrations_, cmd.state(), target);
      switch (plan.kind) {
        case RollbackKind::busy:
          if (cmd.wait_while_busy(plan.reason) == Loop::stop) return;
          continue;
        case RollbackKind::dirty:
          if (cmd.look_again_before_dirty()) continue;
          return cmd.refuse(TenantStatus::dirty, plan.reason);
        case RollbackKind::drift: return cmd.refuse(TenantStatus::drift, plan.reason);
        case RollbackKind::refused:
          cmd.fail(plan.reason);
          cmd.outcome().reason = plan.reason;
          if (plan.version) cmd.outcome().error->version = plan.version;
          return;
        case RollbackKind::up_to_date: return cmd.reached_target();
        case RollbackKind::revert: break;
      }
      if (cmd.stop_requested()) {
        return cmd.refuse(TenantStatus::cancelled, "stopped before all .down files ran");
      }
      if (revert_step(cmd, *migrations_.find(plan.versions.front())) == Loop::stop) return;
    }
  });
}

TenantOutcome TenantRunner::run_script(const Tenant& tenant, const Connector& connect,
                                       const std::string& script_sql, Version expected_top) {
  TenantCommand cmd(migrations_, settings_, reporter_, stop_, tenant, connect);
  return cmd.run([&] {
    cmd.outcome().from_version = expected_top;
    const MigrationScript script =
        rollback_script_transaction(cmd.history(), settings_, script_sql, expected_top);
    const StepResult r = cmd.run_transaction(script);
    std::optional<Version> new_top;
    // One transaction, no plan to redo: each end means something of its own here.
    switch (r.end) {
      case StepEnd::done: new_top = version_cell(r.rows); break;
      case StepEnd::history_changed:
        cmd.fail(r.error ? r.error->message : "the tenant's history changed",
                 kHistoryChangedSqlstate);
        cmd.outcome().reason = "not rolled back: " + cmd.outcome().error->message;
        cmd.set_known_to_version(expected_top);
        return;
      case StepEnd::connection_lost:
        cmd.reconnect();
        cmd.read_state();
        if (cmd.state().has_pending_row() || cmd.state().current().value_or(0) >= expected_top) {
          return cmd.fail("connection lost while running the rollback script; it did not commit");
        }
        new_top = cmd.state().current();
        break;
      case StepEnd::failed:
      case StepEnd::cancelled:
        cmd.fail_step(r, Direction::down);
        cmd.set_known_to_version(expected_top);
        return;
    }
    cmd.set_known_to_version(new_top);
    for (auto m = migrations_.all().rbegin(); m != migrations_.all().rend(); ++m) {
      if (m->version > expected_top || m->version <= new_top.value_or(0)) continue;
      cmd.report(MigrationResult{m->version, m->name, r.elapsed.count(), r.attempts});
    }
    cmd.outcome().status = TenantStatus::applied;
  });
}

}  // namespace pgfleet
