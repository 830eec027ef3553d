#pragma once
// The forecast of a run (docs/PREFLIGHT.md, "Forecast"): per migration, how long it took over
// the tenants, how often it had to retry, which pre-existing tables it locked against other
// sessions' reads or writes and for how long at most, and its slowest tenants. Pure: built from
// tenant outcomes, no I/O.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/results/bounded_top.hpp"

namespace pgfleet {

// What a table lock blocks for other sessions, from PostgreSQL's table-level lock conflict table:
// plain reads take AccessShareLock (only AccessExclusiveLock conflicts with it), writes take
// RowExclusiveLock (ShareLock, ShareRowExclusiveLock, ExclusiveLock and AccessExclusiveLock
// conflict with it). Weaker modes only block other DDL.
enum class LockImpact { none, writes, reads_and_writes };

// The impact of a mode as pg_locks names it ("AccessExclusiveLock"); an unknown name is `none`.
LockImpact lock_impact(std::string_view mode);
// "reads+writes", "writes" or "none" (summary.json `blocks`).
const char* to_string(LockImpact impact);

// Nearest-rank percentile (0 < p <= 100) of ascending values: the smallest value with at least
// p% of them at or below it. `sorted` must not be empty.
long nearest_rank_percentile(const std::vector<long>& sorted, double p);

// A pre-existing relation a migration locked against reads or writes, over the tenants.
struct BlockingLock {
  std::string relation;
  std::string mode;
  LockImpact blocks = LockImpact::none;
  long tenants = 0;  // tenants on which the migration held it
  long max_ms = 0;   // the longest it was held: the migration's duration on that tenant
};

struct SlowTenant {
  std::string tenant_id;
  long duration_ms = 0;
};

struct MigrationForecast {
  Version version = 0;
  std::string name;
  long tenants = 0;  // tenants this run applied it to
  long p50_ms = 0, p95_ms = 0, max_ms = 0;
  int attempts_max = 0;
  std::vector<BlockingLock> blocking;  // reads+writes first, then the longest held
  std::vector<SlowTenant> slowest;     // up to five, slowest first
  std::vector<long> durations_ms;      // one per tenant, ascending (the histogram's data)
};

// Slowest first, equal times in tenant id order.
struct SlowerTenantFirst {
  bool operator()(const SlowTenant& a, const SlowTenant& b) const {
    if (a.duration_ms != b.duration_ms) return a.duration_ms > b.duration_ms;
    return a.tenant_id < b.tenant_id;
  }
};

// The forecast made tenant by tenant as they finish. Keeps per migration one duration per
// tenant, the blocking locks summed up per relation and mode, and the five slowest tenants:
// never a tenant's whole outcome.
class ForecastTally {
 public:
  static constexpr std::size_t kSlowestKept = 5;

  void add(const TenantOutcome& tenant);
  // One entry per migration any tenant ran, by version.
  std::vector<MigrationForecast> forecast() const;

 private:
  struct PerMigration {
    std::string name;  // as the first tenant to run it reported it
    std::vector<long> durations_ms;
    int attempts_max = 0;
    std::map<std::pair<std::string, std::string>, BlockingLock> locks;  // by relation, mode
    BoundedTop<SlowTenant, SlowerTenantFirst> slowest{kSlowestKept};
  };
  std::map<Version, PerMigration> by_version_;
};

// One entry per migration any tenant ran in this run, by version (a ForecastTally of `tenants`).
std::vector<MigrationForecast> build_forecast(const std::vector<TenantOutcome>& tenants);

// summary.json `forecast`: [{version, name, tenants, duration_ms {p50, p95, max}, attempts_max,
// blocking [{relation, mode, blocks, tenants, max_ms}], slowest [{tenant_id, duration_ms}]}].
nlohmann::json forecast_to_json(const std::vector<MigrationForecast>& forecast);

// One bar of a duration histogram: tenants whose duration is in [from_ms, to_ms].
struct HistogramBin {
  long from_ms = 0;
  long to_ms = 0;
  long count = 0;
};

// Up to `max_bins` bins of equal width (at least 1 ms) from the lowest to the highest of
// ascending `sorted`; empty for no values.
std::vector<HistogramBin> duration_histogram(const std::vector<long>& sorted, int max_bins);

}  // namespace pgfleet
