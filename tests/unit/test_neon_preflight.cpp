// start_preflight, BranchLease and cleanup against the in-memory fake Neon.
#include <catch2/catch.hpp>

#include "neon_fakes.hpp"
#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/neon/preflight.hpp"
#include "pgfleet/util/rfc3339.hpp"

using namespace pgfleet;
using namespace pgfleet::neon;
using namespace pgfleet::neon::test;

namespace {

struct Rig {
  FakeNeon neon;
  FakeTransport* transport = nullptr;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<NeonClient> client;

  Rig() {
    auto fake =
        std::make_unique<FakeTransport>([this](const HttpRequest& r) { return neon.handle(r); });
    transport = fake.get();
    NeonClientOptions options;
    options.api_key = "napi_key";
    options.poll_interval = std::chrono::milliseconds(100);
    client = std::make_shared<NeonClient>(options, std::move(fake), clock);
  }

  std::vector<std::string> preflight_branches() const {
    std::vector<std::string> out;
    for (const auto& name : neon.names()) {
      if (name.rfind(kPreflightPrefix, 0) == 0) out.push_back(name);
    }
    return out;
  }
};

Tenant tenant(const std::string& id, const std::string& dsn) {
  Tenant t;
  t.id = id;
  t.connection_string = dsn;
  return t;
}

PreflightOptions options_for(const std::string& run_id) {
  PreflightOptions options;
  options.project_id = "proj-1";
  options.run_id = run_id;
  return options;
}

}  // namespace

TEST_CASE("preflight makes one branch, rewrites parent tenants and skips the others", "[neon]") {
  Rig rig;
  Tenant invalid = tenant("bad-row", "");
  invalid.invalid_reason = "empty connection string";
  const std::vector<Tenant> tenants = {
      tenant("direct", "postgresql://app:pw@ep-main-1.test.neon:6543/t_direct?sslmode=disable"),
      tenant("pooled", "postgresql://app:pw@ep-main-1-pooler.test.neon:6543/t_pooled"),
      tenant("staging", "postgresql://app:pw@ep-stage-1.test.neon/t_staging"),
      tenant("prod", "postgresql://app:pw@db.prod.example.com/t_prod"),
      invalid,
      tenant("garbled", "postgresql://app:pw@/nohost"),
  };
  auto setup = start_preflight(rig.client, options_for("20261124T050000Z-ab12"), tenants);

  REQUIRE(rig.preflight_branches() ==
          std::vector<std::string>{"pgfleet-preflight-20261124T050000Z-ab12"});
  REQUIRE(setup.lease.branches().size() == 1);
  const PreflightBranch& branch = setup.lease.branches()[0];
  REQUIRE(branch.project_id == "proj-1");
  REQUIRE(branch.parent_branch_id == "br-main-1");
  REQUIRE(branch.endpoint_host.rfind("ep-new-", 0) == 0);
  const auto& created = rig.neon.branches.at(branch.branch_id).branch;
  REQUIRE(created["expires_at"] ==
          util::format_rfc3339_seconds(rig.clock->wall_now() - rig.clock->slept() +
                                       std::chrono::hours(2)));
  // The operations were waited for before the tenants were handed back.
  for (const auto& [id, op] : rig.neon.operations) REQUIRE(op["status"] == "finished");

  REQUIRE(setup.tenants.size() == 4);
  REQUIRE(setup.tenants[0].id == "direct");
  REQUIRE(ConnInfo::parse(setup.tenants[0].connection_string).host() == branch.endpoint_host);
  REQUIRE(ConnInfo::parse(setup.tenants[0].connection_string).port() == "6543");
  REQUIRE(setup.tenants[1].id == "pooled");
  REQUIRE(ConnInfo::parse(setup.tenants[1].connection_string).host() == branch.endpoint_host);
  REQUIRE(setup.tenants[2].id == "bad-row");
  REQUIRE(setup.tenants[2].invalid_reason == "empty connection string");
  REQUIRE(setup.tenants[3].id == "garbled");
  REQUIRE_FALSE(setup.tenants[3].invalid_reason.empty());

  REQUIRE(setup.skipped.size() == 2);
  REQUIRE(setup.skipped[0].tenant_id == "staging");
  REQUIRE(setup.skipped[1].tenant_id == "prod");
  REQUIRE(setup.skipped[1].reason.find("db.prod.example.com") != std::string::npos);

  auto released = setup.lease.release();
  REQUIRE(released.size() == 1);
  REQUIRE(released[0].status == ReleaseStatus::deleted);
  REQUIRE(rig.preflight_branches().empty());
  // A second release sends nothing new.
  const auto deletes = rig.transport->count("DELETE");
  REQUIRE(setup.lease.release().size() == 1);
  REQUIRE(rig.transport->count("DELETE") == deletes);
}

TEST_CASE("flag --neon-parent picks the parent branch by name or id", "[neon]") {
  for (const char* parent : {"staging", "br-stage-1"}) {
    Rig rig;
    auto options = options_for("r2");
    options.parent_branch = parent;
    auto setup =
        start_preflight(rig.client, options,
                        {tenant("main", "postgresql://a:b@ep-main-1.test.neon/db"),
                         tenant("stg", "postgresql://a:b@ep-stage-1-pooler.test.neon/db")});
    REQUIRE(setup.tenants.size() == 1);
    REQUIRE(setup.tenants[0].id == "stg");
    REQUIRE(setup.skipped.size() == 1);
    REQUIRE(setup.lease.branches()[0].parent_branch_id == "br-stage-1");
    setup.lease.release();
  }
  Rig rig;
  auto options = options_for("r3");
  options.parent_branch = "nope";
  REQUIRE_THROWS_AS(start_preflight(rig.client, options,
                                    {tenant("a", "postgresql://a:b@ep-main-1.test.neon/db")}),
                    NeonError);
  REQUIRE(rig.transport->count("POST") == 0);
}

