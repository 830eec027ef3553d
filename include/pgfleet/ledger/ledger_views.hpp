#pragma once
// What the ledger tells about a run once it is registered (docs/LEDGER.md, "Views"): its
// progress across workers for `status --run`, each tenant's result for `report` and `rollback
// --run`, and the requeue that `resume` starts with.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/ledger/ledger.hpp"

namespace pgfleet::ledger {

struct WorkerProgress {
  std::string worker;
  long running = 0;
  long done = 0;
  long lease_expired = 0;  // running tenants whose lease ran out: that worker is gone
};

struct RunProgress {
  std::string run_id;
  std::string command;
  std::optional<std::string> target;
  std::string started_at;                  // RFC 3339 UTC
  std::optional<std::string> finished_at;  // nullopt while tenants are left
  std::optional<std::string> stop_reason;
  long tenant_count = 0;
  std::map<std::string, long> per_status;  // queued, running, or the result status when done
  std::vector<WorkerProgress> workers;
  long done = 0;
  long done_last_minute = 0;
  double elapsed_seconds = 0;  // since the run started (until it finished)
};

// The run's progress; nullopt when the ledger has no such run. Throws LedgerError.
std::optional<RunProgress> run_progress(Ledger& ledger, const std::string& run_id);

// One tenant's result as the ledger keeps it, in the run's order.
struct LedgerTenantResult {
  std::string tenant_id;
  std::string result_line;      // its tenants.jsonl line
  std::string rollback_script;  // "" when none
};

// Every tenant of the run that has a result line. Throws LedgerError.
std::vector<LedgerTenantResult> tenant_results(Ledger& ledger, const std::string& run_id);

// Whether `resume` also runs the tenants that failed.
enum class RetryFailed { no, yes };

// Puts back in the queue what did not finish: skipped or cancelled tenants, running ones whose
// lease ran out and, with RetryFailed::yes, failed and unreachable ones; lifts the run's stop and
// restarts its failure counts (the policy judges what the resume runs). Returns how many
// tenants are queued now. Throws LedgerError.
long requeue_unfinished(Ledger& ledger, const std::string& run_id, RetryFailed retry);

}  // namespace pgfleet::ledger
