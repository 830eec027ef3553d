#include "pgfleet/fleet/fleet_runner.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "tenant_batch.hpp"

namespace pgfleet {
namespace {

// Who waits, who runs: the picking state of one batch (tenant_batch.hpp).
using Batch = TenantBatch;

// The reason given to tenants a signal kept from starting.
constexpr const char* kInterruptedBeforeStart = "interrupted before it started";

// Starts `count` threads running `work`; returns why one could not start, "" when all did.
std::string start_workers(int count, const std::function<void()>& work,
                          std::vector<std::thread>& threads) {
  try {
    for (int w = 0; w < count; ++w) threads.emplace_back(work);
  } catch (const std::exception& e) {  // std::system_error (EAGAIN), or std::bad_alloc
    return e.what();
  }
  return {};
}

}  // namespace

std::size_t min_failure_rate_sample(std::size_t fleet_size) {
  const std::size_t tenth = (fleet_size + 9) / 10;
  return std::max<std::size_t>(1, std::min<std::size_t>(20, tenth));
}

// One call of FleetRunner::run: the statuses so far, the failure counts and, once the failure
// policy says stop, why. Workers record their outcomes under one mutex. Each tenant's outcome is
// reported exactly once, whatever stops the run (the policy, a signal, both, a worker that
// cannot start): the first outcome wins, later ones are dropped.
class FleetRunner::Run {
 public:
  Run(const FleetRunner& runner, TenantFeed& feed, const Job& job, const HostOf& host_of)
      : runner_(runner),
        feed_(feed),
        job_(job),
        host_of_(host_of),
        rate_sample_(min_failure_rate_sample(feed.fleet_size())) {}

  // Batch after batch from the feed until it runs dry or the policy or a signal stops the run;
  // a canary batch that is not all ok stops it. What the feed never handed out is reported too.
  FleetResult run_all() {
    while (policy_stop_.empty() && !runner_.stop_.stop_requested()) {
      policy_stop_ = feed_.stopped_elsewhere();
      if (!policy_stop_.empty()) break;
      FeedBatch batch = feed_.next();
      if (batch.tenants.empty()) break;
      const std::vector<std::size_t> indexes = add(std::move(batch.tenants));
      run_batch(indexes);
      if (batch.kind == BatchKind::canary && !all_ok(indexes) && policy_stop_.empty()) {
        policy_stop_ = "canary failed";
        feed_.stop(policy_stop_);
      }
    }
    report_never_started(add(feed_.not_handed_out()));
    result_.interrupted = runner_.stop_.stop_requested();
    result_.stop_reason = result_.interrupted ? "interrupted" : policy_stop_;
    return std::move(result_);
  }

 private:
  void run_batch(const std::vector<std::size_t>& indexes) {
    Batch batch(indexes, hosts_, runner_.limits_.per_host);
    const int workers = std::max(1, runner_.limits_.concurrency);
    std::vector<std::thread> threads;
    std::atomic<int> active{workers};
    const std::string thread_error = start_workers(
        workers,
        [&] {
          work(batch);
          --active;
        },
        threads);
    if (!thread_error.empty()) {
      // The workers that did start finish their tenant; no other tenant starts.
      active -= workers - static_cast<int>(threads.size());
      std::lock_guard<std::mutex> lock(outcome_mutex_);
      result_.run_error = "cannot start a worker thread: " + thread_error;
      if (policy_stop_.empty()) policy_stop_ = result_.run_error;
      report_not_run(batch.close(), TenantStatus::skipped, result_.run_error);
    }
    watch_for_stop(batch, active);
    for (auto& t : threads) t.join();
  }

  // One worker thread: runs the batch's tenants until none is left to start.
  void work(Batch& batch) {
    while (auto index = batch.take()) {
      const Tenant& tenant = tenants_[*index];
      runner_.reporter_.tenant_started(tenant.id);
      TenantOutcome outcome = job_(tenant);
      batch.done(*index);
      record(batch, *index, outcome);
    }
  }

  // Keeps a finished tenant's outcome; once the failure policy says stop, closes the batch and
  // reports its waiting tenants as skipped.
  void record(Batch& batch, std::size_t index, const TenantOutcome& outcome) {
    std::lock_guard<std::mutex> lock(outcome_mutex_);
    ++finished_;
    if (!is_ok(outcome.status)) ++failed_;
    report(index, outcome);
    if (!policy_stop_.empty()) return;
    policy_stop_ = over_policy();
    if (policy_stop_.empty()) return;
    feed_.stop(policy_stop_);
    report_not_run(batch.close(), TenantStatus::skipped, policy_stop_);
  }

  // Reports `outcome` as tenant `index`'s, unless that tenant has one already (outcome_mutex_).
  void report(std::size_t index, const TenantOutcome& outcome) {
    if (reported_[index]) return;
    reported_[index] = true;
    result_.statuses[index] = outcome.status;
    runner_.reporter_.tenant_finished(outcome);
  }

