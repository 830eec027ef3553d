// The forecast math (docs/PREFLIGHT.md, "Forecast"): percentiles, what a lock mode blocks,
// blocking locks over tenants, the slowest tenants, the histogram, and the gates.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "outcome_builders.hpp"
#include "pgfleet/results/console_reporter.hpp"
#include "pgfleet/results/forecast.hpp"
#include "pgfleet/results/forecast_table.hpp"
#include "pgfleet/results/gates.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;

TEST_CASE("nearest-rank percentiles of one to a hundred values", "[forecast]") {
  std::vector<long> hundred;
  for (long v = 1; v <= 100; ++v) hundred.push_back(v);
  CHECK(nearest_rank_percentile(hundred, 50) == 50);
  CHECK(nearest_rank_percentile(hundred, 95) == 95);
  CHECK(nearest_rank_percentile(hundred, 100) == 100);
  CHECK(nearest_rank_percentile({7}, 50) == 7);
  CHECK(nearest_rank_percentile({7}, 95) == 7);
  CHECK(nearest_rank_percentile({1, 2}, 50) == 1);
  CHECK(nearest_rank_percentile({1, 2}, 95) == 2);
  CHECK(nearest_rank_percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 95) == 10);
}

TEST_CASE("lock modes are classified by the PostgreSQL conflict table", "[forecast]") {
  CHECK(lock_impact("AccessExclusiveLock") == LockImpact::reads_and_writes);
  CHECK(lock_impact("ExclusiveLock") == LockImpact::writes);
  CHECK(lock_impact("ShareRowExclusiveLock") == LockImpact::writes);
  CHECK(lock_impact("ShareLock") == LockImpact::writes);
  CHECK(lock_impact("ShareUpdateExclusiveLock") == LockImpact::none);
  CHECK(lock_impact("RowExclusiveLock") == LockImpact::none);
  CHECK(lock_impact("RowShareLock") == LockImpact::none);
  CHECK(lock_impact("AccessShareLock") == LockImpact::none);
  CHECK(lock_impact("accessexclusivelock") == LockImpact::none);  // names as pg_locks has them
  CHECK(lock_impact("") == LockImpact::none);
  CHECK(std::string(to_string(LockImpact::reads_and_writes)) == "reads+writes");
  CHECK(std::string(to_string(LockImpact::writes)) == "writes");
}

TEST_CASE("the forecast aggregates each migration over the tenants that ran it", "[forecast]") {
  std::vector<TenantOutcome> tenants;
  for (long i = 1; i <= 20; ++i) {
    tenants.push_back(applied_with(
        "t" + std::to_string(i),
        {measured(1, "create_items", i),
         measured(2, "alter_items", 10 * i,
                  {{"public.items", "AccessExclusiveLock"}, {"public.users", "RowShareLock"}},
                  i == 7 ? 3 : 1)}));
  }
  tenants.push_back(failed_with("bad", 3, "42P01", "relation \"x\" does not exist"));
  tenants.back().migrations = {measured(2, "alter_items", 500, {{"public.items", "ShareLock"}})};

  const auto forecast = build_forecast(tenants);
  REQUIRE(forecast.size() == 2);
  CHECK(forecast[0].version == 1);
  CHECK(forecast[0].tenants == 20);
  CHECK(forecast[0].p50_ms == 10);
  CHECK(forecast[0].p95_ms == 19);
  CHECK(forecast[0].max_ms == 20);
  CHECK(forecast[0].attempts_max == 1);
  CHECK(forecast[0].blocking.empty());

  const MigrationForecast& alter = forecast[1];
  CHECK(alter.name == "alter_items");
  CHECK(alter.tenants == 21);
  CHECK(alter.max_ms == 500);
  CHECK(alter.attempts_max == 3);
  REQUIRE(alter.blocking.size() == 2);  // RowShareLock blocks neither reads nor writes
  CHECK(alter.blocking[0].relation == "public.items");
  CHECK(alter.blocking[0].mode == "AccessExclusiveLock");
  CHECK(alter.blocking[0].blocks == LockImpact::reads_and_writes);
  CHECK(alter.blocking[0].tenants == 20);
  CHECK(alter.blocking[0].max_ms == 200);
  CHECK(alter.blocking[1].mode == "ShareLock");
  CHECK(alter.blocking[1].blocks == LockImpact::writes);
  CHECK(alter.blocking[1].max_ms == 500);
  REQUIRE(alter.slowest.size() == 5);
  CHECK(alter.slowest[0].tenant_id == "bad");
  CHECK(alter.slowest[1].tenant_id == "t20");
  CHECK(alter.slowest[4].tenant_id == "t17");
  CHECK(alter.durations_ms.size() == 21);
  CHECK(std::is_sorted(alter.durations_ms.begin(), alter.durations_ms.end()));
}

