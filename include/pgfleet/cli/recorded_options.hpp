#pragma once
// The flags that shape a run, as a run keeps them for `pgfleet resume`: in run.json
// (docs/SCALING.md) and in the ledger's `runs.options` (docs/LEDGER.md, "Schema"): target,
// migrations directory, tenant query, timeouts, concurrency, failure policy, lease. Never the
// control-plane URL or a --dsn: they may hold a password, and a resume is given its tenant
// source again.
#include <nlohmann/json.hpp>
#include <string>

#include "pgfleet/cli/options.hpp"

namespace pgfleet::cli {

// The run flags of `o` by flag name, e.g. {"concurrency": 16, "tx-mode": "file", ...}; the
// migrations directory and a --tenants file as absolute paths, --shard as the shard it chose.
nlohmann::json recorded_options(const Options& o);
// `given` (a resume's own flags: tenant source, results directory, output) with the recorded run
// flags laid over it. Selection flags are not restored: a resume runs the run's own tenants.
// Throws UsageError when a recorded value has the wrong type.
Options with_recorded_options(Options given, const nlohmann::json& recorded);
// Which source the tenants came from: "control-plane", "tenants" or "dsn".
std::string tenant_source_kind(const Options& o);

}  // namespace pgfleet::cli
