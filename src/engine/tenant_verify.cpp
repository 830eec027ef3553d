// TenantRunner::verify (`pgfleet verify`, docs/PREFLIGHT.md "Verify scripts"): the verify
// scripts of a tenant's applied versions, in one read-only transaction that is rolled back.
// Two round trips: the first opens the transaction and reads the history in it, the second runs
// every verify script and rolls back.
#include "pgfleet/engine/step_executor.hpp"
#include "pgfleet/engine/tenant_runner.hpp"
#include "script_parts.hpp"
#include "tenant_command.hpp"

namespace pgfleet {
namespace {

// Opens the read-only transaction with the run's timeouts and reads the history in it. The
// snapshot the read takes pins the transaction read-only: a `SET TRANSACTION READ WRITE` in a
// verify script fails from then on.
std::string open_sql(const RunSettings& settings, const HistoryTable& history) {
  return "BEGIN READ ONLY;\nSET LOCAL lock_timeout = " + ms_literal(settings.lock_timeout) +
         ";\nSET LOCAL statement_timeout = " +
         ms_literal(settings.statement_timeout.value_or(Millis(0))) + ";\n" +
         history.read_state_sql();
}

// The applied versions that have a verify script, ascending (the history's order).
std::vector<const Migration*> to_verify(const MigrationSet& migrations, const TenantState& state) {
  std::vector<const Migration*> out;
  for (const HistoryRow& row : state.rows) {
    if (row.state != RowState::applied) continue;
    const Migration* m = migrations.find(row.version);
    if (m != nullptr && m->verify) out.push_back(m);
  }
  return out;
}

// The column of the marker row each verify file starts with.
constexpr const char* kStepColumn = "pgfleet_verify_step";

// Every verify file after its settings and a marker row naming its version (the last marker
// before an error names the version an error without a position comes from, e.g. a RAISE in a
// DO block), then the ROLLBACK.
MigrationScript verify_script(const std::vector<const Migration*>& versions,
                              const RunSettings& settings, const HistoryTable& history) {
  MigrationScript script;
  for (const Migration* m : versions) {
    // The timeouts and search_path one verify file runs with, as in apply (README "Safety").
    script.add_sql(settings_sql(StepContext{history, settings, ""}, m->verify->directives,
                                SetScope::transaction));
    script.add_sql("SELECT " + std::to_string(m->version) + " AS " + kStepColumn + ";\n");
    script.add_file(m->version, m->verify->sql, FileRole::verify);
  }
  script.add_sql("ROLLBACK;\n");
  return script;
}

// The version of the last marker row before the error: the verify file that failed.
std::optional<Version> last_step(const BatchResult& result) {
  for (auto it = result.statements.rbegin(); it != result.statements.rend(); ++it) {
    const int column = it->column(kStepColumn);
    if (column >= 0 && !it->rows.empty() && it->rows.front()[column]) {
      return std::stoll(*it->rows.front()[column]);
    }
  }
  return std::nullopt;
}

// Ends a transaction that an error left open (aborted); a server error here changes nothing.
void rollback_quietly(Session& session) {
  try {
    session.exec("ROLLBACK");
  } catch (const DbError&) {
    // Nothing was written: the transaction is read-only, and the connection closes with it.
  }
}

// Reads the history inside the read-only transaction; false (transaction ended) when the
// tenant has no history table: nothing is applied, nothing to verify.
bool open_and_read_history(TenantCommand& cmd, const RunSettings& settings) {
  try {
    cmd.state() = HistoryTable::parse_state(cmd.session().exec(open_sql(settings, cmd.history())));
  } catch (const DbError& e) {
    rollback_quietly(cmd.session());
    if (!HistoryTable::is_missing_table_error(e.sqlstate())) throw;
    cmd.state() = TenantState{};
    return false;
  }
  cmd.outcome().from_version = cmd.state().current();
  return true;
}

std::string version_list_text(const std::vector<const Migration*>& versions) {
  std::string text;
  for (const Migration* m : versions)
    text += (text.empty() ? "" : ", ") + std::to_string(m->version);
  return text;
}

}  // namespace

TenantOutcome TenantRunner::verify(const Tenant& tenant, const Connector& connect) {
  TenantCommand cmd(migrations_, settings_, reporter_, stop_, tenant, connect);
  return cmd.run([&] {
    TenantOutcome& outcome = cmd.outcome();
    outcome.status = TenantStatus::verified;
    if (!open_and_read_history(cmd, settings_)) {
      outcome.reason = "nothing to verify: no history table";
      return;
    }
    const std::vector<const Migration*> versions = to_verify(migrations_, cmd.state());
    if (versions.empty()) {
      rollback_quietly(cmd.session());
      outcome.reason = "nothing to verify: no applied version has a verify script";
      return;
    }
    const MigrationScript script = verify_script(versions, settings_, cmd.history());
    const BatchResult result = cmd.session().exec_batch(script.sql());
    if (result.error) {
      const DbError e = with_statement_position(*result.error, script, result.statements.size());
      rollback_quietly(cmd.session());
      outcome.status = e.sqlstate() == "57014" && cmd.stop_requested() ? TenantStatus::cancelled
                                                                       : TenantStatus::failed;
      outcome.error =
          StepExecutor::error_info(e, &script, last_step(result)).with_phase(ErrorPhase::verify);
      return;
    }
    outcome.reason = "verified version(s) " + version_list_text(versions);
  });
}

}  // namespace pgfleet
