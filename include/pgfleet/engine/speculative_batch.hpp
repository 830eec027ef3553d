#pragma once
// apply's speculative first batch (README "How apply talks to a tenant"): the state read and,
// in the same query, the first batch built for the history the tenant most likely has, the one
// the run's previous tenant started from (most fleets are uniform). A check between the two
// compares the tenant's history with the guess and raises kSpeculationMissSqlstate when it
// differs: a wrong guess runs nothing and costs no round trip (the state read's rows came back
// before the check, and apply goes on as without a guess). The batch's own guards are the usual
// ones, so every transaction is still protected by the lock and the history fingerprint.
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/apply_batch.hpp"
#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/engine/migration_script.hpp"
#include "pgfleet/engine/run_settings.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

// Raised by the checks of a speculative batch: the guess was wrong (or, before a claim, a
// pooler answers for the backend). Never a failure: the batch's part after it just did not run.
inline constexpr const char* kSpeculationMissSqlstate = "PF005";

// The starting history of the run's tenants: the last one read. Shared by the run's workers.
class ApplyGuess {
 public:
  // nullopt until a tenant's state was read.
  std::optional<std::vector<HistoryRow>> rows() const;
  void remember(const TenantState& state);

 private:
  mutable std::mutex mutex_;
  std::optional<std::vector<HistoryRow>> rows_;
};

struct SpeculativeBatch {
  std::vector<const Migration*> pending;  // what the guessed history plans to apply
  // Its first batch: the transactional migrations up to the first no-transaction one, and that
  // one's claim when the session reported its backend at connect (the claim runs only if
  // pg_backend_pid() is that backend: no pooler in between).
  ApplyBatch batch;
  MigrationScript script;  // the state read (creating the table), the check, the batch
};

// The speculative query for a tenant guessed to have `guessed`; nullopt when the guess plans
// nothing to apply (or no batch could start it: a no-transaction migration first and no
// `startup_backend_pid`). apply only: plan and the other commands never send one.
std::optional<SpeculativeBatch> speculative_batch(
    const MigrationSet& set, const RunSettings& settings, const HistoryTable& history,
    const std::vector<HistoryRow>& guessed, const std::optional<std::string>& startup_backend_pid);

// The reply to a speculative query, split into its parts.
struct SpeculativeReply {
  // read_failed: the state read did not complete (read it again as without a guess); miss: the
  // state was read, the guess was wrong, nothing else ran; sent: the batch ran (see `batch`).
  enum class Kind { read_failed, miss, sent };
  Kind kind = Kind::read_failed;
  std::optional<QueryResult> state;  // the state read's rows (miss, sent)
  BatchResult batch;                 // sent: the batch's statements and the error that stopped it
  bool claim_skipped = false;        // sent: the check before the claim stopped it, nothing else
};
SpeculativeReply split_reply(const BatchResult& result);

}  // namespace pgfleet
