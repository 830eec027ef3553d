// pgfleet report RUN_ID: rebuilds a run's summary.json, junit.xml, summary.md and report.html from
// its tenants.jsonl (docs/PREFLIGHT.md, "The report"); with --ledger, the whole shared run's
// directory from the ledger (docs/LEDGER.md, "Views").
#include <iostream>

#include "ledger_export.hpp"
#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/results/run_rebuild.hpp"

namespace pgfleet::cli {
namespace {

RunDirectory open_run(const Options& o) {
  try {
    return RunDirectory::open(o.results_dir, o.run_id);
  } catch (const std::exception& e) {
    throw UsageError(std::string("report: ") + e.what());
  }
}

}  // namespace

int cmd_report(const Options& o) {
  if (!o.ledger.empty()) return report_from_ledger(o);  // the whole shared run
  const RunDirectory dir = open_run(o);
  ReadBackRun run;
  try {
    run = read_back_run(dir);
  } catch (const ResultsError& e) {
    throw UsageError(std::string("report: ") + e.what());
  }
  for (const auto& warning : run.warnings) {
    std::cerr << "pgfleet: warning: " << printable_line(warning) << "\n";
  }
  const std::vector<std::string> errors = rewrite_run_files(dir, run);
  for (const auto& error : errors) std::cerr << "pgfleet: results: " << error << "\n";
  if (!errors.empty()) return exit_run_error;
  if (!o.quiet) std::cout << dir.file("report.html") << "\n";
  return exit_ok;
}

}  // namespace pgfleet::cli
