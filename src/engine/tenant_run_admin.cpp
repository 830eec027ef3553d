// The TenantRun commands that are not apply/rollback: run a rollback script, baseline, repair.
#include <algorithm>

#include "tenant_run.hpp"

namespace pgfleet {
namespace {

std::string v(Version version) { return std::to_string(version); }

const HistoryRow* find_row(const TenantState& state, Version version) {
  for (const auto& row : state.rows) {
    if (row.version == version) return &row;
  }
  return nullptr;
}

std::optional<Version> version_cell(const QueryResult& rows) {
  const int column = rows.column("version");
  if (column < 0 || rows.rows.empty()) return std::nullopt;
  const auto& value = rows.rows.front()[static_cast<std::size_t>(column)];
  if (!value) return std::nullopt;
  return std::stoll(*value);
}

}  // namespace

TenantOutcome TenantRun::run_script(const std::string& script_sql, Version expected_top) {
  return guarded([&] {
    outcome_.from_version = expected_top;
    const MigrationScript script =
        rollback_script_transaction(history_, settings_, script_sql, expected_top);
    const StepResult r = executor_.run_transaction(*session_, script);
    std::optional<Version> new_top;
    switch (r.end) {
      case StepEnd::done: new_top = version_cell(r.rows); break;
      case StepEnd::history_changed:
        fail(r.error ? r.error->message : "the tenant's history changed", kHistoryChangedSqlstate);
        outcome_.reason = "not rolled back: " + outcome_.error->message;
        known_to_version_ = outcome_.from_version;
        return;
      case StepEnd::connection_lost: {
        session_.reset();
        open_session();
        read_state();
        const bool pending =
            std::any_of(state_.rows.begin(), state_.rows.end(),
                        [](const HistoryRow& h) { return h.state == RowState::pending; });
        if (pending || state_.current().value_or(0) >= expected_top) {
          fail("connection lost while running the rollback script; it did not commit");
          return;
        }
        new_top = state_.current();
        break;
      }
      case StepEnd::failed:
      case StepEnd::cancelled:
        fail_step(r, Direction::down);
        known_to_version_ = outcome_.from_version;
        return;
    }
    known_to_version_ = new_top;
    for (auto m = migrations_.all().rbegin(); m != migrations_.all().rend(); ++m) {
      if (m->version > expected_top || m->version <= new_top.value_or(0)) continue;
      MigrationResult result{m->version, m->name, r.elapsed.count(), r.attempts};
      outcome_.migrations.push_back(result);
      reporter_.migration_finished(tenant_.id, result);
    }
    outcome_.status = TenantStatus::applied;
  });
}

TenantOutcome TenantRun::baseline(Version version) {
  return guarded([&] {
    read_state();
    outcome_.from_version = state_.current();
    while (true) {
      const Plan plan = plan_apply(migrations_, state_, version);
      if (plan.kind == PlanKind::dirty || plan.kind == PlanKind::busy) {
        return refuse(TenantStatus::dirty, plan.reason);
      }
      for (const auto& row : state_.rows) {
        if (row.version > version) {
          fail("the history already has version " + v(row.version) + " above the baseline " +
               v(version));
          outcome_.reason = outcome_.error->message;
          return;
        }
      }
      std::vector<const Migration*> missing;
      for (const auto& m : migrations_.all()) {
        if (m.version <= version && find_row(state_, m.version) == nullptr) missing.push_back(&m);
      }
      if (missing.empty()) {
        outcome_.status =
            outcome_.migrations.empty() ? TenantStatus::up_to_date : TenantStatus::applied;
        return;
      }
      ensure_table();
      const StepContext ctx = context();
      const StepResult r = executor_.run_transaction(*session_, baseline_sql(ctx, missing));
      switch (r.end) {
        case StepEnd::done:
          for (const Migration* m : missing) record(*m, Direction::up, 0, r.attempts);
          break;
        case StepEnd::history_changed:
          if (after_history_changed(ctx) == Loop::stop) return;
          break;
        case StepEnd::connection_lost:
          if (recover_lost_connection(missing, r, Direction::up) == Loop::stop) return;
          break;
        case StepEnd::failed:
        case StepEnd::cancelled: fail_step(r, Direction::up); return;
      }
    }
  });
}

TenantOutcome TenantRun::repair(Version version, RepairMark mark) {
  return guarded([&] {
    read_state();
    outcome_.from_version = state_.current();
    while (true) {
      const HistoryRow* row = find_row(state_, version);
      if (row == nullptr || row->state != RowState::pending) {
        fail("version " + v(version) + (row == nullptr ? " has no history row" : " is applied") +
             ": there is no pending row to repair");
        outcome_.reason = outcome_.error->message;
        return;
      }
      if (std::find(state_.busy_run_ids.begin(), state_.busy_run_ids.end(), row->run_id) !=
          state_.busy_run_ids.end()) {
        fail(locked_by_another_run_message("version " + v(version) +
                                           " is still being applied by run " + row->run_id));
        return;
      }
      const std::string name = row->name;
      const StepContext ctx = context();
      const StepResult r = executor_.run_transaction(*session_, repair_sql(ctx, version, mark));
      switch (r.end) {
        case StepEnd::done: {
          auto it = std::find_if(state_.rows.begin(), state_.rows.end(),
                                 [&](const HistoryRow& h) { return h.version == version; });
          if (mark == RepairMark::applied) {
            it->state = RowState::applied;
          } else {
            state_.rows.erase(it);
          }
          MigrationResult result{version, name, r.elapsed.count(), r.attempts};
          outcome_.migrations.push_back(result);
          reporter_.migration_finished(tenant_.id, result);
          outcome_.status = TenantStatus::applied;
          return;
        }
        case StepEnd::history_changed:
          if (after_history_changed(ctx) == Loop::stop) return;
          break;
        case StepEnd::connection_lost:
          fail("connection lost during repair; check the history row of version " + v(version));
          return;
        case StepEnd::failed:
        case StepEnd::cancelled:
          outcome_.status =
              r.end == StepEnd::cancelled ? TenantStatus::cancelled : TenantStatus::failed;
          outcome_.error = r.error;
          return;
      }
    }
  });
}

}  // namespace pgfleet
