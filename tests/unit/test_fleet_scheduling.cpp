// FleetRunner's picking under --per-host caps at scale: caps hold with many hosts and threads,
// list order is kept where the caps allow, and no host or worker is left waiting.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "pgfleet/fleet/fleet_runner.hpp"

using namespace pgfleet;

namespace {

// Tenant i on host hosts[i] (the connection string is the host, see host_is_connection_string).
std::vector<Tenant> tenants_on(const std::vector<std::string>& hosts) {
  std::vector<Tenant> tenants;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    Tenant t;
    t.id = "t" + std::to_string(i);
    t.connection_string = hosts[i];
    tenants.push_back(t);
  }
  return tenants;
}

FleetRunner::HostOf host_is_connection_string() {
  return [](const Tenant& t) { return t.connection_string; };
}

TenantOutcome applied(const Tenant& t) {
  TenantOutcome o;
  o.tenant_id = t.id;
  o.status = TenantStatus::applied;
  return o;
}

struct CountingReporter : Reporter {
  std::atomic<int> finished{0};
  void tenant_finished(const TenantOutcome&) override { ++finished; }
};

// A fake tenant job's view of the fleet: which tenants run on each host right now, the most
// that ever ran at once per host and overall, and the order tenants started in.
struct HostWatch {
  std::mutex m;
  std::map<std::string, int> running, peak;
  int running_total = 0, peak_total = 0;
  std::vector<std::string> started;  // tenant ids in start order

  void enter(const Tenant& t) {
    std::lock_guard<std::mutex> lock(m);
    peak[t.connection_string] = std::max(peak[t.connection_string], ++running[t.connection_string]);
    peak_total = std::max(peak_total, ++running_total);
    started.push_back(t.id);
  }
  void leave(const Tenant& t) {
    std::lock_guard<std::mutex> lock(m);
    --running[t.connection_string];
    --running_total;
  }
};

int index_of(const std::string& tenant_id) { return std::stoi(tenant_id.substr(1)); }

}  // namespace

TEST_CASE("the per-host cap holds with many hosts and threads") {
  // 3000 tenants over 150 hosts, listed host by host, then a round of every host again.
  std::vector<std::string> hosts;
  for (int i = 0; i < 1500; ++i) hosts.push_back("h" + std::to_string(i / 10));
  for (int i = 0; i < 1500; ++i) hosts.push_back("h" + std::to_string(i % 150));
  const auto tenants = tenants_on(hosts);
  CountingReporter reporter;
  StopControl stop;
  HostWatch watch;
  FleetRunner runner({32, 2}, {}, std::chrono::milliseconds(1000), reporter, stop);
  const auto result = runner.run(
      tenants,
      [&](const Tenant& t) {
        watch.enter(t);
        std::this_thread::sleep_for(std::chrono::microseconds(100 + 50 * (index_of(t.id) % 7)));
        watch.leave(t);
        return applied(t);
      },
      host_is_connection_string());
  CHECK(reporter.finished == 3000);
  CHECK(watch.started.size() == 3000);
  CHECK(std::set<std::string>(watch.started.begin(), watch.started.end()).size() == 3000);
  CHECK(watch.peak_total <= 32);
  int hosts_at_cap = 0;
  for (const auto& [host, peak] : watch.peak) {
    CHECK(peak <= 2);
    hosts_at_cap += peak == 2;
  }
  CHECK(hosts_at_cap > 0);
  for (auto s : result.statuses) CHECK(s == TenantStatus::applied);
}

TEST_CASE("each host's tenants start in list order") {
  std::vector<std::string> hosts;
  for (int i = 0; i < 800; ++i) hosts.push_back("h" + std::to_string((i * 7919) % 40));
  const auto tenants = tenants_on(hosts);
  CountingReporter reporter;
  StopControl stop;
  HostWatch watch;
  FleetRunner runner({16, 1}, {}, std::chrono::milliseconds(1000), reporter, stop);
  runner.run(
      tenants,
      [&](const Tenant& t) {
        watch.enter(t);
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        watch.leave(t);
        return applied(t);
      },
      host_is_connection_string());
  // With a cap of 1 a host's next tenant starts only after the previous one finished.
  std::map<std::string, int> last_started;
  for (const std::string& id : watch.started) {
    const std::string& host = hosts[index_of(id)];
    auto it = last_started.find(host);
    if (it != last_started.end()) CHECK(index_of(id) > it->second);
    last_started[host] = index_of(id);
  }
  CHECK(watch.started.size() == 800);
}

