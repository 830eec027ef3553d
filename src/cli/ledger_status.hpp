#pragma once
// `pgfleet status --run ID --ledger URL [--watch]`: a run's progress across its workers, read
// from the ledger (docs/LEDGER.md, "Views").
#include <ostream>

#include "pgfleet/cli/options.hpp"
#include "pgfleet/ledger/ledger_views.hpp"

namespace pgfleet::cli {

// Prints the run's progress (text, or JSON with --log-format json); with --watch again every
// few seconds until the run is finished or stopped. Returns the exit code.
int ledger_status(const Options& o);

// The text view of one look at a run.
void print_progress(const ledger::RunProgress& progress, std::ostream& out);

}  // namespace pgfleet::cli
