// What lint gathers from the fleet: the collector (largest copy, versions, what some tenant
// lacks) and the locks an earlier run measured, read back from its summary.json.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "pgfleet/fleet/lint_facts.hpp"
#include "pgfleet/results/measured_locks.hpp"

using namespace pgfleet;
namespace fs = std::filesystem;

namespace {

TenantLintFacts facts_of(const std::string& id, int version, double rows,
                         std::optional<std::set<Version>> applied) {
  TenantLintFacts facts;
  facts.tenant_id = id;
  facts.server_version_num = version;
  RelationSize size;
  size.table = "accounts";
  size.rows = rows;
  size.bytes = 8192;
  size.tenant_id = id;
  facts.relations["accounts"] = size;
  facts.applied = std::move(applied);
  return facts;
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("lint facts: the collector keeps the largest copy and the lowest version") {
  LintFactsCollector collector;
  collector.add(facts_of("a", 150004, 10, std::nullopt));
  collector.add(facts_of("b", 140002, 5000, std::nullopt));
  collector.add(facts_of("c", 150004, 20, std::nullopt));
  collector.add_unread("d", "connection refused");
  const LintFleet fleet = collector.fleet(1000);
  CHECK(fleet.big_table_rows == 1000);
  CHECK(fleet.lowest_version() == 140002);
  CHECK(fleet.server_versions.at(150004).tenants == 2);
  CHECK(fleet.server_versions.at(150004).example_tenant == "a");
  CHECK(fleet.largest.at("accounts").tenant_id == "b");
  CHECK(fleet.runs_version_in(140000, 140004));
  CHECK_FALSE(fleet.runs_version_in(140004, 150000));
  CHECK(collector.tenants_read() == 3);
  CHECK(collector.unread() == std::vector<std::string>{"d: connection refused"});
}

TEST_CASE("lint facts: the versions some tenant lacks by its history or its plan") {
  LintFactsCollector collector;
  CHECK(collector.lacking({1, 2, 3}).empty());
  collector.add(facts_of("a", 150004, 1, std::set<Version>{1, 2, 3}));
  CHECK(collector.lacking({1, 2, 3}).empty());
  collector.add(facts_of("b", 150004, 1, std::set<Version>{1}));
  CHECK(collector.lacking({1, 2, 3}) == std::set<Version>{2, 3});
  collector.add(facts_of("c", 150004, 1, std::set<Version>{}));  // no history table
  CHECK(collector.lacking({1, 2, 3}) == std::set<Version>{1, 2, 3});

  LintFactsCollector plan;
  plan.add_pending({4, 5});
  plan.add_pending({5});
  CHECK(plan.lacking({}) == std::set<Version>{4, 5});
}

TEST_CASE("measured locks: the newest run with a forecast is read and others skipped") {
  const fs::path dir = fs::temp_directory_path() / "pgfleet_measured_locks_test";
  fs::remove_all(dir);
  CHECK(read_measured_locks(dir.string()).empty());  // no directory at all
  write(dir / "20261201T100000Z-aaaa" / "summary.json",
        R"({"forecast": [{"version": 7, "blocking": [{"relation": "public.old", "mode":
        "AccessExclusiveLock", "blocks": "reads+writes", "tenants": 2, "max_ms": 10}]}]})");
  write(dir / "20261202T100000Z-bbbb" / "summary.json",
        R"({"forecast": [{"version": "0007", "name": "idx", "blocking": [{"relation":
        "public.accounts", "mode": "ShareLock", "blocks": "writes", "tenants": 12, "max_ms":
        840}, {"relation": 5}]}, {"version": 8, "blocking": "not a list"}]})");
  write(dir / "20261203T100000Z-cccc" / "summary.json", R"({"run_id": "no forecast"})");
  write(dir / "20261204T100000Z-dddd" / "summary.json", "{ not json");
  const std::vector<MeasuredLock> locks = read_measured_locks(dir.string());
  REQUIRE(locks.size() == 1);
  CHECK(locks[0].version == 7);
  CHECK(locks[0].relation == "public.accounts");
  CHECK(locks[0].mode == "ShareLock");
  CHECK(locks[0].blocks == "writes");
  CHECK(locks[0].tenants == 12);
  CHECK(locks[0].max_ms == 840);
  CHECK(locks[0].run_id == "20261202T100000Z-bbbb");
  fs::remove_all(dir);
}

TEST_CASE("lint facts: the questions of the findings and every column type the tenants have") {
  LintFinding index{"1.up.sql", 1, LintSeverity::warning, "create-index-not-concurrently", "",
                    1,          ""};
  index.table = "accounts";
  LintFinding retype = index;
  retype.rule = "alter-column-type";
  retype.table = "Profiles";
  retype.retyped_column = "handle";
  const LintQuestions ask = lint_questions({index, retype, retype});
  CHECK(ask.relations == std::vector<std::string>{"Profiles", "accounts"});
  CHECK(ask.columns == std::vector<TableColumn>{{"Profiles", "handle"}});

  LintFactsCollector collector;
  TenantLintFacts a = facts_of("a", 150004, 10, std::nullopt);
  a.column_types[{"Profiles", "handle"}] = "character varying(20)";
  TenantLintFacts b = facts_of("b", 150004, 10, std::nullopt);
  b.column_types[{"Profiles", "handle"}] = "integer";
  TenantLintFacts c = facts_of("c", 150004, 10, std::nullopt);
  c.column_types[{"Profiles", "handle"}] = "integer";
  for (const TenantLintFacts* facts : {&a, &b, &c}) collector.add(*facts);
  const auto types = collector.fleet(1000).column_types.at({"Profiles", "handle"});
  CHECK(types ==
        std::map<std::string, std::string>{{"character varying(20)", "a"}, {"integer", "b"}});
}
