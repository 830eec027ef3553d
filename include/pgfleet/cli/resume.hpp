#pragma once
// pgfleet resume RUN_ID (docs/SCALING.md, "Resume without a ledger"): runs the tenants of a run
// that did not finish, with the run's own options, and appends their results to the same run.
// Where the run is read from is a ResumeSource: the local results directory here; a shared
// ledger can be another source feeding the same resume_run.
#include <map>
#include <string>
#include <vector>

#include "pgfleet/cli/fleet_command.hpp"
#include "pgfleet/cli/options.hpp"
#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/results/run_manifest.hpp"

namespace pgfleet::cli {

// --retry-failed: also run again the tenants that failed or were unreachable.
enum class RetryFailed { no, yes };

// What a resume knows about the run it continues.
struct ResumeSource {
  RunManifest record;                                  // run.json
  std::map<std::string, TenantOutcome> last_outcomes;  // by tenant id: its last result line
  std::vector<std::string> warnings;                   // e.g. damaged lines, printed first
};

// The run `run_id` from <results_dir>/<run_id>/ (run.json and tenants.jsonl). Touches nothing.
// Throws UsageError when the directory or its run.json is missing or unreadable.
ResumeSource resume_source_from_directory(const std::string& results_dir,
                                          const std::string& run_id);

// Whether a tenant whose last result is `status` runs again: cancelled and skipped (a signal or
// a stop kept it from finishing) always, failed and unreachable with --retry-failed.
bool runs_again(TenantStatus status, RetryFailed retry);

// Which tenants of the run run again (in the run's order: those with no result line too) and
// what stands. Pure.
struct ResumePlan {
  std::vector<std::string> rerun_ids;
  std::vector<TenantOutcome> standing;
  std::map<std::string, TenantOutcome> earlier;  // of the rerun tenants that have a line
};
ResumePlan plan_resume(const ResumeSource& source, RetryFailed retry);

// Resumes the run `source` describes with the flags `o` gives (tenant source, results directory,
// output, --retry-failed, --yes): checks the run can be resumed (an apply run, not a Neon
// preflight, the same migration set: else UsageError) and runs its unfinished tenants. Returns
// the exit code.
int resume_run(const Options& o, const ResumeSource& source);

}  // namespace pgfleet::cli
