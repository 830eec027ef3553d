#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

#include "collecting_reporter.hpp"
#include "pgfleet/fleet/fleet_runner.hpp"

using namespace pgfleet;
using pgfleet::test::Collector;

namespace {

std::vector<Tenant> make_tenants(int n, int hosts) {
  std::vector<Tenant> tenants;
  for (int i = 0; i < n; ++i) {
    Tenant t;
    t.id = "t" + std::to_string(i);
    t.connection_string = "host" + std::to_string(i % hosts);
    tenants.push_back(t);
  }
  return tenants;
}

TenantOutcome outcome(const Tenant& t, TenantStatus s) {
  TenantOutcome o;
  o.tenant_id = t.id;
  o.status = s;
  return o;
}

FleetRunner::HostOf by_connection_string() {
  return [](const Tenant& t) { return t.connection_string; };
}

}  // namespace

TEST_CASE("the pool never runs more tenants than --concurrency or --per-host allow") {
  auto tenants = make_tenants(60, 3);
  Collector reporter;
  StopControl stop;
  std::mutex m;
  int running = 0, peak = 0;
  std::map<std::string, int> per_host, per_host_peak;
  FleetRunner runner({8, 2}, {}, std::chrono::milliseconds(1000), reporter, stop);
  auto result = runner.run(
      tenants,
      [&](const Tenant& t) {
        {
          std::lock_guard<std::mutex> lock(m);
          peak = std::max(peak, ++running);
          per_host_peak[t.connection_string] =
              std::max(per_host_peak[t.connection_string], ++per_host[t.connection_string]);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::lock_guard<std::mutex> lock(m);
        --running;
        --per_host[t.connection_string];
        return outcome(t, TenantStatus::applied);
      },
      by_connection_string());
  CHECK(reporter.outcomes.size() == 60);
  CHECK(peak <= 6);  // 3 hosts x per-host 2, below concurrency 8
  CHECK(peak >= 2);
  for (auto& [host, p] : per_host_peak) CHECK(p <= 2);
  for (auto s : result.statuses) CHECK(s == TenantStatus::applied);
}

TEST_CASE("max-failures stops starting tenants and skips the rest") {
  auto tenants = make_tenants(40, 1);
  Collector reporter;
  StopControl stop;
  FailurePolicy policy;
  policy.max_failures = 3;
  FleetRunner runner({1, 0}, policy, std::chrono::milliseconds(1000), reporter, stop);
  auto result = runner.run(
      tenants, [&](const Tenant& t) { return outcome(t, TenantStatus::failed); },
      by_connection_string());
  int failed = 0, skipped = 0;
  for (auto s : result.statuses) {
    failed += s == TenantStatus::failed;
    skipped += s == TenantStatus::skipped;
  }
  CHECK(failed == 3);
  CHECK(skipped == 37);
  CHECK(reporter.outcomes.size() == 40);
  CHECK(result.stop_reason.find("max-failures") != std::string::npos);
}

TEST_CASE("max-failure-rate counts failed tenants among the finished ones") {
  auto tenants = make_tenants(20, 1);
  Collector reporter;
  StopControl stop;
  FailurePolicy policy;
  policy.max_failure_rate = 50.0;
  FleetRunner runner({1, 0}, policy, std::chrono::milliseconds(1000), reporter, stop);
  int n = 0;
  auto result = runner.run(
      tenants,
      [&](const Tenant& t) {
        // ok, ok, then failures: the rate passes 50% at the 5th tenant (3 of 5).
        return outcome(t, n++ < 2 ? TenantStatus::applied : TenantStatus::failed);
      },
      by_connection_string());
  CHECK(n == 5);
  CHECK(reporter.outcomes.size() == 20);
}

TEST_CASE("a failing canary keeps the rest of the fleet from starting") {
  auto tenants = make_tenants(10, 1);
  Collector reporter;
  StopControl stop;
  FailurePolicy policy;
  policy.canary = 3;
  FleetRunner runner({4, 0}, policy, std::chrono::milliseconds(1000), reporter, stop);
  std::atomic<int> started{0};
  auto result = runner.run(
      tenants,
      [&](const Tenant& t) {
        ++started;
        return outcome(t, t.id == "t1" ? TenantStatus::failed : TenantStatus::applied);
      },
      by_connection_string());
  CHECK(started == 3);
  for (std::size_t i = 3; i < 10; ++i) CHECK(result.statuses[i] == TenantStatus::skipped);
  CHECK(result.stop_reason == "canary failed");

  started = 0;
  Collector ok_reporter;
  FleetRunner ok_runner({4, 0}, policy, std::chrono::milliseconds(1000), ok_reporter, stop);
  ok_runner.run(
      tenants,
      [&](const Tenant& t) {
        ++started;
        return outcome(t, TenantStatus::applied);
      },
      by_connection_string());
  CHECK(started == 10);
}

TEST_CASE("a stop request lets running tenants finish and cancels the ones not started") {
  auto tenants = make_tenants(30, 1);
  Collector reporter;
  StopControl stop;
  FleetRunner runner({2, 0}, {}, std::chrono::milliseconds(5000), reporter, stop);
  std::atomic<int> started{0};
  auto result = runner.run(
      tenants,
      [&](const Tenant& t) {
        if (++started == 3) stop.request_stop(SIGINT);
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        return outcome(t, TenantStatus::applied);
      },
      by_connection_string());
  CHECK(result.interrupted);
  CHECK(reporter.outcomes.size() == 30);
  int cancelled = 0;
  for (auto s : result.statuses) cancelled += s == TenantStatus::cancelled;
  CHECK(cancelled >= 25);
  CHECK(started <= 5);
}

TEST_CASE("a tenant stopped by the failure policy and then a signal is reported once") {
  auto tenants = make_tenants(30, 1);
  Collector reporter;
  StopControl stop;
  FailurePolicy policy;
  policy.max_failures = 1;
  FleetRunner runner({2, 0}, policy, std::chrono::milliseconds(5000), reporter, stop);
  std::atomic<bool> t1_started{false};
  auto result = runner.run(
      tenants,
      [&](const Tenant& t) {
        if (t.id == "t0") {
          // Fails once t1 runs: t1 is still running when the policy closes the pool.
          for (int i = 0; i < 500 && !t1_started; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          return outcome(t, TenantStatus::failed);
        }
        t1_started = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
        stop.request_stop(SIGINT);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return outcome(t, TenantStatus::applied);
      },
      by_connection_string());
  std::map<std::string, int> times;
  for (const auto& o : reporter.outcomes) ++times[o.tenant_id];
  CHECK(reporter.outcomes.size() == 30);
  CHECK(times.size() == 30);
  for (const auto& [id, n] : times) CHECK(n == 1);
  int skipped = 0, cancelled = 0;
  for (auto s : result.statuses) {
    skipped += s == TenantStatus::skipped;
    cancelled += s == TenantStatus::cancelled;
  }
  CHECK(skipped == 28);  // the first reason wins: the policy stopped them
  CHECK(cancelled == 0);
  CHECK(result.interrupted);
}

TEST_CASE("max-failure-rate waits for a minimum sample before it judges") {
  CHECK(min_failure_rate_sample(1) == 1);
  CHECK(min_failure_rate_sample(10) == 1);
  CHECK(min_failure_rate_sample(11) == 2);
  CHECK(min_failure_rate_sample(100) == 10);
  CHECK(min_failure_rate_sample(1000) == 20);

  // The first tenant of 1000 fails, the rest succeed: 1 of 20 is not over 5%.
  auto tenants = make_tenants(1000, 1);
  Collector reporter;
  StopControl stop;
  FailurePolicy policy;
  policy.max_failure_rate = 5.0;
  FleetRunner runner({1, 0}, policy, std::chrono::milliseconds(1000), reporter, stop);
  int n = 0;
  auto result = runner.run(
      tenants,
      [&](const Tenant& t) {
        return outcome(t, n++ == 0 ? TenantStatus::failed : TenantStatus::applied);
      },
      by_connection_string());
  CHECK(n == 1000);
  CHECK(result.stop_reason.empty());

  // Every tenant of 100 fails: the rate trips once the sample (10) has finished.
  auto hundred = make_tenants(100, 1);
  Collector failing_reporter;
  FleetRunner failing({1, 0}, policy, std::chrono::milliseconds(1000), failing_reporter, stop);
  n = 0;
  auto stopped = failing.run(
      hundred, [&](const Tenant& t) { return ++n, outcome(t, TenantStatus::failed); },
      by_connection_string());
  CHECK(n == 10);
  CHECK(failing_reporter.outcomes.size() == 100);
  CHECK(stopped.stop_reason.find("max-failure-rate") != std::string::npos);
}
