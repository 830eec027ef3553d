// lint with what the fleet told: lock findings graded by the largest copy of their table,
// version-dependent rules judged against the servers, a measured lock hold quoted, --pending.
#include <algorithm>
#include <catch2/catch.hpp>

#include "migration_builders.hpp"
#include "pgfleet/migrations/lint.hpp"

using namespace pgfleet;
using pgfleet::test::make_migration;

namespace {

LintFleet fleet_on(int server_version_num) {
  LintFleet fleet;
  fleet.server_versions[server_version_num] = {3, "acme"};
  fleet.big_table_rows = 1000;
  return fleet;
}

RelationSize size_of(const std::string& table, double rows, const std::string& tenant) {
  RelationSize size;
  size.table = table;
  size.rows = rows;
  size.bytes = 65536;
  size.tenant_id = tenant;
  return size;
}

std::vector<LintFinding> lint_sql(const std::string& sql, const LintConfig& config) {
  return lint(MigrationSet({make_migration(7, "m", sql, "SELECT 1;")}), config);
}

std::vector<LintFinding> of_rule(const std::vector<LintFinding>& all, const std::string& rule) {
  std::vector<LintFinding> found;
  std::copy_if(all.begin(), all.end(), std::back_inserter(found),
               [&](const LintFinding& f) { return f.rule == rule; });
  return found;
}

LintConfig with_fleet(const LintFleet& fleet) {
  LintConfig config;
  config.fleet = fleet;
  return config;
}

const std::string kIndex = "CREATE INDEX accounts_email ON accounts (email);";

}  // namespace

TEST_CASE("lint fleet: a lock finding on a small table is info and on a big one names its rows") {
  LintFleet fleet = fleet_on(150004);
  fleet.largest["accounts"] = size_of("accounts", 120, "acme");
  auto small = of_rule(lint_sql(kIndex, with_fleet(fleet)), "create-index-not-concurrently");
  REQUIRE(small.size() == 1);
  CHECK(small[0].severity == LintSeverity::info);
  CHECK(small[0].table == "accounts");
  CHECK(small[0].message.find("small table") != std::string::npos);
  CHECK(small[0].message.find("~120 rows") != std::string::npos);

  fleet.largest["accounts"] = size_of("accounts", 2400000, "globex");
  auto big = of_rule(lint_sql(kIndex, with_fleet(fleet)), "create-index-not-concurrently");
  REQUIRE(big.size() == 1);
  CHECK(big[0].severity == LintSeverity::warning);
  CHECK(big[0].message.rfind("accounts has ~2400000 rows (64 kB) on tenant globex", 0) == 0);
}

TEST_CASE("lint fleet: a table never analyzed or not found keeps its severity") {
  LintFleet fleet = fleet_on(150004);
  fleet.largest["accounts"] = size_of("accounts", -1, "acme");
  auto unknown = of_rule(lint_sql(kIndex, with_fleet(fleet)), "create-index-not-concurrently");
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0].severity == LintSeverity::warning);
  CHECK(unknown[0].message.find("never analyzed") != std::string::npos);
  fleet.largest.clear();
  auto missing = of_rule(lint_sql(kIndex, with_fleet(fleet)), "create-index-not-concurrently");
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].severity == LintSeverity::warning);
}

TEST_CASE("lint fleet: an index is graded by the table it is on and drop-table is not graded") {
  LintFleet fleet = fleet_on(150004);
  fleet.largest["accounts_email"] = size_of("accounts", 5000, "acme");
  fleet.largest["old"] = size_of("old", 1, "acme");
  const auto found = lint_sql("DROP INDEX accounts_email;\n", with_fleet(fleet));
  const auto drop = of_rule(found, "drop-index-not-concurrently");
  REQUIRE(drop.size() == 1);
  CHECK(drop[0].severity == LintSeverity::warning);
  CHECK(drop[0].message.find("accounts (the table of accounts_email) has ~5000 rows") == 0);
  const auto table = of_rule(lint_sql("DROP TABLE old;", with_fleet(fleet)), "drop-table");
  REQUIRE(table.size() == 1);
  CHECK(table[0].severity == LintSeverity::warning);
}

TEST_CASE("lint fleet: pgfleet.json severity wins over the size grading") {
  LintFleet fleet = fleet_on(150004);
  fleet.largest["accounts"] = size_of("accounts", 3, "acme");
  LintConfig config = with_fleet(fleet);
  config.severity["create-index-not-concurrently"] = LintSeverity::error;
  auto found = of_rule(lint_sql(kIndex, config), "create-index-not-concurrently");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == LintSeverity::error);
}

