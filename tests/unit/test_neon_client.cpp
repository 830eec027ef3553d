// NeonClient against a scripted transport and a fake clock: retries, deadlines, create
// reconciliation, error texts.
#include <catch2/catch.hpp>

#include "neon_fakes.hpp"
#include "pgfleet/neon/neon_client.hpp"
#include "pgfleet/util/rfc3339.hpp"

using namespace pgfleet::neon;
using namespace pgfleet::neon::test;
using std::chrono::milliseconds;

namespace {

const std::string kKey = "napi_SECRET_key_0123456789";

struct Rig {
  FakeNeon neon;
  FakeTransport* transport = nullptr;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::vector<std::string> log;
  std::shared_ptr<NeonClient> client;

  explicit Rig(milliseconds deadline = milliseconds(60000)) {
    auto fake =
        std::make_unique<FakeTransport>([this](const HttpRequest& r) { return neon.handle(r); });
    transport = fake.get();
    NeonClientOptions options;
    options.api_base = "http://neon.test/api/v2";
    options.api_key = kKey;
    options.call_deadline = deadline;
    options.poll_interval = milliseconds(500);
    options.operations_deadline = milliseconds(10000);
    client = std::make_shared<NeonClient>(options, std::move(fake), clock,
                                          [this](const std::string& line) { log.push_back(line); });
  }

  CreatedBranch create(const std::string& name = "pgfleet-preflight-r1") {
    return client->create_branch("proj-1", name, "br-main-1",
                                 clock->wall_now() + std::chrono::hours(2));
  }

  int branches_named(const std::string& name) const {
    int n = 0;
    for (const auto& each : neon.names()) n += each == name ? 1 : 0;
    return n;
  }

  void assert_key_never_logged() const {
    for (const auto& line : log) REQUIRE(line.find(kKey) == std::string::npos);
  }
};

std::string header_of(const HttpRequest& request, const std::string& name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) return v;
  }
  return "";
}

}  // namespace

TEST_CASE("requests carry the bearer key, JSON headers and the pgfleet user agent", "[neon]") {
  Rig rig;
  rig.create();
  const HttpRequest& post = rig.transport->requests.front();
  REQUIRE(post.method == HttpMethod::post);
  REQUIRE(post.url == "http://neon.test/api/v2/projects/proj-1/branches");
  REQUIRE(header_of(post, "Authorization") == "Bearer " + kKey);
  REQUIRE(header_of(post, "Accept") == "application/json");
  REQUIRE(header_of(post, "Content-Type") == "application/json");
  REQUIRE(header_of(post, "User-Agent") == std::string("pgfleet/") + PGFLEET_VERSION);
  const auto body = nlohmann::json::parse(post.body);
  REQUIRE(body["branch"]["name"] == "pgfleet-preflight-r1");
  REQUIRE(body["branch"]["parent_id"] == "br-main-1");
  REQUIRE(body["branch"]["expires_at"] ==
          pgfleet::util::format_rfc3339_seconds(rig.clock->wall_now() + std::chrono::hours(2)));
  REQUIRE(body["endpoints"] == nlohmann::json::parse(R"([{"type":"read_write"}])"));
}

TEST_CASE("resolve_api_base: flag, then NEON_API_HOST, then the default", "[neon]") {
  ::unsetenv("NEON_API_HOST");
  REQUIRE(resolve_api_base(std::nullopt) == kDefaultApiBase);
  ::setenv("NEON_API_HOST", "http://127.0.0.1:9/api/v2/", 1);
  REQUIRE(resolve_api_base(std::nullopt) == "http://127.0.0.1:9/api/v2");
  REQUIRE(resolve_api_base(std::string("http://x/api/v2")) == "http://x/api/v2");
  ::unsetenv("NEON_API_HOST");
}