TEST_CASE("slowest tenants with equal times are in id order and at most five", "[forecast]") {
  std::vector<TenantOutcome> tenants;
  for (const char* id : {"c", "a", "b"}) tenants.push_back(applied_with(id, {measured(1, "m", 9)}));
  const auto forecast = build_forecast(tenants);
  REQUIRE(forecast.size() == 1);
  REQUIRE(forecast[0].slowest.size() == 3);
  CHECK(forecast[0].slowest[0].tenant_id == "a");
  CHECK(forecast[0].slowest[2].tenant_id == "c");
  CHECK(build_forecast({}).empty());
}

TEST_CASE("summary.json forecast has the documented shape", "[forecast]") {
  const auto forecast = build_forecast(
      {applied_with("t1", {measured(4, "add_col", 120, {{"public.t", "AccessExclusiveLock"}})})});
  const json j = forecast_to_json(forecast);
  REQUIRE(j.size() == 1);
  CHECK(j[0] == json::parse(R"({"version":4,"name":"add_col","tenants":1,
      "duration_ms":{"p50":120,"p95":120,"max":120},"attempts_max":1,
      "blocking":[{"relation":"public.t","mode":"AccessExclusiveLock","blocks":"reads+writes",
                   "tenants":1,"max_ms":120}],
      "slowest":[{"tenant_id":"t1","duration_ms":120}]})"));
}

TEST_CASE("the duration histogram covers lowest to highest in equal bins", "[forecast]") {
  CHECK(duration_histogram({}, 10).empty());
  const auto one = duration_histogram({5, 5, 5}, 10);
  REQUIRE(one.size() == 1);
  CHECK(one[0].count == 3);
  const auto bins = duration_histogram({0, 1, 2, 50, 99}, 10);
  REQUIRE(bins.size() == 10);
  CHECK(bins[0].from_ms == 0);
  CHECK(bins[0].to_ms == 9);
  CHECK(bins[0].count == 3);
  CHECK(bins[5].count == 1);
  CHECK(bins[9].to_ms == 99);
  CHECK(bins[9].count == 1);
  long total = 0;
  for (const auto& b : duration_histogram({3, 17, 17, 1000, 20000}, 12)) total += b.count;
  CHECK(total == 5);
}

TEST_CASE("gates trip on a long write-blocking lock and a long migration only", "[gates]") {
  const std::vector<TenantOutcome> tenants = {
      applied_with("fast", {measured(1, "alter", 50, {{"public.t", "AccessExclusiveLock"}})}),
      applied_with("slow", {measured(1, "alter", 400,
                                     {{"public.t", "AccessExclusiveLock"},
                                      {"public.u", "AccessShareLock"},
                                      {"public.v", "ShareLock"}})}),
      applied_with("reads", {measured(2, "select_only", 900, {{"public.t", "RowShareLock"}})}),
  };
  CHECK(check_gates(tenants, GateLimits{}).empty());

  const auto lock_trips = check_gates(tenants, GateLimits{100, std::nullopt});
  REQUIRE(lock_trips.size() == 2);  // AccessShareLock and RowShareLock block no write
  CHECK(lock_trips[0].gate == Gate::max_lock_hold);
  CHECK(lock_trips[0].tenant_id == "slow");
  CHECK(lock_trips[0].relation == "public.t");
  CHECK(lock_trips[0].mode == "AccessExclusiveLock");
  CHECK(lock_trips[0].ms == 400);
  CHECK(lock_trips[0].limit_ms == 100);
  CHECK(lock_trips[1].relation == "public.v");

  const auto duration_trips = check_gates(tenants, GateLimits{std::nullopt, 400});
  REQUIRE(duration_trips.size() == 1);  // longer than the limit, not equal to it
  CHECK(duration_trips[0].gate == Gate::max_duration);
  CHECK(duration_trips[0].tenant_id == "reads");
  CHECK(duration_trips[0].version == 2);

  const json j = gates_to_json(duration_trips);
  CHECK(j[0]["gate"] == "max-duration");
  CHECK(j[0]["migration"] == 2);
  CHECK(j[0]["tenant"] == "reads");
  CHECK(j[0]["relation"].is_null());
  CHECK(j[0]["ms"] == 900);
  CHECK(gates_to_json(lock_trips)[0]["mode"] == "AccessExclusiveLock");
}

