// What the summary files keep of a run's tenants (run_tally.hpp): the same counts, groups,
// percentiles and slowest tenants as sorting and grouping every outcome would give, within
// bounds that do not grow with the fleet (docs/PREFLIGHT.md, "The report").
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "outcome_builders.hpp"
#include "pgfleet/results/bounded_top.hpp"
#include "pgfleet/results/forecast.hpp"
#include "pgfleet/results/report_html.hpp"
#include "pgfleet/results/run_record.hpp"
#include "pgfleet/results/summary_markdown.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

struct Descending {
  bool operator()(int a, int b) const { return a > b; }
};

// A fleet of `count` tenants with spread-out durations (ties included): every seventh fails with
// one of three errors, the others run two migrations, the second locking a table.
std::vector<TenantOutcome> fleet(int count) {
  std::mt19937 random(42);
  std::uniform_int_distribution<long> ms(1, 400);
  std::vector<TenantOutcome> out;
  for (int i = 0; i < count; ++i) {
    const std::string id = "t" + std::to_string((i * 7919) % 100003);
    if (i % 7 == 3) {
      out.push_back(
          failed_with(id, 2, "42P0" + std::to_string(i % 3), "error " + std::to_string(i % 3)));
      out.back().duration_ms = ms(random);
      continue;
    }
    out.push_back(applied_with(
        id,
        {measured(1, "create", ms(random)),
         measured(2, "alter", ms(random), {{"public.items", "AccessExclusiveLock"}}, 1 + i % 3)}));
  }
  return out;
}

RunTally tally_of(const std::vector<TenantOutcome>& tenants) {
  RunTally tally;
  for (const TenantOutcome& t : tenants) tally.add(t);
  return tally;
}

}  // namespace

TEST_CASE("BoundedTop keeps the first K of a stream in order", "[tally]") {
  std::mt19937 random(7);
  std::vector<int> all;
  BoundedTop<int, Descending> top(10);
  for (int i = 0; i < 1000; ++i) {
    all.push_back(static_cast<int>(random() % 100000));
    top.add(all.back());
  }
  std::sort(all.begin(), all.end(), Descending());
  all.resize(10);
  CHECK(top.items() == all);

  BoundedTop<int, Descending> few(10);
  for (int v : {3, 9, 1}) few.add(v);
  CHECK(few.items() == std::vector<int>{9, 3, 1});
  BoundedTop<int, Descending> none(0);
  none.add(1);
  CHECK(none.items().empty());
}

TEST_CASE("the slowest tenants are the top of sorting every tenant", "[tally]") {
  const std::vector<TenantOutcome> tenants = fleet(3000);
  const RunTally tally = tally_of(tenants);
  std::vector<const TenantOutcome*> sorted;
  for (const TenantOutcome& t : tenants) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](const TenantOutcome* a, const TenantOutcome* b) {
    if (a->duration_ms != b->duration_ms) return a->duration_ms > b->duration_ms;
    return a->tenant_id < b->tenant_id;
  });
  const std::vector<FinishedTenant> slowest = tally.slowest(10);
  REQUIRE(slowest.size() == 10);
  for (std::size_t i = 0; i < slowest.size(); ++i) {
    INFO(i);
    CHECK(slowest[i].tenant_id == sorted[i]->tenant_id);
    CHECK(slowest[i].duration_ms == sorted[i]->duration_ms);
    CHECK(slowest[i].status == sorted[i]->status);
    CHECK(slowest[i].migrations == sorted[i]->migrations.size());
  }
  CHECK(tally.slowest(5).size() == 5);
  CHECK(tally.slowest(50).size() == RunTally::kSlowestKept);
  CHECK(tally_of({}).slowest(10).empty());
}

