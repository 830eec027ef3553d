#pragma once
// apply's round trips (README "How apply talks to a tenant"). After the state read, each round
// trip is ONE simple query holding, in order:
//   - the finish of the no-transaction migration whose statements ran just before: the probe
//     check (PF004), the RESET of its session settings, its row marked `applied`;
//   - the transactional migrations: a transaction each (--tx-mode file) or one for all
//     (--tx-mode tenant), each with its guard, file text, verify script (read-only, in a
//     savepoint rolled back: docs/PREFLIGHT.md "Verify scripts"), history row and, before its
//     COMMIT, the read of the locks it holds on older tables (docs/PREFLIGHT.md, "Forecast");
//   - the claim of the no-transaction migration that comes next: the probe check (PF003: the
//     backend of the state read), the guard, its `pending` row, the session SETs its statements
//     run with.
// Every part is an explicit BEGIN ... COMMIT. The server commits each and stops at the first
// error, skipping the rest of the string: what came before stays committed, and read_batch()
// tells it from the statements' results.
#include <optional>
#include <utility>
#include <vector>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/engine/migration_script.hpp"
#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/engine/run_settings.hpp"

namespace pgfleet {

// A no-transaction migration whose statements ran; its row is still `pending`.
struct NoTxFinish {
  const Migration* migration = nullptr;
  Millis duration{0};  // wall time of its statements, measured around them
  SessionProbe probe;  // the token its claim set and the backend it ran on
};

// One round trip of apply; any part may be empty, not all of them.
struct ApplyBatch {
  std::optional<NoTxFinish> finish;
  std::vector<const Migration*> migrations;  // transactional, ascending
  const Migration* claim = nullptr;          // no-transaction, after `migrations`
  SessionProbe claim_probe;                  // the token the claim sets; the backend it must run on
};

// What a batch's SQL depends on besides the batch.
struct BatchContext {
  const HistoryTable& history;
  const RunSettings& settings;
  std::vector<HistoryRow> rows;  // the history when the batch starts (a claimed row included)
};

// The query string of `batch`. Each guard expects the history as the parts before it leave it.
MigrationScript apply_batch_script(const BatchContext& ctx, const ApplyBatch& batch);

// A transactional migration a batch committed, with what the server measured.
struct CommittedMigration {
  const Migration* migration = nullptr;
  long duration_ms = 0;           // from BEGIN (or its own settings) to its history row
  std::optional<long> verify_ms;  // its verify script's part of that; nullopt without one
};

// What a batch did, read from its statements' results.
struct BatchProgress {
  bool finished = false;                 // the finish committed (and found its pending row)
  bool finish_row_missing = false;       // the finish found no pending row of this run to mark
  std::optional<long> finish_verify_ms;  // the finished migration's verify time, if it has one
  std::vector<CommittedMigration> committed;
  // The tables each committed transaction held locks on, by its last migration.
  std::vector<std::pair<const Migration*, std::vector<RelationLock>>> locks;
  bool claimed = false;            // the claim committed
  std::optional<DbError> error;    // what stopped the batch
  bool stopped_in_verify = false;  // the error came from a verify script (phase `verify`)
  // The migration whose part the error stopped (the finish's, a transactional one, the
  // claim's); nullptr without an error.
  const Migration* stopped_at = nullptr;
};
BatchProgress read_batch(const ApplyBatch& batch, TxMode mode, const BatchResult& result);

}  // namespace pgfleet
