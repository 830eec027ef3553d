#pragma once
// One worker's side of a run's queue in the ledger (docs/LEDGER.md, "Queries"): claims tenants in
// batches under a lease, records each finished tenant, renews its leases, stops the run for every
// worker. The run's failure counts and stop reason come back with those queries and are kept, so
// the failure policy reads them without a query of its own.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/ledger/ledger.hpp"

namespace pgfleet::ledger {

// A claimed tenant: its id and place in the run's order.
struct ClaimedTenant {
  std::string tenant_id;
  long ordinal = 0;
  std::string earlier_line{};  // the result an earlier attempt of the run recorded; "" if none
};

struct Claim {
  std::vector<ClaimedTenant> tenants;  // in the run's order
  bool canary = false;                 // claimed while the canaries run
};

// What a worker with nothing to claim should do.
enum class QueueState {
  finished,  // every tenant is done (or runs here), or the run was stopped
  waiting,   // others hold tenants (canaries, leases that have not run out): look again later
  claimable  // the canaries passed just now, or a lease ran out: claim again
};

// A tenant's result as the ledger keeps it.
struct FinishedTenant {
  std::string tenant_id;
  std::string status;           // tenants.jsonl status, e.g. "applied"
  std::string result_line;      // its tenants.jsonl line
  std::string rollback_script;  // "" when the run did not change it
};

// Whether finish() also counts finished and failed tenants in the run row, for a failure policy
// (--max-failures, --max-failure-rate). Every worker's finish updates that one row, so a run
// without a policy leaves it alone.
enum class FailureCounting { run_wide, off };

class LedgerQueue {
 public:
  LedgerQueue(Ledger& ledger, std::string run_id, std::string worker,
              std::chrono::milliseconds lease, FailureCounting counting);

  // Claims up to `count` queued tenants, or running ones whose lease ran out (FOR UPDATE SKIP
  // LOCKED: workers never wait for each other). One query. Throws LedgerError.
  Claim claim(int count);
  // Nothing to claim: whether the run is over or worth waiting for. Marks the canaries passed
  // (or the run stopped: "canary failed") once the last one is done. Throws LedgerError.
  QueueState look();
  // Records a finished tenant and updates the run's counts (one query); a cancelled tenant goes
  // back to the queue for another worker. Throws LedgerError.
  void finish(const FinishedTenant& tenant);
  // Extends the lease of every tenant this worker runs and reads the run's counts (one query
  // for all of them). Throws LedgerError.
  void renew();
  // Stops the run for every worker (the first reason stays). Throws LedgerError.
  void stop(const std::string& reason);
  // Marks the run finished when no tenant is left to run. Throws LedgerError.
  void close();

  // The run's finished and failed counts as of this worker's last query.
  std::pair<long, long> counts() const;
  // Why the run was stopped, "" while it was not (as of the last query).
  std::string stop_reason() const;
  std::chrono::milliseconds lease() const { return lease_; }

 private:
  void keep_run_state(const QueryResult& result);  // finished, failed, stop_reason
  std::string run_literal() const;

  Ledger& ledger_;
  std::string run_id_;
  std::string worker_;
  std::chrono::milliseconds lease_;
  FailureCounting counting_;
  mutable std::mutex mutex_;  // guards the kept run state
  long finished_ = 0, failed_ = 0;
  std::string stop_reason_;
};

// The statuses that count as ok for the failure policy (README.md, "Failure policy").
const char* ok_statuses_sql();

}  // namespace pgfleet::ledger
