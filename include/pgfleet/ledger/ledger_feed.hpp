#pragma once
// The FleetRunner's tenants when several workers share a run through the ledger
// (docs/LEDGER.md, "Workers"): batches claimed from the run's queue, their leases renewed by a
// thread of their own (one query per interval for all of this worker's tenants), the run's
// failure counts and stop reason for the failure policy.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pgfleet/fleet/tenant_feed.hpp"
#include "pgfleet/ledger/ledger_queue.hpp"

namespace pgfleet::ledger {

class LedgerFeed : public TenantFeed {
 public:
  // `fleet`: this worker's tenants, looked up by the ids it claims (an id it does not know comes
  // back invalid); `batch_size`: tenants per claim; `stop_flag`: set by a signal, ends a wait.
  // Starts the lease renewal thread.
  LedgerFeed(LedgerQueue& queue, const std::vector<Tenant>& fleet, std::size_t fleet_size,
             int batch_size, const std::atomic<bool>& stop_flag);
  ~LedgerFeed() override;
  LedgerFeed(const LedgerFeed&) = delete;
  LedgerFeed& operator=(const LedgerFeed&) = delete;

  std::size_t fleet_size() const override { return fleet_size_; }
  // Claims the next batch; while others hold what is left (canaries, live leases) waits and
  // looks again. Empty when the run is over or stopped, or the ledger failed. Never throws.
  FeedBatch next() override;
  std::vector<const Tenant*> not_handed_out() override { return {}; }
  FailureCounts counts(const FailureCounts& local) override;
  std::string stopped_elsewhere() override { return queue_.stop_reason(); }
  void stop(const std::string& reason) override;
  // Half the worker threads: a claim is one short query, so a worker keeps few claimed tenants
  // waiting, and the end of the run is shared evenly between the workers.
  std::size_t refill_below(std::size_t workers) const override;

  // A ledger query failed (here or in the listener that records results): no batch is claimed
  // after it. The first message is kept.
  void fail(const std::string& message);
  std::optional<std::string> error() const;
  // Stops renewing leases (the run is over for this worker).
  void stop_renewing();
  // The result line an earlier attempt of the run recorded for a tenant this worker claimed
  // ("" if none), handed out once: a rerun's result keeps what that attempt applied.
  std::string take_earlier_line(const std::string& tenant_id);

 private:
  FeedBatch claimed_batch(const Claim& claim);
  void renew_until_stopped();
  bool wait(std::chrono::milliseconds pause);  // false when a signal or stop_renewing came

  LedgerQueue& queue_;
  std::map<std::string, Tenant> tenants_;
  std::deque<Tenant> unknown_;  // claimed ids this worker's tenant source does not list
  std::size_t fleet_size_;
  int batch_size_;
  const std::atomic<bool>& stop_flag_;
  mutable std::mutex mutex_;  // guards error_, renewing_ and earlier_lines_
  std::condition_variable wake_;
  std::optional<std::string> error_;
  bool renewing_ = true;
  std::map<std::string, std::string> earlier_lines_;
  std::thread renewer_;
};

}  // namespace pgfleet::ledger
