// FleetRunner over a TenantFeed (docs/LEDGER.md, "Workers"): batches one after the other, the
// failure policy judged on the feed's counts (a whole shared run's), a stop decided elsewhere,
// canary batches; and the fixed list the single-process run uses.
#include <catch2/catch.hpp>
#include <deque>
#include <mutex>

#include "collecting_reporter.hpp"
#include "pgfleet/fleet/fleet_runner.hpp"
#include "pgfleet/fleet/tenant_feed.hpp"

using namespace pgfleet;
using pgfleet::test::Collector;

namespace {

std::vector<Tenant> tenants_named(const std::string& prefix, int n) {
  std::vector<Tenant> tenants;
  for (int i = 0; i < n; ++i) {
    Tenant t;
    t.id = prefix + std::to_string(i);
    tenants.push_back(t);
  }
  return tenants;
}

// A shared run as another worker would see it: batches handed out in turn, failures that
// other workers add to the counts, a stop they may decide.
class SharedFeed : public TenantFeed {
 public:
  std::deque<FeedBatch> batches;
  std::deque<Tenant> owned;  // what the batches point at
  long failed_elsewhere = 0;
  std::string stop_elsewhere;
  std::vector<std::string> stops;
  int batches_taken = 0;

  std::size_t fleet_size() const override { return 100; }
  FeedBatch next() override {
    if (batches.empty()) return {};
    ++batches_taken;
    FeedBatch batch = batches.front();
    batches.pop_front();
    return batch;
  }
  std::vector<const Tenant*> not_handed_out() override { return {}; }
  void add_batch(const std::vector<Tenant>& tenants, BatchKind kind) {
    FeedBatch batch;
    batch.kind = kind;
    for (const Tenant& t : tenants) batch.tenants.push_back(&owned.emplace_back(t));
    batches.push_back(batch);
  }
  FailureCounts counts(const FailureCounts& local) override {
    return {local.finished + failed_elsewhere, local.failed + failed_elsewhere};
  }
  std::string stopped_elsewhere() override { return stop_elsewhere; }
  void stop(const std::string& reason) override { stops.push_back(reason); }
};

FleetRunner::Job status_by_prefix() {
  return [](const Tenant& t) {
    TenantOutcome o;
    o.tenant_id = t.id;
    o.status = t.id[0] == 'f' ? TenantStatus::failed : TenantStatus::applied;
    return o;
  };
}

FleetRunner::HostOf no_host() {
  return [](const Tenant&) { return std::string(); };
}

}  // namespace

TEST_CASE("fleet runner: a feed's batches run one after the other until it has none", "[feed]") {
  SharedFeed feed;
  feed.add_batch(tenants_named("a", 3), BatchKind::regular);
  feed.add_batch(tenants_named("b", 2), BatchKind::regular);
  Collector reporter;
  StopControl stop;
  FleetRunner runner({2, 0}, {}, std::chrono::milliseconds(100), reporter, stop);
  const FleetResult result = runner.run(feed, status_by_prefix(), no_host());
  CHECK(result.statuses.size() == 5);
  CHECK(reporter.outcomes.size() == 5);
  CHECK(result.stop_reason.empty());
  CHECK(feed.stops.empty());
}

TEST_CASE("fleet runner: max-failures counts the failures of the whole shared run", "[feed]") {
  SharedFeed feed;
  feed.failed_elsewhere = 1;  // another worker failed one tenant already
  feed.add_batch(tenants_named("f", 1), BatchKind::regular);
  feed.add_batch(tenants_named("a", 3), BatchKind::regular);
  Collector reporter;
  StopControl stop;
  FailurePolicy policy;
  policy.max_failures = 2;
  FleetRunner runner({1, 0}, policy, std::chrono::milliseconds(100), reporter, stop);
  const FleetResult result = runner.run(feed, status_by_prefix(), no_host());
  CHECK(result.stop_reason == "max-failures reached (2 failed)");
  REQUIRE(feed.stops.size() == 1);
  CHECK(feed.stops[0] == result.stop_reason);
  CHECK(feed.batches_taken == 1);  // no batch claimed after the stop
}

TEST_CASE("fleet runner: a stop decided by another worker ends the claims", "[feed]") {
  SharedFeed feed;
  feed.stop_elsewhere = "max-failures reached (3 failed)";
  feed.add_batch(tenants_named("a", 3), BatchKind::regular);
  Collector reporter;
  StopControl stop;
  FleetRunner runner({2, 0}, {}, std::chrono::milliseconds(100), reporter, stop);
  const FleetResult result = runner.run(feed, status_by_prefix(), no_host());
  CHECK(result.stop_reason == feed.stop_elsewhere);
  CHECK(feed.batches_taken == 0);
  CHECK(reporter.outcomes.empty());
}

TEST_CASE("fleet runner: a canary batch that fails stops the run and tells the feed", "[feed]") {
  SharedFeed feed;
  feed.add_batch(tenants_named("f", 1), BatchKind::canary);
  feed.add_batch(tenants_named("a", 3), BatchKind::regular);
  Collector reporter;
  StopControl stop;
  FleetRunner runner({2, 0}, {}, std::chrono::milliseconds(100), reporter, stop);
  const FleetResult result = runner.run(feed, status_by_prefix(), no_host());
  CHECK(result.stop_reason == "canary failed");
  CHECK(feed.stops == std::vector<std::string>{"canary failed"});
  CHECK(result.statuses.size() == 1);
}

TEST_CASE("fixed tenant feed: the canaries first then the rest and nothing after", "[feed]") {
  const std::vector<Tenant> tenants = tenants_named("t", 5);
  FixedTenantFeed feed(tenants, 2);
  CHECK(feed.fleet_size() == 5);
  const FeedBatch canary = feed.next();
  CHECK(canary.kind == BatchKind::canary);
  REQUIRE(canary.tenants.size() == 2);
  CHECK(canary.tenants[0]->id == "t0");
  const FeedBatch rest = feed.next();
  CHECK(rest.kind == BatchKind::regular);
  REQUIRE(rest.tenants.size() == 3);
  CHECK(rest.tenants[0]->id == "t2");
  CHECK(feed.next().tenants.empty());
  CHECK(feed.not_handed_out().empty());
}

TEST_CASE("fixed tenant feed: after a stop what was not handed out comes back once", "[feed]") {
  const std::vector<Tenant> tenants = tenants_named("t", 4);
  FixedTenantFeed feed(tenants, 1);
  feed.next();
  const std::vector<const Tenant*> rest = feed.not_handed_out();
  CHECK(rest.size() == 3);
  CHECK(feed.not_handed_out().empty());
  CHECK(feed.counts({4, 1}).failed == 1);
}