TEST_CASE("lint rule concurrently-pg14-corruption: only on PostgreSQL 14.0 to 14.3") {
  const std::string sql =
      "-- pgfleet: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON accounts (a);\n";
  const std::string rule = "concurrently-pg14-corruption";
  auto bad = of_rule(lint_sql(sql, with_fleet(fleet_on(140002))), rule);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].severity == LintSeverity::error);
  CHECK(bad[0].message.find("tenant acme runs PostgreSQL 14.2") == 0);
  LintFleet mixed = fleet_on(130010);
  mixed.server_versions[140001] = {1, "initech"};
  CHECK(of_rule(lint_sql(sql, with_fleet(mixed)), rule).size() == 1);
  CHECK(of_rule(lint_sql(sql, with_fleet(fleet_on(140004))), rule).empty());
  CHECK(of_rule(lint_sql(sql, LintConfig{}), rule).empty());
  const std::string reindex = "-- pgfleet: no-transaction\nREINDEX INDEX CONCURRENTLY i;\n";
  CHECK(of_rule(lint_sql(reindex, with_fleet(fleet_on(140000))), rule).size() == 1);
}

TEST_CASE("lint fleet: before PostgreSQL 11 any ADD COLUMN default rewrites the table") {
  const std::string sql = "ALTER TABLE accounts ADD COLUMN plan text DEFAULT 'free';";
  const std::string rule = "add-column-rewrites-table";
  CHECK(of_rule(lint_sql(sql, with_fleet(fleet_on(100014))), rule).size() == 1);
  CHECK(of_rule(lint_sql(sql, with_fleet(fleet_on(110000))), rule).empty());
  CHECK(of_rule(lint_sql(sql, LintConfig{}), rule).empty());
}

TEST_CASE("lint fleet: before PostgreSQL 12 a validated CHECK does not spare SET NOT NULL") {
  const std::string sql =
      "ALTER TABLE accounts ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\n"
      "ALTER TABLE accounts VALIDATE CONSTRAINT c;\n"
      "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n";
  const std::vector<Migration> set = {
      make_migration(1, "a",
                     "ALTER TABLE accounts ADD CONSTRAINT c CHECK (email IS NOT NULL) "
                     "NOT VALID;",
                     "SELECT 1;"),
      make_migration(2, "b",
                     "ALTER TABLE accounts VALIDATE CONSTRAINT c;\n"
                     "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n",
                     "SELECT 1;")};
  const auto on = [&](int version) {
    return of_rule(lint(MigrationSet(set), with_fleet(fleet_on(version))), "set-not-null").size();
  };
  CHECK(on(110009) == 1);
  CHECK(on(120000) == 0);
  CHECK(!sql.empty());
}

TEST_CASE("lint fleet: REINDEX and DETACH note a fleet that lacks CONCURRENTLY") {
  const auto reindex = of_rule(lint_sql("REINDEX TABLE accounts;", with_fleet(fleet_on(110020))),
                               "reindex-not-concurrently");
  REQUIRE(reindex.size() == 1);
  CHECK(reindex[0].message.find("lowest version is PostgreSQL 11.20 (tenant acme)") !=
        std::string::npos);
  const auto detach = of_rule(
      lint_sql("ALTER TABLE events DETACH PARTITION events_2020;", with_fleet(fleet_on(130000))),
      "detach-partition-not-concurrently");
  REQUIRE(detach.size() == 1);
  CHECK(detach[0].message.find("CONCURRENTLY is not available") != std::string::npos);
  const auto modern = of_rule(lint_sql("REINDEX TABLE accounts;", with_fleet(fleet_on(150000))),
                              "reindex-not-concurrently");
  REQUIRE(modern.size() == 1);
  CHECK(modern[0].message.find("not available") == std::string::npos);
}

TEST_CASE("lint fleet: a lock hold measured by an earlier run is quoted") {
  LintFleet fleet = fleet_on(150004);
  fleet.largest["accounts"] = size_of("accounts", 5000, "acme");
  MeasuredLock lock;
  lock.version = 7;
  lock.relation = "public.accounts";
  lock.mode = "ShareLock";
  lock.blocks = "writes";
  lock.max_ms = 1234;
  lock.tenants = 12;
  lock.run_id = "20261204T100000Z-abcd";
  fleet.measured.push_back(lock);
  lock.version = 8;  // another migration's
  lock.max_ms = 99;
  fleet.measured.push_back(lock);
  auto found = of_rule(lint_sql(kIndex, with_fleet(fleet)), "create-index-not-concurrently");
  REQUIRE(found.size() == 1);
  CHECK(found[0].message.find("run 20261204T100000Z-abcd measured ShareLock on public.accounts "
                              "held up to 1234 ms (blocking writes, 12 tenant(s))") !=
        std::string::npos);
  CHECK(found[0].message.find("99 ms") == std::string::npos);
}

