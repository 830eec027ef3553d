#include "pgfleet/ledger/ledger_run.hpp"

#include <nlohmann/json.hpp>

namespace pgfleet::ledger {
namespace {

std::string target_sql(const std::optional<long long>& target) {
  return target ? std::to_string(*target) : "NULL";
}

std::string target_text(const std::optional<std::string>& target) {
  return target ? "version " + *target : "the latest version";
}

// Inserts the run row; true when this worker made it (a run being registered by another worker
// makes this wait until that transaction ends).
bool insert_run(Ledger& ledger, const LedgerRun& run, std::size_t tenant_count) {
  const QueryResult inserted = ledger.query(
      "INSERT INTO pgfleet_ledger.runs (run_id, command, target, migrations, selection, options, "
      "canary, canary_passed, tenant_count) VALUES (" +
      ledger.quote(run.run_id) + ", " + ledger.quote(run.command) + ", " + target_sql(run.target) +
      ", " + ledger.quote(run.migrations_json) + "::jsonb, " + ledger.quote(run.selection_json) +
      "::jsonb, " + ledger.quote(run.options_json) + "::jsonb, " + std::to_string(run.canary) +
      (run.canary > 0 ? ", false, " : ", true, ") + std::to_string(tenant_count) +
      ") ON CONFLICT (run_id) DO NOTHING RETURNING run_id");
  return !inserted.rows.empty();
}

void insert_tenants(Ledger& ledger, const std::string& run_id,
                    const std::vector<std::string>& tenant_ids) {
  const std::string ids =
      nlohmann::json(tenant_ids).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ledger.query(
      "INSERT INTO pgfleet_ledger.tenants (run_id, tenant_id, ordinal) SELECT " +
          ledger.quote(run_id) +
          ", id, (n - 1)::integer FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY "
          "AS t(id, n) ON CONFLICT DO NOTHING",
      ids);
}

// Refuses a worker that would run something else under the same run id.
void check_same_run(Ledger& ledger, const LedgerRun& run) {
  const QueryResult found = ledger.query(
      "SELECT command, target::text, migrations = " + ledger.quote(run.migrations_json) +
      "::jsonb FROM pgfleet_ledger.runs WHERE run_id = " + ledger.quote(run.run_id));
  if (found.rows.empty()) throw LedgerError("run " + run.run_id + " vanished from the ledger");
  const auto& row = found.rows[0];
  const std::string prefix = "run " + run.run_id + " in the ledger ";
  if (row[0].value_or("") != run.command) {
    throw LedgerMismatch(prefix + "is a `" + row[0].value_or("") + "` run, not `" + run.command +
                         "`; nothing was touched");
  }
  if (row[2].value_or("f") != "t") {
    throw LedgerMismatch(prefix +
                         "was registered with another migration set (versions or checksums "
                         "differ); nothing was touched");
  }
  const std::optional<std::string> mine =
      run.target ? std::optional<std::string>(std::to_string(*run.target)) : std::nullopt;
  if (row[1] != mine) {
    throw LedgerMismatch(prefix + "goes up to " + target_text(row[1]) + ", this worker to " +
                         target_text(mine) + "; nothing was touched");
  }
}

}  // namespace

Registration register_or_join(Ledger& ledger, const LedgerRun& run,
                              const std::vector<std::string>& tenant_ids) {
  ledger.query("BEGIN");
  try {
    const bool mine = insert_run(ledger, run, tenant_ids.size());
    if (mine) insert_tenants(ledger, run.run_id, tenant_ids);
    ledger.query("COMMIT");
    if (mine) return Registration::registered;
  } catch (...) {
    try {
      ledger.query("ROLLBACK");
    } catch (...) {  // the connection is gone: the server rolls back
    }
    throw;
  }
  check_same_run(ledger, run);
  return Registration::joined;
}

std::optional<LedgerRun> find_run(Ledger& ledger, const std::string& run_id) {
  const QueryResult found = ledger.query(
      "SELECT command, target::text, migrations::text, selection::text, options::text, canary "
      "FROM pgfleet_ledger.runs WHERE run_id = " +
      ledger.quote(run_id));
  if (found.rows.empty()) return std::nullopt;
  const auto& row = found.rows[0];
  LedgerRun run;
  run.run_id = run_id;
  run.command = row[0].value_or("");
  if (row[1]) run.target = std::stoll(*row[1]);
  run.migrations_json = row[2].value_or("[]");
  run.selection_json = row[3].value_or("{}");
  run.options_json = row[4].value_or("{}");
  run.canary = std::stoi(row[5].value_or("0"));
  return run;
}

}  // namespace pgfleet::ledger