TEST_CASE("gate limits go to summary.json and come back", "[gates]") {
  const GateLimits limits{1500, std::nullopt};
  const json j = gate_limits_to_json(limits);
  CHECK(j["max_lock_hold_ms"] == 1500);
  CHECK(j["max_duration_ms"].is_null());
  const GateLimits back = gate_limits_from_json(j);
  CHECK(back.max_lock_hold_ms == 1500);
  CHECK_FALSE(back.max_duration_ms);
  CHECK_FALSE(gate_limits_from_json(json("garbage")).max_lock_hold_ms);
}

TEST_CASE("the console forecast table lists migrations locks and gate trips", "[forecast]") {
  RunMeasures m;
  m.forecast = build_forecast({applied_with(
      "t\x1b[31m", {measured(3, "alter_items", 1500, {{"public.items", "AccessExclusiveLock"}})})});
  m.gate_limits.max_lock_hold_ms = 1000;
  m.gates = check_gates(
      {applied_with("t1", {measured(3, "alter_items", 1500, {{"public.items", "ShareLock"}})})},
      m.gate_limits);
  const std::string text = format_forecast_table(m);
  CHECK_THAT(text, Catch::Contains("alter_items"));
  CHECK_THAT(text, Catch::Contains("1.5s"));
  CHECK_THAT(text, Catch::Contains("blocks reads+writes on public.items"));
  CHECK_THAT(text, Catch::Contains("gates: 1 trip(s)"));
  CHECK_THAT(text, Catch::Contains("--max-lock-hold 1.0s: 3 alter_items on t1 held ShareLock"));
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(format_ms(999) == "999ms");
  CHECK(format_ms(61'000) == "1.0min");
  CHECK_THAT(format_forecast_table(RunMeasures{}), Catch::Contains("no migration ran"));
}

namespace {

RunMeasures measured_run(std::optional<long> max_duration_ms) {
  RunMeasures m;
  const std::vector<TenantOutcome> tenants = {applied_with("t1", {measured(1, "add_col", 300)})};
  m.forecast = build_forecast(tenants);
  m.gate_limits.max_duration_ms = max_duration_ms;
  m.gates = check_gates(tenants, m.gate_limits);
  return m;
}

std::string console_end(ConsoleMode mode, ForecastTable table, const RunMeasures& measures) {
  std::ostringstream out;
  ConsoleReporter console(
      out, ConsoleOptions{mode, Verbosity::normal, "", table, [measures] { return measures; }});
  RunInfo info;
  info.command = Command::apply;
  info.tenant_count = 1;
  console.run_started(info);
  console.tenant_finished(applied_with("t1", {measured(1, "add_col", 300)}));
  console.run_finished(RunSummary{});
  return out.str();
}

}  // namespace

TEST_CASE("the console ends with the forecast: always on a preflight even quiet", "[forecast]") {
  const RunMeasures run = measured_run(std::nullopt);
  CHECK_THAT(console_end(ConsoleMode::plain, ForecastTable::when_measured, run),
             Catch::Contains("forecast:"));
  CHECK(console_end(ConsoleMode::quiet, ForecastTable::when_measured, run).empty());
  CHECK_THAT(console_end(ConsoleMode::quiet, ForecastTable::always, run),
             Catch::Contains("add_col"));
  CHECK(console_end(ConsoleMode::plain, ForecastTable::hidden, run).find("forecast:") ==
        std::string::npos);
  // Nothing ran and no gate: no table on a plain apply, "no migration ran" on a preflight.
  CHECK(console_end(ConsoleMode::plain, ForecastTable::when_measured, RunMeasures{})
            .find("forecast:") == std::string::npos);
  CHECK_THAT(console_end(ConsoleMode::plain, ForecastTable::always, RunMeasures{}),
             Catch::Contains("no migration ran"));
  // A tripped gate is shown even with --quiet: it is why the run exits 1.
  CHECK_THAT(console_end(ConsoleMode::quiet, ForecastTable::when_measured, measured_run(100)),
             Catch::Contains("gates: 1 trip(s)"));
}
