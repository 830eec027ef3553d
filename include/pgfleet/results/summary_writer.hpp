#pragma once
// summary.json (README.md, "Results"): the run as a whole, written atomically when the run
// finishes. Keeps only counts and one duration per tenant, so memory stays small on big fleets.
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/migrations/migration_set.hpp"
#include "pgfleet/results/first_write_error.hpp"

namespace pgfleet {

// The migrations a summary lists: version, name, checksum (copied, not referenced).
struct MigrationSummary {
  Version version = 0;
  std::string name;
  std::string checksum;
};

class SummaryWriter : public Reporter {
 public:
  // Will write `path` (e.g. RunDirectory::file("summary.json")) at run_finished.
  SummaryWriter(std::string path, const MigrationSet& migrations);
  // The same with the migrations listed as a run recorded them (a report from the ledger).
  SummaryWriter(std::string path, std::vector<MigrationSummary> migrations);

  // The `neon` object (project, branch id/name, deleted) when a preflight branch was used.
  void set_neon(nlohmann::json neon);

  // Also writes summary.json at once, finished_at and exit_code null, so that a run that dies
  // leaves one (with its `neon` object: set_neon before run_started).
  void run_started(const RunInfo& info) override;
  void tenant_finished(const TenantOutcome& outcome) override;
  // Writes summary.json atomically. Never throws: a failure is kept for write_error().
  void run_finished(const RunSummary& summary) override;

  // The document run_finished writes (also for tests).
  nlohmann::json to_json(const RunSummary& summary) const;
  // The failure to write summary.json, if any.
  std::optional<std::string> write_error() const;

 private:
  nlohmann::json document(const RunSummary* summary) const;  // nullptr: not finished yet
  void write(const nlohmann::json& doc);                     // atomically; failures kept

  mutable std::mutex mutex_;
  std::string path_;
  std::vector<MigrationSummary> migrations_;
  RunInfo info_;
  std::optional<nlohmann::json> neon_;
  std::map<TenantStatus, long> counts_;
  std::vector<long> durations_ms_;
  FirstWriteError write_error_;
};

}  // namespace pgfleet