TEST_CASE("a full host is passed over for the next tenant whose host has room") {
  // a a a b c d with per-host 1 and 3 workers: the first three to start are a0 b3 c4, and the
  // tenants of a start one after another in list order.
  const auto tenants = tenants_on({"a", "a", "a", "b", "c", "d"});
  CountingReporter reporter;
  StopControl stop;
  std::mutex m;
  std::condition_variable three_started;
  std::vector<int> started;
  FleetRunner runner({3, 1}, {}, std::chrono::milliseconds(1000), reporter, stop);
  runner.run(
      tenants,
      [&](const Tenant& t) {
        std::unique_lock<std::mutex> lock(m);
        started.push_back(index_of(t.id));
        three_started.notify_all();
        // Hold the first three until all three run, so that none frees its host early.
        three_started.wait_for(lock, std::chrono::seconds(5), [&] { return started.size() >= 3; });
        return applied(t);
      },
      host_is_connection_string());
  REQUIRE(started.size() == 6);
  CHECK(std::set<int>(started.begin(), started.begin() + 3) == std::set<int>{0, 3, 4});
  std::vector<int> of_a;
  for (int i : started) {
    if (i <= 2) of_a.push_back(i);
  }
  CHECK(of_a == std::vector<int>{0, 1, 2});
}

TEST_CASE("one busy host listed first neither blocks the other hosts nor is starved by them") {
  // 60 tenants on host "big" first, then 60 over 30 small hosts; per-host 1, 4 workers.
  std::vector<std::string> hosts(60, "big");
  for (int i = 0; i < 60; ++i) hosts.push_back("small" + std::to_string(i % 30));
  const auto tenants = tenants_on(hosts);
  CountingReporter reporter;
  StopControl stop;
  HostWatch watch;
  std::mutex m;
  std::condition_variable small_started;
  bool any_small = false;
  bool big_waited_in_vain = false;
  FleetRunner runner({4, 1}, {}, std::chrono::milliseconds(1000), reporter, stop);
  runner.run(
      tenants,
      [&](const Tenant& t) {
        watch.enter(t);
        std::unique_lock<std::mutex> lock(m);
        if (t.connection_string == "big" && t.id == "t0") {
          // The other workers must start small hosts' tenants while big's first one runs.
          big_waited_in_vain =
              !small_started.wait_for(lock, std::chrono::seconds(5), [&] { return any_small; });
        } else if (t.connection_string != "big") {
          any_small = true;
          small_started.notify_all();
        }
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        watch.leave(t);
        return applied(t);
      },
      host_is_connection_string());
  CHECK_FALSE(big_waited_in_vain);
  CHECK(reporter.finished == 120);
  CHECK(watch.peak["big"] == 1);
  // big re-enters the ready queue ahead of every later tenant each time one of its tenants
  // finishes, so all 60 run, in order, while the small hosts share the other workers.
  std::vector<int> big_order;
  for (const std::string& id : watch.started) {
    if (index_of(id) < 60) big_order.push_back(index_of(id));
  }
  REQUIRE(big_order.size() == 60);
  CHECK(std::is_sorted(big_order.begin(), big_order.end()));
}

TEST_CASE("without a per-host cap tenants start in list order") {
  std::vector<std::string> hosts;
  for (int i = 0; i < 200; ++i) hosts.push_back("h" + std::to_string(i % 3));
  hosts[5] = "";  // an unknown host is never capped either
  const auto tenants = tenants_on(hosts);
  CountingReporter reporter;
  StopControl stop;
  HostWatch watch;
  FleetRunner runner({1, 0}, {}, std::chrono::milliseconds(1000), reporter, stop);
  runner.run(
      tenants,
      [&](const Tenant& t) {
        watch.enter(t);
        watch.leave(t);
        return applied(t);
      },
      host_is_connection_string());
  REQUIRE(watch.started.size() == 200);
  for (int i = 0; i < 200; ++i) CHECK(watch.started[i] == "t" + std::to_string(i));
}