TEST_CASE("a failed operation is a NeonError and the branch is deleted anyway", "[neon]") {
  Rig rig;
  rig.neon.fail_operations_with = "failed";
  try {
    start_preflight(rig.client, options_for("r4"),
                    {tenant("a", "postgresql://a:b@ep-main-1.test.neon/db")});
    FAIL("expected NeonError");
  } catch (const NeonError& error) {
    REQUIRE(error.kind() == NeonErrorKind::operation_failed);
  }
  REQUIRE(rig.preflight_branches().empty());
  REQUIRE(rig.transport->count("DELETE /projects/proj-1/branches/br-new-") == 1);
}

TEST_CASE("no branch is made when no tenant is on the parent branch", "[neon]") {
  Rig rig;
  auto setup = start_preflight(rig.client, options_for("r5"),
                               {tenant("prod", "postgresql://a:b@db.example.com/db")});
  REQUIRE(setup.tenants.empty());
  REQUIRE(setup.skipped.size() == 1);
  REQUIRE(setup.lease.branches().empty());
  REQUIRE(rig.transport->count("POST") == 0);
}

TEST_CASE("tenants without a project: usage error if none has one, skipped otherwise", "[neon]") {
  Rig rig;
  PreflightOptions options;
  options.run_id = "r6";
  REQUIRE_THROWS_AS(start_preflight(rig.client, options,
                                    {tenant("a", "postgresql://a:b@ep-main-1.test.neon/db")}),
                    std::invalid_argument);
  Tenant with_project = tenant("b", "postgresql://a:b@ep-main-1.test.neon/db");
  with_project.neon_project_id = "proj-1";
  auto setup = start_preflight(
      rig.client, options, {tenant("a", "postgresql://a:b@ep-main-1.test.neon/db"), with_project});
  REQUIRE(setup.tenants.size() == 1);
  REQUIRE(setup.tenants[0].id == "b");
  REQUIRE(setup.skipped.at(0).tenant_id == "a");
}

TEST_CASE("flag --neon-keep-branch keeps the branch, otherwise the destructor deletes it",
          "[neon]") {
  Rig rig;
  auto options = options_for("keep");
  options.keep = KeepBranch::yes;
  {
    auto setup = start_preflight(rig.client, options,
                                 {tenant("a", "postgresql://a:b@ep-main-1.test.neon/db")});
    auto released = setup.lease.release();
    REQUIRE(released.at(0).status == ReleaseStatus::kept);
  }
  REQUIRE(rig.preflight_branches() == std::vector<std::string>{"pgfleet-preflight-keep"});
  {
    auto setup = start_preflight(rig.client, options_for("scoped"),
                                 {tenant("a", "postgresql://a:b@ep-main-1.test.neon/db")});
    REQUIRE(rig.preflight_branches().size() == 2);
    BranchLease moved = std::move(setup.lease);  // ownership moves; only one delete happens
  }
  REQUIRE(rig.preflight_branches() == std::vector<std::string>{"pgfleet-preflight-keep"});
}

TEST_CASE("cleanup deletes only pgfleet-preflight-* branches older than the age", "[neon]") {
  Rig rig;
  const auto now = rig.clock->wall_now();
  rig.neon.add_branch("br-old-1", "pgfleet-preflight-old", "br-main-1", false, "ep-o-1",
                      util::format_rfc3339_seconds(now - std::chrono::hours(5)));
  rig.neon.add_branch("br-young-1", "pgfleet-preflight-young", "br-main-1", false, "ep-y-1",
                      util::format_rfc3339_seconds(now - std::chrono::minutes(5)));
  rig.neon.add_branch("br-other-1", "my-pgfleet-preflight-old", "br-main-1", false, "ep-x-1",
                      util::format_rfc3339_seconds(now - std::chrono::hours(5)));
  auto dry = cleanup_preflight_branches(*rig.client, "proj-1", std::chrono::hours(1),
                                        CleanupMode::dry_run);
  REQUIRE(dry.deleted.size() == 1);
  REQUIRE(rig.transport->count("DELETE") == 0);

  auto result = cleanup_preflight_branches(*rig.client, "proj-1", std::chrono::hours(1),
                                           CleanupMode::delete_branches);
  REQUIRE(result.deleted.size() == 1);
  REQUIRE(result.deleted[0].name == "pgfleet-preflight-old");
  REQUIRE(result.kept_too_young.size() == 1);
  REQUIRE(result.failed.empty());
  const auto names = rig.neon.names();
  REQUIRE(std::find(names.begin(), names.end(), "pgfleet-preflight-old") == names.end());
  REQUIRE(std::find(names.begin(), names.end(), "pgfleet-preflight-young") != names.end());
  REQUIRE(std::find(names.begin(), names.end(), "my-pgfleet-preflight-old") != names.end());
}
