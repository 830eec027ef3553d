#pragma once
// `pgfleet report RUN_ID` (docs/PREFLIGHT.md, "The report"): a run's summary.json, junit.xml,
// summary.md and report.html made again from its tenants.jsonl, with the run's header (command,
// times, exit code, Neon branch, gate limits) taken from the summary.json it had.
#include <string>
#include <vector>

#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/results/run_record.hpp"

namespace pgfleet {

// A run read back from its directory.
struct ReadBackRun {
  RunRecord record;                   // gate trips recomputed from the tenants
  std::vector<std::string> warnings;  // damaged tenants.jsonl lines, an unreadable summary.json
};

// Reads <dir>/tenants.jsonl (damaged lines are warned about and skipped) and what
// <dir>/summary.json says of the run; a missing or damaged summary.json leaves a header made from
// the tenants (command "apply" assumed, exit code from their statuses). Throws ResultsError when
// tenants.jsonl cannot be read.
ReadBackRun read_back_run(const RunDirectory& dir);

// Writes summary.json, junit.xml, summary.md and report.html of `run` into `dir` (each atomically).
// Returns one message per file that could not be written. Never throws.
std::vector<std::string> rewrite_run_files(const RunDirectory& dir, const ReadBackRun& run);

}  // namespace pgfleet
