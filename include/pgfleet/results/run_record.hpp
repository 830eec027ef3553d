#pragma once
// Everything a run's summary files are made of (summary.json, report.html, summary.md): kept by
// SummaryWriter while the run goes, or read back from a results directory by `pgfleet report`.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/results/gates.hpp"

namespace pgfleet {

// The migrations a summary lists: version, name, checksum (copied, not referenced).
struct MigrationSummary {
  Version version = 0;
  std::string name;
  std::string checksum;
  std::string verify_checksum{};  // "" without a .verify file (then not written)
};

struct RunRecord {
  RunInfo info;
  std::optional<RunSummary> finished;  // nullopt while the run goes (or if it died)
  std::vector<MigrationSummary> migrations;
  std::optional<nlohmann::json> neon;  // project, branch id/name, deleted: a preflight
  std::vector<TenantOutcome> tenants;  // in the order they finished
  GateLimits gate_limits;
  std::vector<GateTrip> gates;  // the trips of gate_limits, once checked
};

// Tenants per status.
std::map<TenantStatus, long> status_counts(const RunRecord& record);
// The slowest tenants (whole tenant run), slowest first, at most `count`.
std::vector<const TenantOutcome*> slowest_tenants(const RunRecord& record, std::size_t count);

// Tenants that are not ok, grouped by what went wrong: same status, SQLSTATE and message.
struct FailureGroup {
  TenantStatus status = TenantStatus::failed;
  std::string sqlstate;
  std::string message;  // the error's message, or the reason when there is no error
  std::vector<std::string> tenant_ids;
};
// Biggest groups first.
std::vector<FailureGroup> failure_groups(const RunRecord& record);

// Tenants per version after the run (to_version, else from_version; 0 = none), only tenants
// that were reached.
std::map<Version, long> version_census(const RunRecord& record);

}  // namespace pgfleet
