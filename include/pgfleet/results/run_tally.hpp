#pragma once
// What a run's summary files need of its finished tenants, kept as they finish (README.md,
// "Results"; docs/PREFLIGHT.md, "The report"): counts, the version census, one duration per
// tenant and per migration run, the blocking locks summed up, the failed tenants grouped by
// error with a few example ids each, and the slowest tenants. Never a tenant's whole outcome:
// memory grows by a few bytes per tenant, not by its record.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/results/bounded_top.hpp"
#include "pgfleet/results/forecast.hpp"

namespace pgfleet {

// Tenants that are not ok, grouped by what went wrong: same status, SQLSTATE and message.
struct FailureGroup {
  TenantStatus status = TenantStatus::failed;
  std::string sqlstate;
  std::string message;                  // the error's message, or the reason when there is no error
  long tenants = 0;                     // how many tenants are in the group
  std::vector<std::string> tenant_ids;  // the first RunTally::kIdsPerGroup of them to finish
};

// One tenant as the slowest-tenants tables show it.
struct FinishedTenant {
  std::string tenant_id;
  TenantStatus status = TenantStatus::applied;
  std::size_t migrations = 0;  // migrations it ran
  long duration_ms = 0;        // the whole tenant run
};

class RunTally {
 public:
  // Example ids kept per failure group (report.html shows them all, then "and N more").
  static constexpr std::size_t kIdsPerGroup = 20;
  // Kinds of error kept; a tenant whose error starts a kind past these is only counted.
  static constexpr std::size_t kFailureKindsKept = 1000;
  // Slowest tenants kept (report.html shows ten, summary.md five).
  static constexpr std::size_t kSlowestKept = 10;

  void add(const TenantOutcome& tenant);

  std::size_t tenants() const { return tenants_; }
  // Tenants per status.
  const std::map<TenantStatus, long>& status_counts() const { return counts_; }
  // Tenants per version after the run (to_version, else from_version; 0 = none), only tenants
  // that were reached.
  const std::map<Version, long>& version_census() const { return census_; }
  // Each tenant's whole duration, in the order they finished.
  const std::vector<long>& durations_ms() const { return durations_ms_; }
  // Biggest groups first; equal sizes in status, SQLSTATE, message order.
  std::vector<FailureGroup> failure_groups() const;
  // Tenants not ok whose kind of error came after kFailureKindsKept others: in no group.
  long failures_not_grouped() const { return failures_not_grouped_; }
  // The slowest tenants, slowest first (equal times in id order), at most min(count,
  // kSlowestKept).
  std::vector<FinishedTenant> slowest(std::size_t count) const;
  // The forecast (forecast.hpp) of the tenants so far.
  std::vector<MigrationForecast> forecast() const { return forecast_.forecast(); }

  // The earliest tenant start, the latest tenant end (start + duration), and whether every
  // tenant was ok: a run's header when its summary.json is lost.
  std::optional<std::chrono::system_clock::time_point> first_started() const {
    return first_started_;
  }
  std::optional<std::chrono::system_clock::time_point> last_ended() const { return last_ended_; }
  bool all_ok() const { return all_ok_; }

 private:
  struct SlowerFirst {
    bool operator()(const FinishedTenant& a, const FinishedTenant& b) const {
      if (a.duration_ms != b.duration_ms) return a.duration_ms > b.duration_ms;
      return a.tenant_id < b.tenant_id;
    }
  };
  void add_failure(const TenantOutcome& tenant);

  std::size_t tenants_ = 0;
  std::map<TenantStatus, long> counts_;
  std::map<Version, long> census_;
  std::vector<long> durations_ms_;
  std::map<std::tuple<TenantStatus, std::string, std::string>, FailureGroup> failures_;
  long failures_not_grouped_ = 0;
  BoundedTop<FinishedTenant, SlowerFirst> slowest_{kSlowestKept};
  ForecastTally forecast_;
  std::optional<std::chrono::system_clock::time_point> first_started_, last_ended_;
  bool all_ok_ = true;
};

}  // namespace pgfleet