TEST_CASE("423 on create is retried with backoff and creates exactly one branch", "[neon]") {
  Rig rig;
  rig.transport->queue("POST /projects/proj-1/branches",
                       json_response(423, R"({"message":"locked"})"));
  rig.transport->queue("POST /projects/proj-1/branches",
                       json_response(423, R"({"message":"locked"})"));
  auto created = rig.create();
  REQUIRE(created.branch.name == "pgfleet-preflight-r1");
  REQUIRE(rig.transport->count("POST /projects/proj-1/branches") == 3);
  REQUIRE(rig.clock->sleeps.size() == 2);
  REQUIRE(rig.branches_named("pgfleet-preflight-r1") == 1);
  rig.assert_key_never_logged();
}

TEST_CASE("429 honours Retry-After seconds and HTTP-date as a minimum delay", "[neon]") {
  Rig rig;
  rig.transport->queue("GET /projects/proj-1", json_response(429, "{}", {{"retry-after", "7"}}));
  rig.client->get_project("proj-1");
  REQUIRE(rig.clock->sleeps.size() == 1);
  REQUIRE(rig.clock->sleeps[0] >= milliseconds(7000));

  Rig dated;
  const auto when = dated.clock->wall_now() + std::chrono::seconds(5);
  const time_t t = std::chrono::system_clock::to_time_t(when);
  char text[64];
  std::tm fields{};
  gmtime_r(&t, &fields);
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &fields);
  dated.transport->queue("GET /projects/proj-1", json_response(429, "{}", {{"retry-after", text}}));
  dated.client->get_project("proj-1");
  REQUIRE(dated.clock->sleeps.size() == 1);
  REQUIRE(dated.clock->sleeps[0] >= milliseconds(4000));
}

TEST_CASE("503, 500 and 524 on a GET are retried, transport errors on a GET too", "[neon]") {
  Rig rig;
  rig.transport->queue("GET /projects/proj-1/branches", json_response(503, "{}"));
  rig.transport->queue("GET /projects/proj-1/branches", json_response(524, "<html>timeout</html>"));
  rig.transport->queue("GET /projects/proj-1/branches", json_response(500, "{}"));
  rig.transport->queue_error("GET /projects/proj-1/branches", TransportErrorKind::timeout);
  auto branches = rig.client->list_branches("proj-1", "");
  REQUIRE(branches.size() == 2);
  REQUIRE(rig.transport->count("GET /projects/proj-1/branches") == 5);
  REQUIRE(rig.clock->sleeps.size() == 4);
}

TEST_CASE("retries stop at the call deadline with the server's status", "[neon]") {
  Rig rig(milliseconds(5000));
  for (int i = 0; i < 100; ++i) {
    rig.transport->queue("GET /projects/proj-1",
                         json_response(503, R"({"message":"unavailable"})"));
  }
  try {
    rig.client->get_project("proj-1");
    FAIL("expected NeonError");
  } catch (const NeonError& error) {
    REQUIRE(error.kind() == NeonErrorKind::server);
    REQUIRE(error.status() == 503);
    REQUIRE(std::string(error.what()).find("unavailable") != std::string::npos);
  }
  REQUIRE(rig.clock->slept() <= milliseconds(5000));
  REQUIRE(rig.transport->count("GET /projects/proj-1") > 2);
}

TEST_CASE("a Retry-After beyond the deadline fails at once", "[neon]") {
  Rig rig(milliseconds(5000));
  rig.transport->queue("GET /projects/proj-1", json_response(429, "{}", {{"retry-after", "60"}}));
  REQUIRE_THROWS_AS(rig.client->get_project("proj-1"), NeonError);
  REQUIRE(rig.clock->sleeps.empty());
}

TEST_CASE("a create applied but answered by a timeout is adopted, not sent again", "[neon]") {
  Rig rig;
  rig.transport->queue_applied_then_error("POST /projects/proj-1/branches",
                                          TransportErrorKind::timeout);
  auto created = rig.create();
  REQUIRE(created.branch.name == "pgfleet-preflight-r1");
  REQUIRE(rig.transport->count("POST /projects/proj-1/branches") == 1);
  REQUIRE(rig.branches_named("pgfleet-preflight-r1") == 1);
  REQUIRE(created.endpoints.size() == 1);
  REQUIRE(created.operations.size() == 2);  // still running: adopted from the operations list
}

