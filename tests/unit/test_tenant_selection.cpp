#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "pgfleet/fleet/tenant_selection.hpp"
#include "pgfleet/util/fnv1a.hpp"

using namespace pgfleet;

namespace {

std::vector<Tenant> fleet(int n) {
  std::vector<Tenant> tenants;
  for (int i = 0; i < n; ++i)
    tenants.push_back({"tenant_" + std::to_string(i), "postgres://h/x", {}, {}, ""});
  return tenants;
}

std::vector<std::string> ids(const std::vector<Tenant>& tenants) {
  std::vector<std::string> out;
  for (const auto& t : tenants) out.push_back(t.id);
  return out;
}

}  // namespace

TEST_CASE("FNV-1a 64 matches its published test vectors") {
  CHECK(util::fnv1a_64("") == 0xcbf29ce484222325ULL);
  CHECK(util::fnv1a_64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(util::fnv1a_64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("flag --shard K/N is parsed with clear errors") {
  const ShardSpec s = parse_shard("2/8");
  CHECK(s.index == 2);
  CHECK(s.count == 8);
  CHECK(parse_shard("0/1").count == 1);
  CHECK_THROWS_WITH(parse_shard("8/8"), Catch::Contains("0-based"));
  CHECK_THROWS_WITH(parse_shard("0/0"), Catch::Contains("at least 1"));
  CHECK_THROWS_WITH(parse_shard("1"), Catch::Contains("K/N"));
  CHECK_THROWS_AS(parse_shard("-1/4"), std::invalid_argument);
  CHECK_THROWS_AS(parse_shard("a/b"), std::invalid_argument);
  CHECK_THROWS_AS(parse_shard("1/"), std::invalid_argument);
  CHECK_THROWS_AS(parse_shard("1/2/3"), std::invalid_argument);
  CHECK_THROWS_AS(parse_shard("99999999999999999999/2"), std::invalid_argument);
}

TEST_CASE("flag --shard index/N takes K from JOB_COMPLETION_INDEX") {
  const ShardSpec s = parse_shard("index/3", std::string("2"));
  CHECK(s.index == 2);
  CHECK(s.count == 3);
  CHECK(parse_shard("1/4", std::nullopt).index == 1);  // K/N needs no variable
  CHECK(parse_shard("1/4", std::string("3")).index == 1);
  CHECK_THROWS_WITH(parse_shard("index/3", std::nullopt), Catch::Contains("not set"));
  CHECK_THROWS_WITH(parse_shard("index/3", std::string("")), Catch::Contains("a number"));
  CHECK_THROWS_WITH(parse_shard("index/3", std::string("x1")), Catch::Contains("a number"));
  CHECK_THROWS_WITH(parse_shard("index/3", std::string("-1")), Catch::Contains("a number"));
  CHECK_THROWS_WITH(parse_shard("index/3", std::string("3")),
                    Catch::Contains("0-based") && Catch::Contains("completions"));
  CHECK_THROWS_WITH(parse_shard("index/0", std::string("0")), Catch::Contains("at least 1"));
  CHECK_THROWS_AS(parse_shard("index/", std::string("0")), std::invalid_argument);
  CHECK_THROWS_AS(parse_shard("index/x", std::string("0")), std::invalid_argument);
}

TEST_CASE("a tenant's shard does not change when other tenants join the fleet") {
  const auto small = fleet(50);
  const auto large = fleet(500);  // the same 50 ids and 450 new ones
  for (std::uint64_t k = 0; k < 3; ++k) {
    TenantSelection sel;
    sel.shard = ShardSpec{k, 3};
    const auto before = ids(select_tenants(small, sel).tenants);
    std::vector<std::string> after;
    for (const auto& id : ids(select_tenants(large, sel).tenants)) {
      if (std::find(before.begin(), before.end(), id) != before.end()) after.push_back(id);
    }
    CHECK(after == before);
    // And no old tenant left shard k either.
    for (const auto& t : small) {
      const bool in_k = std::find(before.begin(), before.end(), t.id) != before.end();
      CHECK(in_k == (shard_of(t.id, 3) == k));
    }
  }
}

TEST_CASE("every tenant is in exactly one shard, and stays there") {
  const auto tenants = fleet(1000);
  for (std::uint64_t n : {1u, 2u, 3u, 7u, 16u}) {
    std::map<std::string, int> seen;
    for (std::uint64_t k = 0; k < n; ++k) {
      TenantSelection sel;
      sel.shard = ShardSpec{k, n};
      const auto picked = select_tenants(tenants, sel).tenants;
      if (n > 1) CHECK(picked.size() < tenants.size());
      for (const auto& t : picked) ++seen[t.id];
    }
    CHECK(seen.size() == tenants.size());
    for (const auto& [id, times] : seen) CHECK(times == 1);
  }
  // Stability: the assignment is a function of the id alone (pinned values).
  CHECK(shard_of("tenant_0", 4) == util::fnv1a_64("tenant_0") % 4);
  CHECK(shard_of("foobar", 1000) == 0x85944171f73967e8ULL % 1000);
}

TEST_CASE("flag --only and --exclude filter by id and report unknown --only ids") {
  const auto tenants = fleet(5);
  TenantSelection sel;
  sel.only = parse_id_list("tenant_1, tenant_3,,tenant_9 ");
  CHECK(sel.only == std::vector<std::string>{"tenant_1", "tenant_3", "tenant_9"});
  auto picked = select_tenants(tenants, sel);
  CHECK(ids(picked.tenants) == std::vector<std::string>{"tenant_1", "tenant_3"});
  CHECK(picked.unknown_only_ids == std::vector<std::string>{"tenant_9"});

  TenantSelection ex;
  ex.exclude = parse_id_list("tenant_0,tenant_4");
  CHECK(ids(select_tenants(tenants, ex).tenants) ==
        std::vector<std::string>{"tenant_1", "tenant_2", "tenant_3"});

  TenantSelection both;
  both.only = {"tenant_1", "tenant_2"};
  both.exclude = {"tenant_2"};
  CHECK(ids(select_tenants(tenants, both).tenants) == std::vector<std::string>{"tenant_1"});
}