TEST_CASE("lint pending: only the listed versions are reported and earlier ones still read") {
  const std::vector<Migration> set = {
      make_migration(1, "a", "CREATE TABLE t (id int, name varchar(10));\nDROP TABLE old;",
                     "SELECT 1;"),
      make_migration(2, "b", "ALTER TABLE t ALTER COLUMN name TYPE text;", "SELECT 1;"),
      make_migration(3, "c", "CREATE INDEX t_name ON t (name);", "SELECT 1;")};
  LintConfig config;
  config.only_versions = std::set<Version>{2, 3};
  const auto found = lint(MigrationSet(set), config);
  REQUIRE(found.size() == 1);
  CHECK(found[0].rule == "create-index-not-concurrently");
  CHECK(found[0].version == 3);
  config.only_versions = std::set<Version>{};
  CHECK(lint(MigrationSet(set), config).empty());
}

TEST_CASE("server_version_text reads server_version_num") {
  CHECK(server_version_text(150004) == "15.4");
  CHECK(server_version_text(140000) == "14.0");
  CHECK(server_version_text(90624) == "9.6.24");
}

TEST_CASE("lint fleet: alter-column-type on an undeclared column is judged by the fleet's type") {
  const std::string to_text = "ALTER TABLE profiles ALTER COLUMN handle TYPE text;";
  const auto unknown = of_rule(lint_sql(to_text, LintConfig{}), "alter-column-type");
  REQUIRE(unknown.size() == 1);  // without the fleet the old type is unknown
  CHECK(unknown[0].retyped_column == "handle");
  CHECK(unknown[0].table == "profiles");

  LintFleet fleet = fleet_on(150004);
  fleet.column_types[{"profiles", "handle"}] = {{"character varying(20)", "acme"}};
  fleet.column_types[{"profiles", "id"}] = {{"integer", "acme"}};
  fleet.largest["profiles"] = size_of("profiles", 5000, "acme");
  CHECK(of_rule(lint_sql(to_text, with_fleet(fleet)), "alter-column-type").empty());
  CHECK(of_rule(lint_sql("ALTER TABLE profiles ALTER handle TYPE varchar(40);", with_fleet(fleet)),
                "alter-column-type")
            .empty());

  const auto widened =
      of_rule(lint_sql("ALTER TABLE profiles ALTER COLUMN id TYPE bigint;", with_fleet(fleet)),
              "alter-column-type");
  REQUIRE(widened.size() == 1);
  CHECK(widened[0].severity == LintSeverity::warning);
  CHECK(widened[0].message.rfind("profiles has ~5000 rows", 0) == 0);
  CHECK_THAT(widened[0].message, Catch::Contains("the column is integer on tenant acme"));
  fleet.largest["profiles"] = size_of("profiles", 10, "acme");
  const auto small =
      of_rule(lint_sql("ALTER TABLE profiles ALTER COLUMN id TYPE bigint;", with_fleet(fleet)),
              "alter-column-type");
  REQUIRE(small.size() == 1);
  CHECK(small[0].severity == LintSeverity::info);
  const auto using_ =
      of_rule(lint_sql("ALTER TABLE profiles ALTER handle TYPE text USING trim(handle);",
                       with_fleet(fleet)),
              "alter-column-type");
  CHECK(using_.size() == 1);
}

TEST_CASE("lint fleet: tenants that disagree on a column's type are judged by the worst") {
  LintFleet fleet = fleet_on(150004);
  fleet.column_types[{"profiles", "handle"}] = {{"character varying(20)", "acme"},
                                                {"character(20)", "globex"}};
  const auto found =
      of_rule(lint_sql("ALTER TABLE profiles ALTER COLUMN handle TYPE text;", with_fleet(fleet)),
              "alter-column-type");
  REQUIRE(found.size() == 1);
  CHECK_THAT(found[0].message, Catch::Contains("the column is character(20) on tenant globex"));
}

TEST_CASE("lint fleet: a type earlier migrations declare wins over the fleet's") {
  LintFleet fleet = fleet_on(150004);
  fleet.column_types[{"profiles", "handle"}] = {{"integer", "acme"}};
  const MigrationSet set({make_migration(1, "a", "CREATE TABLE profiles (handle varchar(20));"),
                          make_migration(2, "b", "ALTER TABLE profiles ALTER handle TYPE text;")});
  CHECK(of_rule(lint(set, with_fleet(fleet)), "alter-column-type").empty());
  const MigrationSet to_int({make_migration(1, "a", "CREATE TABLE profiles (id int4);"),
                             make_migration(2, "b", "ALTER TABLE profiles ALTER id TYPE integer;"),
                             make_migration(3, "c", "ALTER TABLE profiles ALTER id TYPE bigint;")});
  const auto found = of_rule(lint(to_int, LintConfig{}), "alter-column-type");
  REQUIRE(found.size() == 1);  // int4 → integer is no change at all
  CHECK(found[0].version == 3);
  CHECK(found[0].retyped_column.empty());  // declared: the fleet is not asked
}
