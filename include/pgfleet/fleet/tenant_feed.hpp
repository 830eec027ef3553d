#pragma once
// Where a FleetRunner takes its tenants from: a fixed list (one process runs the whole fleet), or
// batches claimed from a queue several workers share (docs/LEDGER.md). The feed also says how
// many tenants failed so far, so that the failure policy can hold for the whole run.
#include <cstddef>
#include <string>
#include <vector>

#include "pgfleet/engine/tenant.hpp"

namespace pgfleet {

// A canary batch must succeed as a whole before the run goes on (README.md, "Failure policy").
enum class BatchKind { canary, regular };

// The tenants stay the feed's (or its list's): a batch points at them, so that a fleet of
// 100,000 tenants is never copied.
struct FeedBatch {
  std::vector<const Tenant*> tenants;  // empty: nothing is left for this runner
  BatchKind kind = BatchKind::regular;
};

// Finished tenants (skipped and cancelled ones left out) and how many of them were not ok.
struct FailureCounts {
  long finished = 0;
  long failed = 0;
};

class TenantFeed {
 public:
  virtual ~TenantFeed() = default;
  // Tenants of the whole run (every worker), for the --max-failure-rate sample.
  virtual std::size_t fleet_size() const = 0;
  // The next tenants to start; an empty batch when none is left for this runner. May block
  // while other workers hold the tenants that must finish first (canaries, expiring leases).
  virtual FeedBatch next() = 0;
  // After a stop: the tenants this runner answers for that no batch handed out (a fixed list's
  // rest; a shared queue keeps its own for later).
  virtual std::vector<const Tenant*> not_handed_out() = 0;
  // The counts the failure policy judges: this runner's own (`local`) or the whole run's.
  virtual FailureCounts counts(const FailureCounts& local) = 0;
  // Why the run was stopped by another worker, "" while it was not.
  virtual std::string stopped_elsewhere() = 0;
  // This runner's failure policy stopped the run: the other workers are told.
  virtual void stop(const std::string& reason) = 0;
  // The runner asks for the next batch once fewer tenants than this wait to start (`workers`:
  // its worker threads). Enough that no thread idles; few enough that a worker does not hold
  // tenants that idle workers elsewhere could run.
  virtual std::size_t refill_below(std::size_t workers) const { return workers; }
};

// A fixed list (which must outlive the feed): the first `canary` tenants as one canary batch,
// then all the others.
class FixedTenantFeed : public TenantFeed {
 public:
  FixedTenantFeed(const std::vector<Tenant>& tenants, int canary);

  std::size_t fleet_size() const override { return tenants_.size(); }
  FeedBatch next() override;
  std::vector<const Tenant*> not_handed_out() override;
  FailureCounts counts(const FailureCounts& local) override { return local; }
  std::string stopped_elsewhere() override { return {}; }
  void stop(const std::string& /*reason*/) override {}

 private:
  // The tenants from `next_` on were not handed out yet.
  std::vector<const Tenant*> handed_out(std::size_t count);

  const std::vector<Tenant>& tenants_;
  std::size_t next_ = 0;
  std::size_t canary_;
};

}  // namespace pgfleet
