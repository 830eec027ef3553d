// TenantRunner::plan and TenantRunner::apply: the apply plan, shown or carried out step by step.
#include <map>

#include "pgfleet/engine/planner.hpp"
#include "pgfleet/engine/tenant_runner.hpp"
#include "tenant_command.hpp"

namespace pgfleet {
namespace {

using Loop = TenantCommand::Loop;

// (version -> duration_ms) from the rows an apply transaction returns.
std::map<Version, long> durations_of(const QueryResult& rows) {
  std::map<Version, long> out;
  const int version = rows.column("version"), duration = rows.column("duration_ms");
  if (version < 0 || duration < 0) return out;
  for (const auto& row : rows.rows) {
    const auto& vv = row[static_cast<std::size_t>(version)];
    const auto& dd = row[static_cast<std::size_t>(duration)];
    if (vv && dd) out[std::stoll(*vv)] = std::stol(*dd);
  }
  return out;
}

// The migrations the next step applies: one file, or (tx_mode tenant) the transactional files up
// to the next no-transaction one, which always runs on its own.
std::vector<const Migration*> next_apply_step(const MigrationSet& migrations,
                                              const RunSettings& settings, const Plan& plan) {
  std::vector<const Migration*> step;
  for (Version version : plan.pending) {
    const Migration* m = migrations.find(version);
    const bool no_tx = m->up.directives.tx == TxKind::no_transaction;
    if (no_tx && !step.empty()) break;  // it runs on its own, after this transaction
    step.push_back(m);
    if (no_tx || settings.tx_mode == TxMode::file) break;
  }
  return step;
}

// Runs one apply step and settles its end; done records each migration with its duration.
Loop apply_step(TenantCommand& cmd, const std::vector<const Migration*>& step) {
  const StepContext ctx = cmd.context();
  const bool no_tx = step.front()->up.directives.tx == TxKind::no_transaction;
  const StepResult r = no_tx ? cmd.run_no_transaction(ctx, *step.front(), Direction::up)
                             : cmd.run_transaction(apply_transaction_script(ctx, step));
  const auto done = [&] {
    const auto durations = durations_of(r.rows);
    for (const Migration* m : step) {
      const auto d = durations.find(m->version);
      cmd.record(*m, Direction::up, d != durations.end() ? d->second : r.elapsed.count(),
                 r.attempts);
    }
    return Loop::go_on;
  };
  const auto lost = [&] { return cmd.recover_lost_connection(step, r, Direction::up); };
  return cmd.settle(r, ctx, Direction::up, done, lost);
}

}  // namespace

TenantOutcome TenantRunner::plan(const Tenant& tenant, const Connector& connect) {
  TenantCommand cmd(migrations_, settings_, reporter_, stop_, tenant, connect);
  return cmd.run([&] {
    cmd.read_starting_state();
    const Plan plan = plan_apply(migrations_, cmd.state(), settings_.target);
    switch (plan.kind) {
      case PlanKind::up_to_date: cmd.outcome().status = TenantStatus::up_to_date; break;
      case PlanKind::pending:
        cmd.outcome().status = TenantStatus::pending;
        cmd.outcome().pending = plan.pending;
        break;
      case PlanKind::drift:
      case PlanKind::missing_file:
      case PlanKind::out_of_order: cmd.refuse(TenantStatus::drift, plan.reason); break;
      case PlanKind::dirty:
      case PlanKind::busy: cmd.refuse(TenantStatus::dirty, plan.reason); break;
    }
  });
}

TenantOutcome TenantRunner::apply(const Tenant& tenant, const Connector& connect) {
  TenantCommand cmd(migrations_, settings_, reporter_, stop_, tenant, connect);
  return cmd.run([&] {
    cmd.read_starting_state();
    while (true) {
      const Plan plan = plan_apply(migrations_, cmd.state(), settings_.target);
      if (plan.kind == PlanKind::busy) {
        if (cmd.wait_while_busy(plan.reason) == Loop::stop) return;
        continue;
      }
      if (plan.kind == PlanKind::dirty) {
        if (cmd.look_again_before_dirty()) continue;
        return cmd.refuse(TenantStatus::dirty, plan.reason);
      }
      if (plan.kind != PlanKind::pending && plan.kind != PlanKind::up_to_date) {
        return cmd.refuse(TenantStatus::drift, plan.reason);
      }
      if (plan.kind == PlanKind::up_to_date) return cmd.reached_target();
      if (cmd.stop_requested()) {
        return cmd.refuse(TenantStatus::cancelled, "stopped before all migrations ran");
      }
      cmd.ensure_table();
      if (apply_step(cmd, next_apply_step(migrations_, settings_, plan)) == Loop::stop) return;
    }
  });
}

}  // namespace pgfleet
