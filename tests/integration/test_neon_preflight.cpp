// Neon preflight end to end against the emulator over HTTP (libcurl), with real branch copies
// made by pg_basebackup and names resolved through nss_wrapper.
#include <catch2/catch.hpp>
#include <filesystem>

#include "neon_fixture.hpp"
#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/neon/preflight.hpp"

using namespace pgfleet;
using namespace pgfleet::neon;
using pgfleet::test::NeonEmulator;
using pgfleet::test::ParentHost;

namespace {

Tenant tenant(const std::string& id, const std::string& dsn) {
  Tenant t;
  t.id = id;
  t.connection_string = dsn;
  return t;
}

PreflightOptions options_for(const NeonEmulator& emu, const std::string& run_id) {
  PreflightOptions options;
  options.project_id = emu.project_id();
  options.run_id = run_id;
  return options;
}

std::vector<int> statuses(const nlohmann::json& requests, const std::string& method) {
  std::vector<int> out;
  for (const auto& r : requests) {
    if (r["method"] == method) out.push_back(r["status"].get<int>());
  }
  return out;
}

int live_branches_named(const nlohmann::json& state, const std::string& name) {
  int n = 0;
  for (const auto& b : state["branches"])
    n += (b["name"] == name && !b["deleted"].get<bool>()) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("preflight branch: real copy, writes stay on the branch, release removes it", "[neon]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  std::vector<std::string> log;
  auto client = emu.client([&](const std::string& line) { log.push_back(line); });
  const std::vector<Tenant> tenants = {
      tenant("a", emu.parent_dsn("tenant_a", ParentHost::direct)),
      tenant("b", emu.parent_dsn("tenant_b", ParentHost::pooler)),
      tenant("prod", "postgresql://app:pw@db.prod.example.invalid:5432/tenant_a"),
  };
  auto setup = start_preflight(client, options_for(emu, "it-copy"), tenants);
  REQUIRE(setup.tenants.size() == 2);
  REQUIRE(setup.skipped.size() == 1);
  REQUIRE(setup.skipped[0].tenant_id == "prod");
  const PreflightBranch branch = setup.lease.branches().at(0);
  REQUIRE(branch.branch_name == "pgfleet-preflight-it-copy");

  // Only the host changed, and the operations were finished before we got the tenants.
  for (std::size_t i = 0; i < 2; ++i) {
    const auto before = ConnInfo::parse(tenants[i].connection_string);
    const auto after = ConnInfo::parse(setup.tenants[i].connection_string);
    REQUIRE(after.host() == branch.endpoint_host);
    REQUIRE(after.password() == before.password());
    REQUIRE(after.port() == before.port());
    REQUIRE(after.dbname() == before.dbname());
  }
  const auto after_create = emu.state();
  REQUIRE_FALSE(after_create["operations"].empty());
  for (const auto& op : after_create["operations"]) REQUIRE(op["status"] == "finished");

  // The branch host resolves to the copy (its own loopback address), not the parent.
  const std::string on_branch = setup.tenants[0].connection_string;
  const std::string address = emu.psql(on_branch, "SELECT host(inet_server_addr())");
  REQUIRE(address.rfind("127.0.", 0) == 0);
  REQUIRE(address != "127.0.0.1");
  REQUIRE(emu.psql(on_branch,
                   "INSERT INTO marker VALUES ('branch'); SELECT count(*) FROM marker") == "2");
  REQUIRE(emu.psql(emu.parent_dsn("tenant_a", ParentHost::direct), "SELECT count(*) FROM marker") ==
          "1");
  REQUIRE(emu.psql(setup.tenants[1].connection_string, "SELECT current_database()") == "tenant_b");

  // Every API call carried the key; the key appears in no log line.
  const auto requests = emu.requests();
  for (const auto& r : requests) REQUIRE(r["auth"] == "valid");
  REQUIRE(emu.requests().dump().find(emu.api_key()) == std::string::npos);

  std::string data_dir;
  const auto state = emu.state();
  for (const auto& b : state["branches"]) {
    if (b["id"] == branch.branch_id) data_dir = b["cluster"]["data_dir"];
  }
  REQUIRE_FALSE(data_dir.empty());
  REQUIRE(std::filesystem::exists(data_dir));
  auto released = setup.lease.release();
  REQUIRE(released.at(0).status == ReleaseStatus::deleted);
  REQUIRE(statuses(emu.requests("delete_branch"), "DELETE") == std::vector<int>{200});
  REQUIRE_FALSE(std::filesystem::exists(data_dir));
  REQUIRE_THROWS(emu.psql(on_branch, "SELECT 1"));  // the name is gone with the branch
  REQUIRE(emu.psql(emu.parent_dsn("tenant_a", ParentHost::pooler), "SELECT count(*) FROM marker") ==
          "1");
  for (const auto& line : log) REQUIRE(line.find(emu.api_key()) == std::string::npos);
}

TEST_CASE("423 and 429 (with Retry-After) from the API are retried", "[neon]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  emu.add_fault({{"route", "create_branch"}, {"status", 423}, {"count", 2}});
  emu.add_fault({{"route", "list_branches"}, {"status", 429}, {"retry_after", "1"}});
  emu.add_fault({{"route", "get_operation"}, {"status", 503}});
  auto setup = start_preflight(emu.client(), options_for(emu, "it-retry"),
                               {tenant("a", emu.parent_dsn("tenant_a", ParentHost::direct))});
  REQUIRE(setup.tenants.size() == 1);
  REQUIRE(statuses(emu.requests("create_branch"), "POST") == std::vector<int>{423, 423, 201});
  const auto lists = emu.requests("list_branches");
  REQUIRE(lists.size() >= 2);
  REQUIRE(lists[0]["status"] == 429);
  REQUIRE(lists[1]["status"] == 200);
  REQUIRE(lists[1]["time"].get<double>() - lists[0]["time"].get<double>() >= 0.95);
  REQUIRE(emu.requests("get_operation")[0]["status"] == 503);
  REQUIRE(setup.lease.release().at(0).status == ReleaseStatus::deleted);
}

TEST_CASE("the token-bucket rate limiter's 429s are retried", "[neon]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  emu.configure({{"rate_limit", {{"route_per_second", 2.0}}}});
  auto client = emu.client();
  for (int i = 0; i < 6; ++i) client->get_project(emu.project_id());
  emu.configure({{"rate_limit", {{"route_per_second", 40.0}}}});
  const auto gets = emu.requests("get_project");
  int limited = 0, ok = 0;
  for (const auto& r : gets) (r["status"] == 429 ? limited : ok) += 1;
  REQUIRE(ok == 6);
  REQUIRE(limited >= 1);
}

TEST_CASE("a failed operation is a NeonError and the branch is deleted", "[neon]") {
  NeonEmulator& emu = NeonEmulator::shared();
  for (const char* status : {"failed", "cancelled"}) {
    emu.reset();
    emu.add_fault(
        {{"route", "create_branch"},
         {"operation",
          {{"action", "start_compute"}, {"status", status}, {"error", "compute crashed"}}}});
    try {
      start_preflight(emu.client(), options_for(emu, std::string("it-fail-") + status),
                      {tenant("a", emu.parent_dsn("tenant_a", ParentHost::direct))});
      FAIL("expected NeonError");
    } catch (const NeonError& error) {
      REQUIRE(error.kind() == NeonErrorKind::operation_failed);
      REQUIRE(std::string(error.what()).find("compute crashed") != std::string::npos);
    }
    REQUIRE(live_branches_named(emu.state(), std::string("pgfleet-preflight-it-fail-") + status) ==
            0);
    REQUIRE(statuses(emu.requests("delete_branch"), "DELETE") == std::vector<int>{200});
  }
}

TEST_CASE("a create applied but answered 524 or dropped makes exactly one branch", "[neon]") {
  NeonEmulator& emu = NeonEmulator::shared();
  for (const char* mode : {"apply_then_respond", "apply_then_drop"}) {
    emu.reset();
    emu.add_fault({{"route", "create_branch"}, {"mode", mode}, {"status", 524}});
    const std::string name =
        std::string("pgfleet-preflight-it-unclear-") + (mode[6] == 'r' ? "524" : "drop");
    auto setup = start_preflight(emu.client(), options_for(emu, name.substr(18)),
                                 {tenant("a", emu.parent_dsn("tenant_a", ParentHost::direct))});
    REQUIRE(emu.requests("create_branch").size() == 1);
    REQUIRE(live_branches_named(emu.state(), name) == 1);
    REQUIRE(setup.lease.branches().at(0).branch_name == name);
    REQUIRE(emu.psql(setup.tenants.at(0).connection_string, "SELECT count(*) FROM marker") == "1");
    REQUIRE(setup.lease.release().at(0).status == ReleaseStatus::deleted);
    REQUIRE(live_branches_named(emu.state(), name) == 0);
  }
}

TEST_CASE("an invalid key is an auth NeonError without the key", "[neon]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  NeonClientOptions options;
  options.api_base = emu.api_base();
  options.api_key = "napi_wrong_key_123";
  NeonClient client(options, make_curl_transport());
  try {
    client.get_project(emu.project_id());
    FAIL("expected NeonError");
  } catch (const NeonError& error) {
    REQUIRE(error.kind() == NeonErrorKind::auth);
    REQUIRE(error.status() == 401);
    REQUIRE(std::string(error.what()).find("napi_wrong_key_123") == std::string::npos);
  }
  REQUIRE(emu.requests()[0]["auth"] == "invalid");
}

TEST_CASE("cleanup removes leftover preflight branches and nothing else", "[neon]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  auto client = emu.client();
  PreflightOptions options = options_for(emu, "it-leftover");
  options.keep = KeepBranch::yes;
  {
    auto setup = start_preflight(client, options,
                                 {tenant("a", emu.parent_dsn("tenant_a", ParentHost::direct))});
    REQUIRE(setup.lease.release().at(0).status == ReleaseStatus::kept);
  }
  const auto other = client->create_branch(emu.project_id(), "not-pgfleet-preflight-x", "",
                                           client->clock().wall_now() + std::chrono::hours(1));
  client->wait_for_operations(emu.project_id(), other.operations);
  REQUIRE(live_branches_named(emu.state(), "pgfleet-preflight-it-leftover") == 1);

  auto young = cleanup_preflight_branches(*client, emu.project_id(), std::chrono::hours(1),
                                          CleanupMode::delete_branches);
  REQUIRE(young.deleted.empty());
  REQUIRE(young.kept_too_young.size() == 1);
  auto result = cleanup_preflight_branches(*client, emu.project_id(), std::chrono::seconds(0),
                                           CleanupMode::delete_branches);
  REQUIRE(result.deleted.size() == 1);
  REQUIRE(result.failed.empty());
  REQUIRE(live_branches_named(emu.state(), "pgfleet-preflight-it-leftover") == 0);
  REQUIRE(live_branches_named(emu.state(), "not-pgfleet-preflight-x") == 1);
}
