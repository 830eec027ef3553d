#pragma once
// A run in the ledger (docs/LEDGER.md, "Runs"): the first worker registers it with its tenants in
// one transaction; the others join after checking that they run the same command, migration set
// and target.
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/ledger/ledger.hpp"

namespace pgfleet::ledger {

struct LedgerRun {
  std::string run_id;
  std::string command;                // "apply", "plan"
  std::optional<long long> target;    // nullopt: the latest
  std::string migrations_json;        // [{"version","name","checksum"}...]
  std::string selection_json = "{}";  // where the tenants came from, --only, --exclude, --shard
  std::string options_json = "{}";    // the run's flags (no secrets), for `resume`
  int canary = 0;                     // the first N tenants must all succeed first
};

enum class Registration { registered, joined };

// Registers `run` with `tenant_ids` (their order is the queue's) or joins the run registered
// under its id. Throws LedgerMismatch when the registered run has another command, migration
// set or target; LedgerError when a query fails.
Registration register_or_join(Ledger& ledger, const LedgerRun& run,
                              const std::vector<std::string>& tenant_ids);

// The run registered under `run_id`, nullopt if there is none. Throws LedgerError.
std::optional<LedgerRun> find_run(Ledger& ledger, const std::string& run_id);

}  // namespace pgfleet::ledger
