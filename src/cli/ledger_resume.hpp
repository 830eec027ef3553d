#pragma once
// `pgfleet resume RUN_ID --ledger URL` (docs/LEDGER.md, "Resume"): the run's unfinished tenants
// queued again and run by this worker with the run's stored options.
#include "pgfleet/cli/options.hpp"

namespace pgfleet::cli {

// Exit code as for apply. Throws UsageError (no such run, another migration set) or RunError.
int resume_from_ledger(const Options& o);

}  // namespace pgfleet::cli
