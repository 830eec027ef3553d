#include "pgfleet/engine/speculative_batch.hpp"

#include "pgfleet/engine/planner.hpp"
#include "pgfleet/engine/step_executor.hpp"
#include "pgfleet/sql/quoting.hpp"
#include "pgfleet/util/sha256.hpp"

namespace pgfleet {
namespace {

// What apply's plan depends on in a history without pending rows: versions, states, checksums.
// planned_rows_sql() computes the same text on the server.
std::string planned_rows_text(const std::vector<HistoryRow>& rows) {
  std::vector<HistoryRow> sorted = rows;
  sort_by_version(sorted);
  std::string text;
  for (const HistoryRow& row : sorted) {
    if (!text.empty()) text += ',';
    text += std::to_string(row.version) + ':' +
            (row.state == RowState::applied ? "applied" : "pending") + ':' + row.checksum;
  }
  return text;
}

std::string raise_miss(const std::string& condition, const std::string& why) {
  return "DO $pgfleet$ BEGIN\n  IF " + condition + " THEN\n    RAISE EXCEPTION " +
         sql_literal("pgfleet: speculative batch not run: " + why) + " USING ERRCODE = '" +
         kSpeculationMissSqlstate + "';\n  END IF;\nEND $pgfleet$;\n";
}

// Runs nothing after it unless the tenant would plan exactly what the guess plans: the same
// rows (and so no pending one) and no invalid index.
std::string guess_check_sql(const HistoryTable& history, const std::vector<HistoryRow>& guessed) {
  const std::string digest =
      "(SELECT encode(sha256(convert_to(coalesce(string_agg(version::text || ':' || state || "
      "':' || checksum, ',' ORDER BY version), ''), 'UTF8')), 'hex') FROM " +
      history.qualified_name() + ")";
  const std::string invalid_index =
      "EXISTS (SELECT FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace "
      "n ON n.oid = c.relnamespace WHERE NOT i.indisvalid AND " +
      history.index_schemas_sql() + ")";
  return raise_miss(digest + " IS DISTINCT FROM " +
                        sql_literal(util::sha256_hex(planned_rows_text(guessed))) + " OR " +
                        invalid_index,
                    "the history is not the one guessed");
}

std::vector<HistoryRow> with_applied(std::vector<HistoryRow> rows,
                                     const std::vector<const Migration*>& migrations) {
  for (const Migration* m : migrations)
    rows.push_back(HistoryRow{m->version, m->name, m->checksum, RowState::applied, "", ""});
  sort_by_version(rows);
  return rows;
}

}  // namespace

std::optional<std::vector<HistoryRow>> ApplyGuess::rows() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return rows_;
}

void ApplyGuess::remember(const TenantState& state) {
  const std::lock_guard<std::mutex> lock(mutex_);
  rows_ = state.rows;
}

std::optional<SpeculativeBatch> speculative_batch(
    const MigrationSet& set, const RunSettings& settings, const HistoryTable& history,
    const std::vector<HistoryRow>& guessed, const std::optional<std::string>& startup_backend_pid) {
  const Plan plan = plan_apply(set, guessed, settings.target);
  if (plan.kind != PlanKind::pending) return std::nullopt;
  SpeculativeBatch out;
  for (Version version : plan.pending) out.pending.push_back(set.find(version));
  for (const Migration* m : out.pending) {
    if (m->up.directives.tx != TxKind::no_transaction) {
      out.batch.migrations.push_back(m);
      continue;
    }
    if (startup_backend_pid) {
      out.batch.claim = m;
      out.batch.claim_probe = SessionProbe{random_probe_token(), *startup_backend_pid};
    }
    break;
  }
  if (out.batch.migrations.empty() && out.batch.claim == nullptr) return std::nullopt;
  // The state read commits on its own (a table it created stays, whatever the guess).
  out.script.add_sql(history.create_and_read_state_sql() + ";\nCOMMIT;\n" +
                     guess_check_sql(history, guessed));
  ApplyBatch transactions = out.batch;
  transactions.claim = nullptr;
  if (!transactions.migrations.empty()) {
    out.script.append(apply_batch_script(BatchContext{history, settings, guessed}, transactions));
  }
  if (out.batch.claim != nullptr) {
    ApplyBatch claim;
    claim.claim = out.batch.claim;
    claim.claim_probe = out.batch.claim_probe;
    out.script.add_sql(raise_miss("pg_backend_pid()::text <> " + sql_literal(*startup_backend_pid),
                                  "the backend is not the one connected to (a pooler?)"));
    const BatchContext after{history, settings, with_applied(guessed, out.batch.migrations)};
    out.script.append(apply_batch_script(after, claim));
  }
  return out;
}

SpeculativeReply split_reply(const BatchResult& result) {
  SpeculativeReply reply;
  std::size_t state_at = 0;
  while (state_at < result.statements.size() && result.statements[state_at].column("kind") < 0)
    ++state_at;
  if (state_at == result.statements.size()) return reply;  // read_failed
  reply.state = result.statements[state_at];
  const std::size_t batch_at = state_at + 3;  // after the read: its COMMIT and the check
  if (result.statements.size() < batch_at) {
    reply.kind = SpeculativeReply::Kind::miss;
    return reply;
  }
  reply.kind = SpeculativeReply::Kind::sent;
  reply.batch.statements.assign(result.statements.begin() + static_cast<long>(batch_at),
                                result.statements.end());
  reply.batch.error = result.error;
  if (result.error && result.error->sqlstate() == kSpeculationMissSqlstate) {
    reply.claim_skipped = true;
    reply.batch.error.reset();
  }
  return reply;
}

}  // namespace pgfleet