TEST_CASE("a create applied but answered 524 or a dropped connection is adopted", "[neon]") {
  Rig rig;
  rig.transport->queue("POST /projects/proj-1/branches",
                       json_response(524, "<html>origin timeout</html>"));
  // 524 from the fake is not applied: the lookup finds nothing and the POST is sent again.
  rig.create();
  REQUIRE(rig.transport->count("POST /projects/proj-1/branches") == 2);
  REQUIRE(rig.branches_named("pgfleet-preflight-r1") == 1);

  Rig dropped;
  dropped.transport->queue_applied_then_error("POST /projects/proj-1/branches",
                                              TransportErrorKind::dropped);
  dropped.create();
  REQUIRE(dropped.transport->count("POST /projects/proj-1/branches") == 1);
  REQUIRE(dropped.branches_named("pgfleet-preflight-r1") == 1);
}

TEST_CASE("a 409 after an unclear answer adopts the branch that landed late", "[neon]") {
  Rig rig;
  // POST #1: 500. The lookup finds nothing yet. POST #2: the first create lands meanwhile, so
  // it gets 409, and the client adopts the branch instead of failing or creating another.
  rig.transport->queue("POST /projects/proj-1/branches", json_response(500, "{}"));
  rig.transport->queue("GET /projects/proj-1/branches", json_response(200, R"({"branches":[]})"));
  rig.transport->queue_fn("POST /projects/proj-1/branches", [&](const HttpRequest&) {
    rig.neon.add_branch("br-late-1", "pgfleet-preflight-r1", "br-main-1", false, "ep-late-1",
                        "2026-11-24T00:00:00Z");
    return json_response(409, R"({"message":"branch already exists"})");
  });
  auto adopted = rig.create();
  REQUIRE(adopted.branch.id == "br-late-1");
  REQUIRE(adopted.endpoints.at(0).id == "ep-late-1");
  REQUIRE(rig.transport->count("POST /projects/proj-1/branches") == 2);
  REQUIRE(rig.branches_named("pgfleet-preflight-r1") == 1);
}

TEST_CASE("a 409 on a first create is a conflict error", "[neon]") {
  Rig rig;
  rig.neon.add_branch("br-old-1", "pgfleet-preflight-r1", "br-main-1", false, "ep-old-1",
                      "2026-11-24T00:00:00Z");
  try {
    rig.create();
    FAIL("expected NeonError");
  } catch (const NeonError& error) {
    REQUIRE(error.kind() == NeonErrorKind::conflict);
    REQUIRE(error.status() == 409);
  }
  REQUIRE(rig.transport->count("POST /projects/proj-1/branches") == 1);
}

TEST_CASE("401, 403, 404 and 422 are not retried and carry the server's message, never the key",
          "[neon]") {
  for (int status : {401, 403, 404, 422}) {
    Rig rig;
    rig.transport->queue(
        "GET /projects/proj-1",
        json_response(status, R"({"code":"","message":"bad key )" + kKey + R"("})"));
    try {
      rig.client->get_project("proj-1");
      FAIL("expected NeonError");
    } catch (const NeonError& error) {
      const std::string text = error.what();
      REQUIRE(error.status() == status);
      REQUIRE(text.find("bad key") != std::string::npos);
      REQUIRE(text.find(kKey) == std::string::npos);
      REQUIRE(text.find("SECRET") == std::string::npos);
    }
    REQUIRE(rig.transport->count("GET /projects/proj-1") == 1);
  }
}

TEST_CASE("an empty API key is refused up front", "[neon]") {
  NeonClientOptions options;
  REQUIRE_THROWS_AS(NeonClient(options, std::make_unique<FakeTransport>(nullptr)),
                    std::invalid_argument);
}

