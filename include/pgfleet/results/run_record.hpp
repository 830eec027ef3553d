#pragma once
// Everything a run's summary files are made of (summary.json, report.html, summary.md): kept by
// SummaryWriter while the run goes, or read back from a results directory by `pgfleet report`.
// It holds what the files show of the tenants (run_tally.hpp), not the tenants' outcomes.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/results/gates.hpp"
#include "pgfleet/results/run_tally.hpp"

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
  RunTally tally;                      // the finished tenants, as the files need them
  GateLimits gate_limits;
  std::vector<GateTrip> gates;  // the trips of gate_limits, tenant by tenant as they finished

  // A finished tenant: tallied, and checked against gate_limits (set them first).
  void add(const TenantOutcome& tenant);
};

}  // namespace pgfleet
