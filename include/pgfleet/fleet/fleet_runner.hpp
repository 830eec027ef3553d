#pragma once
// Runs one job per tenant on a bounded pool of worker threads (one connection per tenant for its
// whole run), with a per-host cap, a failure policy, canary tenants and graceful stop.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/fleet/stop_control.hpp"
#include "pgfleet/fleet/tenant_feed.hpp"

namespace pgfleet {

struct PoolLimits {
  int concurrency = 16;  // tenants (so connections) at once
  int per_host = 0;      // tenants at once per host:port; 0 = no cap beyond concurrency
};

struct FailurePolicy {
  std::optional<int> max_failures;         // stop starting tenants once this many are not ok
  std::optional<double> max_failure_rate;  // percent of finished tenants not ok
  int canary = 0;                          // first N tenants must all succeed before the rest
};

struct FleetResult {
  std::vector<TenantStatus> statuses;  // one per tenant, in the order the feed handed them out
  std::string stop_reason;             // why tenants were skipped or cancelled, "" if none
  bool interrupted = false;            // a signal stopped the run
  std::string run_error;  // non-empty: the run itself failed (no worker thread could start)
};

// --max-failure-rate is judged only once this many tenants finished, so that the first failure
// of a large fleet does not stop it: 10% of the fleet, at least 1 and at most 20 (README.md,
// "Failure policy").
std::size_t min_failure_rate_sample(std::size_t fleet_size);

class FleetRunner {
 public:
  // Does the work for one tenant; must not throw (the TenantRunner never does).
  using Job = std::function<TenantOutcome(const Tenant&)>;
  // Host:port of a tenant for the per-host cap ("" when unknown).
  using HostOf = std::function<std::string(const Tenant&)>;

  FleetRunner(PoolLimits limits, FailurePolicy policy, std::chrono::milliseconds grace,
              Reporter& reporter, StopControl& stop);

  // Runs `job` for every tenant; tenants never started get `skipped` (policy) or `cancelled`
  // (signal) outcomes, reported like the others. Every tenant is reported exactly once, the
  // first reason wins. A worker thread that cannot start stops the run like the failure policy
  // and sets run_error. Returns when every tenant has an outcome.
  FleetResult run(const std::vector<Tenant>& tenants, const Job& job, const HostOf& host_of);
  // The same over the tenants `feed` hands out, batch after batch, until it has none left or the
  // run stops. The feed decides the canaries (policy.canary is not used here) and may count
  // failures for a whole run shared with other workers.
  FleetResult run(TenantFeed& feed, const Job& job, const HostOf& host_of);

 private:
  class Run;  // the state of one call of run()

  PoolLimits limits_;
  FailurePolicy policy_;
  std::chrono::milliseconds grace_;
  Reporter& reporter_;
  StopControl& stop_;
};

}  // namespace pgfleet
