#include "tenant_run.hpp"

#include <algorithm>
#include <map>
#include <thread>

#include "pgfleet/db/conninfo.hpp"

namespace pgfleet {
namespace {

using Clock = std::chrono::steady_clock;

std::string v(Version version) { return std::to_string(version); }

std::string version_list(const std::vector<const Migration*>& step) {
  std::string list;
  for (const Migration* m : step) list += (list.empty() ? "" : ", ") + v(m->version);
  return list;
}

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

const HistoryRow* find_row(const TenantState& state, Version version) {
  for (const auto& row : state.rows) {
    if (row.version == version) return &row;
  }
  return nullptr;
}

}  // namespace

TenantRun::TenantRun(const MigrationSet& migrations, const RunSettings& settings,
                     Reporter& reporter, const std::atomic<bool>& stop, const Tenant& tenant,
                     const Connector& connect)
    : migrations_(migrations),
      settings_(settings),
      reporter_(reporter),
      stop_(stop),
      tenant_(tenant),
      connect_(connect),
      history_(tenant.schema),
      executor_(settings, stop),
      started_(Clock::now()) {
  outcome_.tenant_id = tenant.id;
  outcome_.started_at = std::chrono::system_clock::now();
  // Parsed when the tenant was validated; a tenant built by hand without it has no host.
  if (tenant.conninfo) outcome_.host = tenant.conninfo->host_port();
}

TenantOutcome TenantRun::guarded(const std::function<void()>& body) {
  try {
    open_session();
    body();
  } catch (const ConnectError& e) {
    outcome_.status = e.kind() == ConnectError::Kind::transient ? TenantStatus::unreachable
                                                                : TenantStatus::failed;
    outcome_.error = ErrorInfo{{}, e.sqlstate(), e.what(), "", "", {}};
    outcome_.error->phase = ErrorPhase::connect;
  } catch (const DbError& e) {
    outcome_.status = TenantStatus::failed;
    outcome_.error = StepExecutor::error_info(e, nullptr, std::nullopt);
  } catch (const ConnectionLost& e) {
    fail(std::string("connection lost: ") + e.what());
  } catch (const std::exception& e) {
    fail(e.what());
  }
  if (known_to_version_) {
    outcome_.to_version = *known_to_version_;
  } else if (state_.table == TenantState::Table::exists || !outcome_.migrations.empty()) {
    outcome_.to_version = state_.current();
  } else {
    outcome_.to_version = outcome_.from_version;
  }
  outcome_.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count();
  return outcome_;
}

void TenantRun::open_session() { session_ = connect_(); }

void TenantRun::read_state() {
  try {
    state_ = HistoryTable::parse_state(session_->exec(history_.read_state_sql()));
  } catch (const DbError& e) {
    if (!HistoryTable::is_missing_table_error(e.sqlstate())) throw;
    state_ = TenantState{};  // never migrated: the table is created by the first write
  }
}

void TenantRun::ensure_table() {
  if (state_.table == TenantState::Table::exists) return;
  try {
    session_->exec(history_.create_sql());
  } catch (const DbError& e) {
    // Another runner created it at the same moment; its rows are caught by the guard.
    if (!HistoryTable::is_concurrent_create_error(e.sqlstate())) throw;
  }
  state_.table = TenantState::Table::exists;
}

StepContext TenantRun::context() const {
  return StepContext{history_, settings_, HistoryTable::fingerprint(state_.rows)};
}

void TenantRun::fail(const std::string& message, const std::string& sqlstate) {
  outcome_.status = TenantStatus::failed;
  outcome_.error = ErrorInfo{{}, sqlstate, message, "", "", {}};
}

void TenantRun::refuse(TenantStatus status, const std::string& reason) {
  outcome_.status = status;
  outcome_.reason = reason;
}

TenantRun::Loop TenantRun::wait_while_busy(const std::string& reason) {
  if (!busy_deadline_) busy_deadline_ = Clock::now() + settings_.lock_wait;
  if (!executor_.wait_for_lock(++busy_polls_, *busy_deadline_)) {
    if (stop_.load()) {
      refuse(TenantStatus::cancelled, "stopped while waiting for another pgfleet run");
    } else {
      fail(locked_by_another_run_message(reason));
      outcome_.reason = reason;
    }
    return Loop::stop;
  }
  read_state();
  return Loop::go_on;
}

bool TenantRun::look_again_before_dirty() {
  // Another run's session shows in pg_stat_activity only while it holds a server connection;
  // behind PgBouncer (transaction mode) it has none between statements. ~2 s of looks tell an
  // abandoned `pending` row from one that run is still working on.
  constexpr int kLooks = 8;
  const bool pending_row =
      std::any_of(state_.rows.begin(), state_.rows.end(),
                  [](const HistoryRow& h) { return h.state == RowState::pending; });
  if (!pending_row || dirty_looks_ >= kLooks || stop_.load()) return false;
  ++dirty_looks_;
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  read_state();
  return true;
}

TenantRun::Loop TenantRun::after_history_changed(const StepContext& used) {
  read_state();
  if (HistoryTable::fingerprint(state_.rows) == used.expected_fingerprint) {
    fail("the history check failed although the history did not change (" +
         history_.qualified_name() + ")");
    return Loop::stop;
  }
  return Loop::go_on;
}

TenantRun::Loop TenantRun::fail_step(const StepResult& step, Direction direction) {
  outcome_.status = step.end == StepEnd::cancelled ? TenantStatus::cancelled : TenantStatus::failed;
  outcome_.error = step.error;
  if (step.error && step.error->version) {
    const Migration* m = migrations_.find(*step.error->version);
    const bool no_tx =
        m != nullptr && step_file(*m, direction).directives.tx == TxKind::no_transaction;
    // A no-transaction statement failed after its row was claimed: the row stays pending.
    if (no_tx && step.error->sqlstate != kLockBusySqlstate) {
      read_state();
      const HistoryRow* row = find_row(state_, m->version);
      if (row != nullptr && row->state == RowState::pending) {
        outcome_.reason = "version " + v(m->version) +
                          " (no-transaction) failed part-way and is left pending: the tenant is "
                          "dirty until `pgfleet repair`";
      }
    }
  }
  return Loop::stop;
}

TenantRun::Loop TenantRun::recover_lost_connection(const std::vector<const Migration*>& step,
                                                   const StepResult& r, Direction direction) {
  session_.reset();
  try {
    open_session();
    read_state();
  } catch (const std::exception& e) {
    fail("connection lost while running version " + version_list(step) +
         "; could not reconnect to find out whether it committed: " + e.what());
    return Loop::stop;
  }
  bool all_done = true;
  for (const Migration* m : step) {
    const HistoryRow* row = find_row(state_, m->version);
    const bool done = direction == Direction::up ? row != nullptr && row->state == RowState::applied
                                                 : row == nullptr;
    if (!done) all_done = false;
    if (row != nullptr && row->state == RowState::pending) {
      fail("connection lost during no-transaction migration " + v(m->version) +
           "; its row is left pending: the tenant is dirty until `pgfleet repair`");
      outcome_.error->version = m->version;
      return Loop::stop;
    }
  }
  if (!all_done) {
    fail("connection lost while running version " + version_list(step) +
         "; the transaction did not commit (" + (r.error ? r.error->message : "") + ")");
    outcome_.error->version = step.front()->version;
    return Loop::stop;
  }
  for (const Migration* m : step) {
    // The rows are in state_ already (read after reconnecting): only report them.
    MigrationResult result{m->version, m->name, r.elapsed.count(), r.attempts};
    outcome_.migrations.push_back(result);
    reporter_.migration_finished(tenant_.id, result);
  }
  return Loop::go_on;
}

void TenantRun::record(const Migration& m, Direction direction, long duration_ms, int attempts) {
  if (direction == Direction::up) {
    state_.rows.push_back(HistoryRow{m.version, m.name, m.checksum, RowState::applied,
                                     settings_.run_id, settings_.applied_by});
    std::sort(state_.rows.begin(), state_.rows.end(),
              [](const HistoryRow& a, const HistoryRow& b) { return a.version < b.version; });
  } else {
    state_.rows.erase(std::remove_if(state_.rows.begin(), state_.rows.end(),
                                     [&](const HistoryRow& r) { return r.version == m.version; }),
                      state_.rows.end());
  }
  MigrationResult result{m.version, m.name, duration_ms, attempts};
  outcome_.migrations.push_back(result);
  reporter_.migration_finished(tenant_.id, result);
}

std::vector<const Migration*> TenantRun::next_apply_step(const Plan& plan) const {
  std::vector<const Migration*> step;
  for (Version version : plan.pending) {
    const Migration* m = migrations_.find(version);
    const bool no_tx = m->up.directives.tx == TxKind::no_transaction;
    if (no_tx && !step.empty()) break;  // it runs on its own, after this transaction
    step.push_back(m);
    if (no_tx || settings_.tx_mode == TxMode::file) break;
  }
  return step;
}

TenantOutcome TenantRun::plan() {
  return guarded([&] {
    read_state();
    outcome_.from_version = state_.current();
    const Plan plan = plan_apply(migrations_, state_, settings_.target);
    switch (plan.kind) {
      case PlanKind::up_to_date: outcome_.status = TenantStatus::up_to_date; break;
      case PlanKind::pending:
        outcome_.status = TenantStatus::pending;
        outcome_.pending = plan.pending;
        break;
      case PlanKind::drift:
      case PlanKind::missing_file:
      case PlanKind::out_of_order: refuse(TenantStatus::drift, plan.reason); break;
      case PlanKind::dirty:
      case PlanKind::busy: refuse(TenantStatus::dirty, plan.reason); break;
    }
  });
}

TenantOutcome TenantRun::apply() {
  return guarded([&] {
    read_state();
    outcome_.from_version = state_.current();
    while (true) {
      const Plan plan = plan_apply(migrations_, state_, settings_.target);
      if (plan.kind == PlanKind::busy) {
        if (wait_while_busy(plan.reason) == Loop::stop) return;
        continue;
      }
      if (plan.kind == PlanKind::dirty) {
        if (look_again_before_dirty()) continue;
        return refuse(TenantStatus::dirty, plan.reason);
      }
      if (plan.kind != PlanKind::pending && plan.kind != PlanKind::up_to_date) {
        return refuse(TenantStatus::drift, plan.reason);
      }
      if (plan.kind == PlanKind::up_to_date) {
        outcome_.status =
            outcome_.migrations.empty() ? TenantStatus::up_to_date : TenantStatus::applied;
        return;
      }
      if (stop_.load()) return refuse(TenantStatus::cancelled, "stopped before all migrations ran");

      ensure_table();
      const std::vector<const Migration*> step = next_apply_step(plan);
      const StepContext ctx = context();
      const bool no_tx = step.front()->up.directives.tx == TxKind::no_transaction;
      const StepResult r =
          no_tx ? executor_.run_no_transaction(*session_, ctx, *step.front(), Direction::up)
                : executor_.run_transaction(*session_, apply_transaction_script(ctx, step));
      switch (r.end) {
        case StepEnd::done: {
          const auto durations = durations_of(r.rows);
          for (const Migration* m : step) {
            const auto d = durations.find(m->version);
            record(*m, Direction::up, d != durations.end() ? d->second : r.elapsed.count(),
                   r.attempts);
          }
          break;
        }
        case StepEnd::history_changed:
          if (after_history_changed(ctx) == Loop::stop) return;
          break;
        case StepEnd::connection_lost:
          if (recover_lost_connection(step, r, Direction::up) == Loop::stop) return;
          break;
        case StepEnd::failed:
        case StepEnd::cancelled: fail_step(r, Direction::up); return;
      }
    }
  });
}

TenantOutcome TenantRun::rollback_to(Version target, std::optional<Version> expected_top) {
  return guarded([&] {
    read_state();
    outcome_.from_version = state_.current();
    if (expected_top && state_.current() != expected_top) {
      fail("the tenant's history changed since that run: it is at version " +
               v(state_.current().value_or(0)) + ", the run left it at " + v(*expected_top),
           kHistoryChangedSqlstate);
      outcome_.reason = "not rolled back: " + outcome_.error->message;
      return;
    }
    while (true) {
      const RollbackPlan plan = plan_rollback(migrations_, state_, target);
      switch (plan.kind) {
        case RollbackKind::busy:
          if (wait_while_busy(plan.reason) == Loop::stop) return;
          continue;
        case RollbackKind::dirty:
          if (look_again_before_dirty()) continue;
          return refuse(TenantStatus::dirty, plan.reason);
        case RollbackKind::drift: return refuse(TenantStatus::drift, plan.reason);
        case RollbackKind::refused:
          fail(plan.reason);
          outcome_.reason = plan.reason;
          if (plan.version) outcome_.error->version = plan.version;
          return;
        case RollbackKind::up_to_date:
          outcome_.status =
              outcome_.migrations.empty() ? TenantStatus::up_to_date : TenantStatus::applied;
          return;
        case RollbackKind::revert: break;
      }
      if (stop_.load())
        return refuse(TenantStatus::cancelled, "stopped before all .down files ran");

      const Migration& m = *migrations_.find(plan.versions.front());
      const StepContext ctx = context();
      const bool no_tx = m.down->directives.tx == TxKind::no_transaction;
      const StepResult r =
          no_tx ? executor_.run_no_transaction(*session_, ctx, m, Direction::down)
                : executor_.run_transaction(*session_, revert_transaction_script(ctx, m));
      switch (r.end) {
        case StepEnd::done: record(m, Direction::down, r.elapsed.count(), r.attempts); break;
        case StepEnd::history_changed:
          if (after_history_changed(ctx) == Loop::stop) return;
          break;
        case StepEnd::connection_lost:
          if (recover_lost_connection({&m}, r, Direction::down) == Loop::stop) return;
          break;
        case StepEnd::failed:
        case StepEnd::cancelled: fail_step(r, Direction::down); return;
      }
    }
  });
}

}  // namespace pgfleet
