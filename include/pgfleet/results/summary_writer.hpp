#pragma once
// The run's summary files (README.md, "Results"; docs/PREFLIGHT.md): summary.json, and at the
// end report.html and summary.md, each written atomically, summary.md also appended to the CI
// step summary. Keeps what they show of the finished tenants (RunRecord, run_tally.hpp), not
// the tenants' outcomes: memory grows by a few bytes per tenant.
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/migrations/migration_set.hpp"
#include "pgfleet/results/first_write_error.hpp"
#include "pgfleet/results/forecast_table.hpp"
#include "pgfleet/results/run_record.hpp"

namespace pgfleet {

// Where the summary goes; an empty path is not written.
struct SummaryFiles {
  std::string json_path;          // summary.json
  std::string html_path;          // report.html
  std::string markdown_path;      // summary.md
  std::string step_summary_path;  // $GITHUB_STEP_SUMMARY: summary.md is appended to it
};

// The migrations of a set as a summary lists them.
std::vector<MigrationSummary> migration_summaries(const MigrationSet& migrations);

class SummaryWriter : public Reporter {
 public:
  // Will write summary.json only, at `path` (e.g. RunDirectory::file("summary.json")).
  SummaryWriter(std::string path, const MigrationSet& migrations);
  SummaryWriter(SummaryFiles files, std::vector<MigrationSummary> migrations);

  // The `neon` object (project, branch id/name, deleted) when a preflight branch was used.
  void set_neon(nlohmann::json neon);
  // The gates (docs/PREFLIGHT.md, "Gates") each tenant is checked against as it finishes: set
  // before the first tenant (also before carry_over).
  void set_gate_limits(const GateLimits& limits);
  // The trips so far, tenant by tenant as they finished.
  std::vector<GateTrip> gate_trips() const;
  // The forecast and the gate trips so far (the console's closing table).
  RunMeasures measures() const;

  // Also writes summary.json at once, finished_at and exit_code null, so that a run that dies
  // leaves one (with its `neon` object: set_neon before run_started).
  void run_started(const RunInfo& info) override;
  void tenant_finished(const TenantOutcome& outcome) override;
  // An outcome of an earlier invocation of the same run (pgfleet resume): counted like a
  // finished tenant, and in tenant_count on top of the tenants this invocation runs.
  void carry_over(const TenantOutcome& outcome);
  // Writes every file. Never throws: a failure is kept for write_error().
  void run_finished(const RunSummary& summary) override;
  // Writes every file of a run that ended with `summary`, or (nullopt) did not end: its
  // finished_at and exit_code are null. Never throws.
  void write_files(const std::optional<RunSummary>& summary);

  // The summary.json document run_finished writes (also for tests).
  nlohmann::json to_json(const RunSummary& summary) const;
  // The first failure to write a file, if any.
  std::optional<std::string> write_error() const;

 private:
  void append_step_summary(const std::string& markdown);

  mutable std::mutex mutex_;
  SummaryFiles files_;
  RunRecord record_;
  std::size_t carried_over_ = 0;
  FirstWriteError write_error_;
};

}  // namespace pgfleet