TEST_CASE("per-migration percentiles and slowest are those of every duration", "[tally]") {
  const std::vector<TenantOutcome> tenants = fleet(2000);
  const std::vector<MigrationForecast> forecast = tally_of(tenants).forecast();
  REQUIRE(forecast.size() == 2);
  for (const MigrationForecast& f : forecast) {
    INFO(f.version);
    std::vector<long> all;
    std::vector<SlowTenant> slow;
    for (const TenantOutcome& t : tenants) {
      for (const MigrationResult& m : t.migrations) {
        if (m.version != f.version) continue;
        all.push_back(m.duration_ms);
        slow.push_back({t.tenant_id, m.duration_ms});
      }
    }
    std::sort(all.begin(), all.end());
    std::sort(slow.begin(), slow.end(), SlowerTenantFirst());
    CHECK(f.tenants == static_cast<long>(all.size()));
    CHECK(f.durations_ms == all);
    CHECK(f.p50_ms == nearest_rank_percentile(all, 50));
    CHECK(f.p95_ms == nearest_rank_percentile(all, 95));
    CHECK(f.max_ms == all.back());
    REQUIRE(f.slowest.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) CHECK(f.slowest[i].tenant_id == slow[i].tenant_id);
  }
  const MigrationForecast& alter = forecast[1];
  CHECK(alter.attempts_max == 3);
  REQUIRE(alter.blocking.size() == 1);
  CHECK(alter.blocking[0].tenants == alter.tenants);
  CHECK(alter.blocking[0].max_ms == alter.max_ms);
}

TEST_CASE("failed tenants are grouped by error with twenty ids and the full count", "[tally]") {
  const std::vector<TenantOutcome> tenants = fleet(700);  // 100 failed over 3 errors
  const RunTally tally = tally_of(tenants);
  std::map<std::string, std::vector<std::string>> expected;  // message -> ids in order
  for (const TenantOutcome& t : tenants) {
    if (t.status == TenantStatus::failed) expected[t.error->message].push_back(t.tenant_id);
  }
  const std::vector<FailureGroup> groups = tally.failure_groups();
  REQUIRE(groups.size() == 3);
  long total = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const FailureGroup& g = groups[i];
    const std::vector<std::string>& ids = expected[g.message];
    INFO(g.message);
    CHECK(g.tenants == static_cast<long>(ids.size()));
    CHECK(g.tenant_ids == std::vector<std::string>(ids.begin(), ids.begin() + 20));
    if (i > 0) CHECK(groups[i - 1].tenants >= g.tenants);  // biggest first
    total += g.tenants;
  }
  CHECK(total == 100);
  CHECK(tally.failures_not_grouped() == 0);
  CHECK(tally.status_counts().at(TenantStatus::failed) == 100);
  CHECK(tally.status_counts().at(TenantStatus::applied) == 600);
  CHECK(tally.durations_ms().size() == 700);
  CHECK(tally.version_census().at(2) == 600);
  CHECK(tally.version_census().at(1) == 100);

  RunRecord r;
  for (const TenantOutcome& t : tenants) r.add(t);
  const std::string html = render_report_html(r);
  const long more = groups[0].tenants - 20;
  CHECK_THAT(html,
             Catch::Contains("<li class=\"muted\">and " + std::to_string(more) + " more</li>"));
  CHECK_THAT(render_summary_markdown(r),
             Catch::Contains("| " + std::to_string(groups[0].tenants) + " | "));
}

TEST_CASE("errors past the kinds kept are counted and still shown as a number", "[tally]") {
  RunRecord r;
  const long kinds = static_cast<long>(RunTally::kFailureKindsKept) + 3;
  for (long i = 0; i < kinds; ++i) {
    r.add(failed_with("f" + std::to_string(i), 1, "XX000", "unique " + std::to_string(i)));
  }
  r.add(failed_with("again", 1, "XX000", "unique 0"));  // a kind kept still counts
  CHECK(r.tally.failure_groups().size() == RunTally::kFailureKindsKept);
  CHECK(r.tally.failures_not_grouped() == 3);
  CHECK(r.tally.status_counts().at(TenantStatus::failed) == kinds + 1);
  CHECK_THAT(render_report_html(r), Catch::Contains("and 3 more tenant(s) with yet other errors"));
  CHECK_THAT(render_summary_markdown(r),
             Catch::Contains("and 3 more tenant(s) with yet other errors"));
}

TEST_CASE("a run record checks each tenant against its gates as it is added", "[tally]") {
  const std::vector<TenantOutcome> tenants = fleet(300);
  RunRecord r;
  r.gate_limits = GateLimits{390, 395};
  for (const TenantOutcome& t : tenants) r.add(t);
  const std::vector<GateTrip> all = check_gates(tenants, r.gate_limits);
  REQUIRE_FALSE(all.empty());
  REQUIRE(r.gates.size() == all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(r.gates[i].tenant_id == all[i].tenant_id);
    CHECK(r.gates[i].gate == all[i].gate);
    CHECK(r.gates[i].ms == all[i].ms);
  }
}