  // Reports tenants that never started as `status` with `reason` (outcome_mutex_ held).
  void report_not_run(const std::vector<std::size_t>& indexes, TenantStatus status,
                      const std::string& reason) {
    for (std::size_t i : indexes) report(i, not_run(tenants_[i].id, status, reason));
  }

  // Why the failure policy stops the run, "" while it does not.
  // The counts are the feed's: this runner's own, or the whole shared run's.
  std::string over_policy() {
    std::string elsewhere = feed_.stopped_elsewhere();
    if (!elsewhere.empty()) return elsewhere;
    const FailureCounts counts = feed_.counts({finished_, failed_});
    const FailurePolicy& policy = runner_.policy_;
    if (policy.max_failures && counts.failed >= *policy.max_failures) {
      return "max-failures reached (" + std::to_string(counts.failed) + " failed)";
    }
    if (policy.max_failure_rate && static_cast<std::size_t>(counts.finished) >= rate_sample_ &&
        100.0 * counts.failed / counts.finished > *policy.max_failure_rate) {
      return "max-failure-rate exceeded (" + std::to_string(counts.failed) + " of " +
             std::to_string(counts.finished) + " failed)";
    }
    return {};
  }

  // Appends tenants handed out by the feed; returns their indexes (no worker runs meanwhile).
  std::vector<std::size_t> add(std::vector<Tenant> tenants) {
    std::vector<std::size_t> indexes;
    for (Tenant& t : tenants) {
      indexes.push_back(tenants_.size());
      hosts_.push_back(host_of_(t));
      tenants_.push_back(std::move(t));
      result_.statuses.push_back(TenantStatus::skipped);
      reported_.push_back(false);
    }
    return indexes;
  }

  // Watches for signals while the workers run: stops starting tenants at once, cancels running
  // queries after the grace period (or at once on a second SIGINT).
  void watch_for_stop(Batch& batch, const std::atomic<int>& active) {
    StopControl& stop = runner_.stop_;
    std::optional<std::chrono::steady_clock::time_point> stop_seen;
    while (active.load() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (!stop.stop_requested()) continue;
      if (!stop_seen) {
        stop_seen = std::chrono::steady_clock::now();
        cancel_not_started(batch);
      }
      const bool grace_over = std::chrono::steady_clock::now() - *stop_seen >= runner_.grace_;
      // Again on every tick: StopControl repeats the cancel (one can arrive between two
      // statements) and, after a second SIGINT, closes connections opened meanwhile too.
      if (grace_over || stop.cancel_now()) stop.cancel_running();
    }
  }

  void cancel_not_started(Batch& batch) {
    std::lock_guard<std::mutex> lock(outcome_mutex_);
    report_not_run(batch.close(), TenantStatus::cancelled, kInterruptedBeforeStart);
  }

  // The tenants of a batch that never runs: cancelled after a signal, else skipped by the policy.
  void report_never_started(const std::vector<std::size_t>& indexes) {
    std::lock_guard<std::mutex> lock(outcome_mutex_);
    if (runner_.stop_.stop_requested()) {
      report_not_run(indexes, TenantStatus::cancelled, kInterruptedBeforeStart);
    } else {
      report_not_run(indexes, TenantStatus::skipped, policy_stop_);
    }
  }

  bool all_ok(const std::vector<std::size_t>& indexes) const {
    return std::all_of(indexes.begin(), indexes.end(),
                       [&](std::size_t i) { return is_ok(result_.statuses[i]); });
  }

  const FleetRunner& runner_;
  TenantFeed& feed_;
  const Job& job_;
  const HostOf& host_of_;
  std::deque<Tenant> tenants_;      // every tenant handed out so far (stable references)
  std::vector<std::string> hosts_;  // host:port of each tenant, for the per-host cap
  FleetResult result_;
  std::mutex outcome_mutex_;  // guards result_, the counts and policy_stop_ while workers run
  long finished_ = 0;
  long failed_ = 0;
  std::string policy_stop_;        // set once the failure policy says stop
  const std::size_t rate_sample_;  // --max-failure-rate waits for this many finished tenants
  std::vector<bool> reported_;     // per tenant: its outcome was reported
};

FleetRunner::FleetRunner(PoolLimits limits, FailurePolicy policy, std::chrono::milliseconds grace,
                         Reporter& reporter, StopControl& stop)
    : limits_(limits), policy_(policy), grace_(grace), reporter_(reporter), stop_(stop) {}

FleetResult FleetRunner::run(const std::vector<Tenant>& tenants, const Job& job,
                             const HostOf& host_of) {
  FixedTenantFeed feed(tenants, policy_.canary);
  return run(feed, job, host_of);
}

FleetResult FleetRunner::run(TenantFeed& feed, const Job& job, const HostOf& host_of) {
  return Run(*this, feed, job, host_of).run_all();
}

}  // namespace pgfleet