TEST_CASE("a key that occurs in its own mask is scrubbed without looping", "[neon]") {
  auto fake = std::make_unique<FakeTransport>([](const HttpRequest&) {
    return json_response(401, R"({"message":"key * and ** rejected"})");
  });
  NeonClientOptions options;
  options.api_key = "*";
  NeonClient client(options, std::move(fake), std::make_shared<FakeClock>());
  try {
    client.get_project("proj-1");
    FAIL("expected NeonError");
  } catch (const NeonError& error) {
    REQUIRE(std::string(error.what()).find("key *** and ****** rejected") != std::string::npos);
  }
}

TEST_CASE("wait_for_operations polls until finished, at the poll interval", "[neon]") {
  Rig rig;
  rig.neon.polls_to_finish = 3;
  auto created = rig.create();
  rig.client->wait_for_operations("proj-1", created.operations);
  REQUIRE(rig.transport->count("GET /projects/proj-1/operations/") == 6);
  for (auto delay : rig.clock->sleeps) REQUIRE(delay == milliseconds(500));
}

TEST_CASE("a failed, error or cancelled operation raises operation_failed", "[neon]") {
  for (const char* status : {"failed", "error", "cancelled"}) {
    Rig rig;
    rig.neon.fail_operations_with = status;
    auto created = rig.create();
    try {
      rig.client->wait_for_operations("proj-1", created.operations);
      FAIL("expected NeonError");
    } catch (const NeonError& error) {
      REQUIRE(error.kind() == NeonErrorKind::operation_failed);
      REQUIRE(std::string(error.what()).find(status) != std::string::npos);
      REQUIRE(std::string(error.what()).find("compute did not start") != std::string::npos);
    }
  }
}

TEST_CASE("operations still running at the deadline raise timeout", "[neon]") {
  Rig rig;
  rig.neon.polls_to_finish = 1000;
  auto created = rig.create();
  try {
    rig.client->wait_for_operations("proj-1", created.operations);
    FAIL("expected NeonError");
  } catch (const NeonError& error) {
    REQUIRE(error.kind() == NeonErrorKind::timeout);
  }
  REQUIRE(rig.clock->slept() <= milliseconds(10000));
}

TEST_CASE("delete: 200 deleted, 204 and 404 already gone, 423 retried", "[neon]") {
  Rig rig;
  auto created = rig.create();
  rig.transport->queue("DELETE /projects/proj-1/branches/", json_response(423, "{}"));
  auto deleted = rig.client->delete_branch("proj-1", created.branch.id);
  REQUIRE(deleted.outcome == DeleteOutcome::deleted);
  REQUIRE(deleted.operations.size() == 1);
  REQUIRE(rig.transport->count("DELETE /projects/proj-1/branches/") == 2);
  REQUIRE(rig.client->delete_branch("proj-1", created.branch.id).outcome ==
          DeleteOutcome::already_gone);
  rig.transport->queue("DELETE /projects/proj-1/branches/", json_response(404, "{}"));
  REQUIRE(rig.client->delete_branch("proj-1", "br-x").outcome == DeleteOutcome::already_gone);
}

TEST_CASE("list_branches follows pagination.next and find_branch_by_name matches exactly",
          "[neon]") {
  int page = 0;
  auto fake = std::make_unique<FakeTransport>([&](const HttpRequest& request) {
    ++page;
    if (request.url.find("cursor=c%2F2") != std::string::npos) {
      return json_response(
          200, R"({"branches":[{"id":"br-c-3","name":"pgfleet-preflight-a"}],"pagination":{}})");
    }
    return json_response(200, R"({"branches":[{"id":"br-a-1","name":"pgfleet-preflight-ab"},
      {"id":"br-b-2","name":"x-pgfleet-preflight-a"}],"pagination":{"next":"c/2"}})");
  });
  NeonClientOptions options;
  options.api_key = kKey;
  NeonClient client(options, std::move(fake), std::make_shared<FakeClock>());
  auto found = client.find_branch_by_name("proj-1", "pgfleet-preflight-a");
  REQUIRE(found);
  REQUIRE(found->id == "br-c-3");
  REQUIRE(page == 2);
}
