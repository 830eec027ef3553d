#include "speculative_apply.hpp"

#include <algorithm>

#include "apply_run.hpp"

namespace pgfleet {
namespace {

using Loop = TenantCommand::Loop;

Loop read_without_guess(TenantCommand& cmd, ApplyGuess& guess) {
  cmd.read_starting_state(TenantCommand::StateRead::create_table_if_missing);
  guess.remember(cmd.state());
  return Loop::go_on;
}

// The connection broke during the speculative query: after waiting for the run's orphaned
// backend, the rows of this run in the history are what the query committed (it was the
// tenant's first of this run); they are reported, the rest is planned again.
Loop after_lost_query(TenantCommand& cmd, const RunSettings& settings, const SpeculativeBatch& spec,
                      const std::string& why) {
  StepResult r;
  r.end = StepEnd::connection_lost;
  r.attempts = 1;
  r.error = ErrorInfo::message_only(std::nullopt, why);
  if (cmd.recover_lost_connection({}, r, Direction::up) == Loop::stop) return Loop::stop;
  std::vector<const Migration*> sent = spec.batch.migrations;
  if (spec.batch.claim) sent.push_back(spec.batch.claim);
  std::vector<const Migration*> committed;
  TenantState before = cmd.state();
  for (const Migration* m : sent) {
    const HistoryRow* row = cmd.state().find(m->version);
    if (row == nullptr || row->run_id != settings.run_id) break;
    committed.push_back(m);
    before.rows.erase(std::remove_if(before.rows.begin(), before.rows.end(),
                                     [&](const HistoryRow& r) { return r.version == m->version; }),
                      before.rows.end());
  }
  cmd.outcome().from_version = before.current();
  if (committed.empty()) return Loop::go_on;
  return cmd.recover_lost_connection(committed, r, Direction::up);
}

}  // namespace

Loop start_apply(TenantCommand& cmd, const MigrationSet& set, const RunSettings& settings,
                 ApplyGuess& guess) {
  std::optional<SpeculativeBatch> spec;
  const std::optional<std::vector<HistoryRow>> guessed = guess.rows();
  if (guessed && !cmd.stop_requested()) {
    spec = speculative_batch(set, settings, cmd.history(), *guessed,
                             cmd.session().startup_backend_pid());
  }
  if (!spec) return read_without_guess(cmd, guess);
  BatchResult result;
  try {
    result = cmd.session().exec_batch(spec->script.sql());
  } catch (const ConnectionLost& e) {
    return after_lost_query(cmd, settings, *spec, e.what());
  }
  if (result.error) {
    result.error = with_statement_position(*result.error, spec->script, result.statements.size());
  }
  const SpeculativeReply reply = split_reply(result);
  // E.g. a concurrent create of the table, or a syntax error that refused the whole string.
  if (reply.kind == SpeculativeReply::Kind::read_failed) return read_without_guess(cmd, guess);
  cmd.state() = HistoryTable::parse_state(*reply.state);
  cmd.outcome().from_version = cmd.state().current();
  guess.remember(cmd.state());
  if (reply.kind == SpeculativeReply::Kind::miss) return Loop::go_on;
  ApplyBatch batch = spec->batch;
  if (reply.claim_skipped) batch.claim = nullptr;
  ApplyRun run(cmd, settings, spec->pending);
  if (run.settle_sent(batch, spec->script, reply.batch) == Loop::stop) return Loop::stop;
  return run.run();
}

}  // namespace pgfleet
