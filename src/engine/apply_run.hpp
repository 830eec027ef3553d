#pragma once
// Carries out the pending migrations of one apply plan in batches (apply_batch.hpp): one round
// trip per batch, a no-transaction migration's statements between two batches. A lock timeout
// or deadlock is retried from the migration it stopped, never from the start: the ones before
// it are committed and recorded.
#include <cstddef>
#include <optional>
#include <vector>

#include "pgfleet/engine/apply_batch.hpp"
#include "tenant_command.hpp"

namespace pgfleet {

class ApplyRun {
 public:
  ApplyRun(TenantCommand& cmd, const RunSettings& settings, std::vector<const Migration*> pending);

  // Runs every pending migration; go_on when the caller should plan again (all done, or the
  // history changed under it), stop when the tenant's outcome is final.
  TenantCommand::Loop run();
  // What `batch`, sent by the caller as part of `script` (the speculative first batch,
  // speculative_apply.hpp), did: records it and settles its error as send() does.
  TenantCommand::Loop settle_sent(const ApplyBatch& batch, const MigrationScript& script,
                                  const BatchResult& result);

 private:
  using Loop = TenantCommand::Loop;

  // The next round trip: the finish owed, the transactional migrations up to the next
  // no-transaction one, and that one's claim.
  ApplyBatch next_batch() const;
  // Sends `batch`, records what committed, and settles an error: go_on to send the next batch
  // (or the same part again), stop when the tenant is finished.
  Loop send(const ApplyBatch& batch);
  // Records the parts of `batch` that committed.
  void record(const ApplyBatch& batch, const BatchProgress& progress);
  // What an error that stopped `batch` means: retry, re-plan or the tenant's end.
  Loop after_error(const ApplyBatch& batch, const BatchProgress& progress,
                   const MigrationScript& script);
  // The claimed no-transaction migration's statements, one query each.
  Loop run_claimed(const Migration& m, const SessionProbe& probe);
  // The connection broke during `batch`: what committed is read from the history.
  Loop after_lost_connection(const ApplyBatch& batch, const std::string& why);

  TenantCommand& cmd_;
  const RunSettings& settings_;
  std::vector<const Migration*> pending_;
  std::size_t next_ = 0;              // pending_[next_] is the first not applied yet
  std::optional<NoTxFinish> finish_;  // owed by a no-transaction migration whose statements ran
  bool replan_ = false;               // the history changed: plan again
  // Set when the server refused a whole batch for a syntax error in a later file: the next
  // batch stops before that version, so what comes before it applies as it would one by one.
  std::optional<Version> send_before_;
  int retries_ = 0;     // retries after 55P03/40P01 since the last progress
  int lock_polls_ = 0;  // PF001 polls since the last progress
  std::optional<std::chrono::steady_clock::time_point> lock_deadline_;
};

}  // namespace pgfleet
