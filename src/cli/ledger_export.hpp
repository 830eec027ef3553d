#pragma once
// `pgfleet report RUN_ID --ledger URL`: the whole run's results directory written from the
// ledger (docs/LEDGER.md, "Views") — tenants.jsonl and rollback/ from each tenant's kept line and
// script, then summary.json and junit.xml by the same writers a run uses.
#include <string>
#include <vector>

#include "pgfleet/cli/options.hpp"
#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/ledger/ledger.hpp"
#include "pgfleet/results/run_directory.hpp"

namespace pgfleet::cli {

// Writes <dir>/tenants.jsonl (each tenant of the run once, in the run's order) and
// <dir>/rollback/<tenant>.sql from the ledger; returns the outcomes the lines describe (a line
// that cannot be read back is reported on stderr and left out of them). Throws LedgerError or
// ResultsError.
std::vector<TenantOutcome> export_ledger_run(ledger::Ledger& ledger, const std::string& run_id,
                                             const RunDirectory& dir);

// Writes the whole results directory of `run_id` below --results-dir; returns the exit code.
int report_from_ledger(const Options& o);

}  // namespace pgfleet::cli
