// TenantRunner::plan and TenantRunner::apply: the apply plan, shown or carried out in batches.
#include "apply_run.hpp"
#include "pgfleet/engine/earlier_attempts.hpp"
#include "pgfleet/engine/planner.hpp"
#include "pgfleet/engine/tenant_runner.hpp"
#include "speculative_apply.hpp"
#include "tenant_command.hpp"
#include "version_text.hpp"

namespace pgfleet {
namespace {

using Loop = TenantCommand::Loop;

std::vector<const Migration*> migrations_of(const MigrationSet& migrations, const Plan& plan) {
  std::vector<const Migration*> out;
  for (Version version : plan.pending) out.push_back(migrations.find(version));
  return out;
}

std::string placeholder_change_note(const std::vector<Version>& versions) {
  std::string list;
  for (Version v : versions) list += (list.empty() ? "" : ", ") + version_text(v);
  return "a placeholder value changed since version(s) " + list +
         " were applied: their text for this tenant differs now (not re-applied)";
}

}  // namespace

TenantOutcome TenantRunner::plan(const Tenant& tenant, const Connector& connect) {
  TenantCommand cmd(migrations_, settings_, reporter_, stop_, tenant, connect);
  return cmd.run([&] {
    cmd.read_starting_state();
    const Plan plan = plan_apply(migrations_, cmd.state(), settings_.target);
    if (!plan.rendered_changed.empty()) {
      cmd.outcome().reason = placeholder_change_note(plan.rendered_changed);
    }
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
  TenantOutcome now = cmd.run([&] {
    if (start_apply(cmd, migrations_, settings_, *guess_) == Loop::stop) return;
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
      ApplyRun run(cmd, settings_, migrations_of(migrations_, plan));
      if (run.run() == Loop::stop) return;
    }
  });
  // Run again within the same run (docs/LEDGER.md, "Workers"): the history rows read above
  // tell what the earlier attempts applied, with no extra round trip.
  const TenantOutcome earlier = earlier_attempts_in_history(cmd.state(), settings_.run_id, now);
  return merge_with_earlier(earlier, std::move(now));
}

}  // namespace pgfleet
