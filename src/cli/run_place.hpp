#pragma once
// Where a fleet run writes, decided before any tenant runs: a new run (a new id and directory,
// and run.json for `pgfleet resume`) or a continued one (the same id and directory, tenants.jsonl
// compacted, the resume added to run.json). Either way the directory is locked while it runs.
#include <chrono>
#include <string>
#include <vector>

#include "pgfleet/cli/fleet_command.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/results/run_lock.hpp"
#include "pgfleet/results/run_outputs.hpp"

namespace pgfleet::cli {

// The run's id and start: a continued run's own, else --run-id (a worker of a shared run) or a
// new one.
struct RunIdentity {
  std::string run_id;
  std::chrono::system_clock::time_point started_at;
};
RunIdentity run_identity(const Options& o, const FleetJob& job);

// Whether other workers share the run (through the ledger) and may write the same directory.
enum class RunShared { no, yes };

struct RunPlace {
  std::string run_id;
  std::chrono::system_clock::time_point started_at;
  RunDirectory dir;
  RunLock lock;
};

// Creates (new run) or opens and locks (continued run) the run directory. A shared run whose
// directory exists already (a resume on the same machine, two workers sharing a results
// directory) writes `<run_id>.2`, `.3`, ... Throws RunError.
RunPlace place_run(const Options& o, const FleetJob& job, const RunIdentity& identity,
                   RunShared shared);

// Before any tenant runs: writes run.json for a new run; for a continued one compacts
// tenants.jsonl, adds the resume to run.json and carries the earlier outcomes into `outputs`.
// Throws RunError.
void record_run(const Options& o, const RunPlace& place, const FleetJob& job,
                const MigrationSet& migrations, const std::vector<Tenant>& tenants,
                RunOutputs& outputs);

// A continued run's exit code counts its standing tenants too: 1 when one of them is not ok.
int with_standing_tenants(const FleetJob& job, int exit_code);

}  // namespace pgfleet::cli
