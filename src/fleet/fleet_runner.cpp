#include "pgfleet/fleet/fleet_runner.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "tenant_batch.hpp"

namespace pgfleet {
namespace {

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
// policy says stop, why. A feeder thread takes batches from the feed and adds them to the
// waiting tenants whenever fewer are waiting than there are workers, so that no worker idles at
// the end of a batch; a canary batch must finish, all ok, before the next is asked for. Workers
// record their outcomes under one mutex. Each tenant's outcome is reported exactly once,
// whatever stops the run (the policy, a signal, both, a worker that cannot start): the first
// outcome wins, later ones are dropped.
class FleetRunner::Run {
 public:
  Run(const FleetRunner& runner, TenantFeed& feed, const Job& job, const HostOf& host_of)
      : runner_(runner),
        feed_(feed),
        job_(job),
        host_of_(host_of),
        workers_(std::max(1, runner.limits_.concurrency)),
        batch_(runner.limits_.per_host),
        rate_sample_(min_failure_rate_sample(feed.fleet_size())) {}

  FleetResult run_all() {
    std::vector<std::thread> threads;
    std::atomic<int> active{workers_};
    const std::string thread_error = start_workers(
        workers_,
        [&] {
          work();
          --active;
        },
        threads);
    if (!thread_error.empty()) {
      // The workers that did start finish their tenant; no other tenant starts.
      active -= workers_ - static_cast<int>(threads.size());
      stop_for_policy("cannot start a worker thread: " + thread_error, RunFailure::yes);
    }
    const std::string feeder_error = start_workers(
        1, [&] { feed_all(); }, threads);
    if (!feeder_error.empty()) {
      stop_for_policy("cannot start a worker thread: " + feeder_error, RunFailure::yes);
      batch_.no_more();
    }
    watch_for_stop(active);
    for (auto& t : threads) t.join();
    report_never_started(add(feed_.not_handed_out()));
    result_.interrupted = runner_.stop_.stop_requested();
    result_.stop_reason = result_.interrupted ? "interrupted" : policy_stop_;
    return std::move(result_);
  }

 private:
  enum class RunFailure { no, yes };

  // The feeder thread: batches from the feed until it has none, the run stops, or a canary
  // batch fails; then tells the workers that nothing more comes.
  void feed_all() {
    while (!stopping()) {
      const std::size_t refill_below = feed_.refill_below(static_cast<std::size_t>(workers_));
      while (!stopping() && batch_.waiting() >= refill_below) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      const std::string elsewhere = feed_.stopped_elsewhere();
      if (!elsewhere.empty()) stop_for_policy(elsewhere, RunFailure::no);
      if (stopping()) break;
      FeedBatch next = feed_.next();
      if (next.tenants.empty()) break;
      const std::vector<std::size_t> indexes = add(next.tenants);
      const std::vector<std::size_t> refused = batch_.add(indexes, hosts_);
      if (!refused.empty()) report_never_started(refused);
      if (next.kind == BatchKind::canary && !canaries_ok(indexes) &&
          !runner_.stop_.stop_requested()) {
        stop_for_policy("canary failed", RunFailure::no);
      }
    }
    batch_.no_more();
  }

