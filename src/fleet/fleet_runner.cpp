#include "pgfleet/fleet/fleet_runner.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

namespace pgfleet {
namespace {

// Shared state of one batch of tenants: who waits, who runs, what finished.
class Batch {
 public:
  Batch(const std::vector<Tenant>& tenants, std::vector<std::size_t> indexes,
        std::vector<std::string> hosts, int per_host)
      : tenants_(tenants), hosts_(std::move(hosts)), per_host_(per_host) {
    for (std::size_t i : indexes) waiting_.push_back(i);
  }

  // The next tenant whose host has room, or nullopt when none is left to start (or the batch
  // was closed). Blocks while every waiting tenant's host is at its cap.
  std::optional<std::size_t> take() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (closed_ || waiting_.empty()) return std::nullopt;
      for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
        const std::string& host = hosts_[*it];
        if (per_host_ <= 0 || host.empty() || running_per_host_[host] < per_host_) {
          const std::size_t index = *it;
          waiting_.erase(it);
          if (!host.empty()) ++running_per_host_[host];
          return index;
        }
      }
      changed_.wait(lock);
    }
  }

  void done(std::size_t index) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string& host = hosts_[index];
    if (!host.empty()) --running_per_host_[host];
    changed_.notify_all();
  }

  // Stops handing out tenants; returns those never started (once: a second call returns none).
  std::vector<std::size_t> close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    changed_.notify_all();
    std::vector<std::size_t> never_started(waiting_.begin(), waiting_.end());
    waiting_.clear();
    return never_started;
  }

 private:
  const std::vector<Tenant>& tenants_;
  std::vector<std::string> hosts_;
  int per_host_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::size_t> waiting_;
  std::map<std::string, int> running_per_host_;
  bool closed_ = false;
};

// Each tenant's outcome is reported exactly once, whatever stops the run (the failure policy, a
// signal, both, a worker that cannot start): the first outcome wins, later ones are dropped.
// Callers hold the run's outcome mutex.
class OutcomeBook {
 public:
  OutcomeBook(const std::vector<Tenant>& tenants, Reporter& reporter, FleetResult& result)
      : tenants_(tenants), reporter_(reporter), result_(result), reported_(tenants.size()) {}

  // Reports `outcome` as tenant `index`'s, unless that tenant has one already.
  void report(std::size_t index, const TenantOutcome& outcome) {
    if (reported_[index]) return;
    reported_[index] = true;
    result_.statuses[index] = outcome.status;
    reporter_.tenant_finished(outcome);
  }

  // Reports tenants that never started as `status` with `reason`.
  void report_not_run(const std::vector<std::size_t>& indexes, TenantStatus status,
                      const std::string& reason) {
    for (std::size_t i : indexes) report(i, not_run(tenants_[i].id, status, reason));
  }

 private:
  const std::vector<Tenant>& tenants_;
  Reporter& reporter_;
  FleetResult& result_;
  std::vector<bool> reported_;
};

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

FleetRunner::FleetRunner(PoolLimits limits, FailurePolicy policy, std::chrono::milliseconds grace,
                         Reporter& reporter, StopControl& stop)
    : limits_(limits), policy_(policy), grace_(grace), reporter_(reporter), stop_(stop) {}

FleetResult FleetRunner::run(const std::vector<Tenant>& tenants, const Job& job,
                             const HostOf& host_of) {
  FleetResult result;
  result.statuses.assign(tenants.size(), TenantStatus::skipped);
  std::vector<std::string> hosts;
  hosts.reserve(tenants.size());
  for (const Tenant& t : tenants) hosts.push_back(host_of(t));

  std::mutex outcome_mutex;
  OutcomeBook book(tenants, reporter_, result);
  int finished = 0, failed = 0;
  std::string policy_stop;  // set once the failure policy says stop
  const std::size_t rate_sample = min_failure_rate_sample(tenants.size());

  const auto over_policy = [&]() -> std::string {
    if (policy_.max_failures && failed >= *policy_.max_failures) {
      return "max-failures reached (" + std::to_string(failed) + " failed)";
    }
    if (policy_.max_failure_rate && static_cast<std::size_t>(finished) >= rate_sample &&
        100.0 * failed / finished > *policy_.max_failure_rate) {
      return "max-failure-rate exceeded (" + std::to_string(failed) + " of " +
             std::to_string(finished) + " failed)";
    }
    return {};
  };

  const auto run_batch = [&](std::vector<std::size_t> indexes) {
    Batch batch(tenants, std::move(indexes), hosts, limits_.per_host);
    const int workers = std::max(1, limits_.concurrency);
    std::atomic<int> active{workers};
    const auto work = [&] {
      while (auto index = batch.take()) {
        const Tenant& tenant = tenants[*index];
        reporter_.tenant_started(tenant.id);
        TenantOutcome outcome = job(tenant);
        batch.done(*index);
        std::lock_guard<std::mutex> lock(outcome_mutex);
        ++finished;
        if (!is_ok(outcome.status)) ++failed;
        book.report(*index, outcome);
        if (policy_stop.empty()) {
          policy_stop = over_policy();
          if (!policy_stop.empty()) {
            book.report_not_run(batch.close(), TenantStatus::skipped, policy_stop);
          }
        }
      }
      --active;
    };
    std::vector<std::thread> threads;
    const std::string thread_error = start_workers(workers, work, threads);
    if (!thread_error.empty()) {
      // The workers that did start finish their tenant; no other tenant starts.
      active -= workers - static_cast<int>(threads.size());
      std::lock_guard<std::mutex> lock(outcome_mutex);
      result.run_error = "cannot start a worker thread: " + thread_error;
      if (policy_stop.empty()) policy_stop = result.run_error;
      book.report_not_run(batch.close(), TenantStatus::skipped, result.run_error);
    }
    // Watch for signals while the workers run: stop starting tenants at once, cancel running
    // queries after the grace period (or at once on a second SIGINT).
    std::optional<std::chrono::steady_clock::time_point> stop_seen;
    bool cancelled = false;
    while (active.load() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (!stop_.stop_requested()) continue;
      if (!stop_seen) {
        stop_seen = std::chrono::steady_clock::now();
        std::lock_guard<std::mutex> lock(outcome_mutex);
        book.report_not_run(batch.close(), TenantStatus::cancelled,
                            "interrupted before it started");
      }
      const bool grace_over = std::chrono::steady_clock::now() - *stop_seen >= grace_;
      if ((grace_over || stop_.cancel_now()) && !cancelled) {
        stop_.cancel_running();
        cancelled = true;
      }
    }
    for (auto& t : threads) t.join();
  };

  std::vector<std::size_t> first, rest;
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    (static_cast<int>(i) < policy_.canary ? first : rest).push_back(i);
  }
  if (!first.empty()) {
    run_batch(first);
    bool canary_ok = true;
    for (std::size_t i : first) canary_ok = canary_ok && is_ok(result.statuses[i]);
    if (!canary_ok && policy_stop.empty()) policy_stop = "canary failed";
  }
  if (policy_stop.empty() && !stop_.stop_requested()) {
    run_batch(rest);
  } else {
    std::lock_guard<std::mutex> lock(outcome_mutex);
    if (stop_.stop_requested()) {
      book.report_not_run(rest, TenantStatus::cancelled, "interrupted before it started");
    } else {
      book.report_not_run(rest, TenantStatus::skipped, policy_stop);
    }
  }
  result.interrupted = stop_.stop_requested();
  result.stop_reason = result.interrupted ? "interrupted" : policy_stop;
  return result;
}

}  // namespace pgfleet
