// pgfleet report RUN_ID: a run's whole results directory written again (docs/LEDGER.md, "Views").
#include "ledger_export.hpp"
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/usage_error.hpp"

namespace pgfleet::cli {

int cmd_report(const Options& o) {
  if (o.ledger.empty()) {
    throw UsageError(
        "report: give --ledger URL (a report from the local results directory is not part of "
        "this build)");
  }
  return report_from_ledger(o);
}

}  // namespace pgfleet::cli