  // Waits until every canary has its outcome; true when all are ok.
  bool canaries_ok(const std::vector<std::size_t>& indexes) {
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(outcome_mutex_);
        const bool all_reported = std::all_of(indexes.begin(), indexes.end(),
                                              [&](std::size_t i) { return reported_[i]; });
        if (all_reported) return all_ok(indexes);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  bool stopping() const { return policy_stopped_.load() || runner_.stop_.stop_requested(); }

  // One worker thread: runs the waiting tenants until none is left to start.
  void work() {
    while (auto index = batch_.take()) {
      const Tenant& tenant = tenant_at(*index);
      runner_.reporter_.tenant_started(tenant.id);
      TenantOutcome outcome = job_(tenant);
      batch_.done(*index);
      record(*index, outcome);
    }
  }

  // Not under outcome_mutex_: a worker never waits for another's reporting to start a tenant.
  const Tenant& tenant_at(std::size_t index) {
    std::lock_guard<std::mutex> lock(tenants_mutex_);
    return *tenants_[index];  // the feed's: later additions leave it where it is
  }

  // Keeps a finished tenant's outcome; once the failure policy says stop, stops the run.
  void record(std::size_t index, const TenantOutcome& outcome) {
    std::lock_guard<std::mutex> lock(outcome_mutex_);
    ++finished_;
    if (!is_ok(outcome.status)) ++failed_;
    report(index, outcome);
    if (!policy_stop_.empty()) return;
    const std::string reason = over_policy();
    if (!reason.empty()) stop_locked(reason, RunFailure::no);
  }

  void stop_for_policy(const std::string& reason, RunFailure failure) {
    std::lock_guard<std::mutex> lock(outcome_mutex_);
    stop_locked(reason, failure);
  }

  // The first reason stops the run (outcome_mutex_ held): the feed (the other workers) is told,
  // the waiting tenants are skipped.
  void stop_locked(const std::string& reason, RunFailure failure) {
    if (failure == RunFailure::yes) result_.run_error = reason;
    if (!policy_stop_.empty()) return;
    policy_stop_ = reason;
    policy_stopped_ = true;
    if (failure == RunFailure::no) feed_.stop(reason);
    report_not_run(batch_.close(), TenantStatus::skipped, reason);
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
    for (std::size_t i : indexes) report(i, not_run(tenants_[i]->id, status, reason));
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

  // Appends tenants handed out by the feed; returns their indexes.
  std::vector<std::size_t> add(const std::vector<const Tenant*>& tenants) {
    std::lock_guard<std::mutex> lock(outcome_mutex_);
    std::lock_guard<std::mutex> tenants_lock(tenants_mutex_);
    std::vector<std::size_t> indexes;
    indexes.reserve(tenants.size());
    for (const Tenant* t : tenants) {
      indexes.push_back(tenants_.size());
      hosts_.push_back(host_of_(*t));
      tenants_.push_back(t);
      result_.statuses.push_back(TenantStatus::skipped);
      reported_.push_back(false);
    }
    return indexes;
  }

  // Watches for signals while the workers run: stops starting tenants at once, cancels running
  // queries after the grace period (or at once on a second SIGINT).
  void watch_for_stop(const std::atomic<int>& active) {
    StopControl& stop = runner_.stop_;
    std::optional<std::chrono::steady_clock::time_point> stop_seen;
    while (active.load() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (!stop.stop_requested()) continue;
      if (!stop_seen) {
        stop_seen = std::chrono::steady_clock::now();
        cancel_not_started();
      }
      const bool grace_over = std::chrono::steady_clock::now() - *stop_seen >= runner_.grace_;
      // Again on every tick: StopControl repeats the cancel (one can arrive between two
      // statements) and, after a second SIGINT, closes connections opened meanwhile too.
      if (grace_over || stop.cancel_now()) stop.cancel_running();
    }
  }

  void cancel_not_started() {
    std::lock_guard<std::mutex> lock(outcome_mutex_);
    report_not_run(batch_.close(), TenantStatus::cancelled, kInterruptedBeforeStart);
  }

  // Tenants that never run: cancelled after a signal, else skipped by the policy.
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
  const int workers_;
  TenantBatch batch_;                   // the tenants waiting to start
  std::vector<const Tenant*> tenants_;  // every tenant handed out so far (the feed's)
  std::vector<std::string> hosts_;      // host:port of each tenant, for the per-host cap (feeder)
  FleetResult result_;
  // Guards result_, reported_, the counts and policy_stop_ while the run goes, and tenants_ from
  // growing meanwhile (add() takes both, outcome_mutex_ first).
  std::mutex outcome_mutex_;
  std::mutex tenants_mutex_;                 // guards tenants_ for the workers (tenant_at)
  std::atomic<bool> policy_stopped_{false};  // policy_stop_ was set
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
