// Neon answers of an unexpected shape, and API base URLs that would send the key in clear: both
// are refused with pgfleet's own errors (NeonError, exit 3; std::invalid_argument, exit 2), never
// with an exception of the JSON library that would abort the process.
#include <catch2/catch.hpp>

#include "neon_fakes.hpp"
#include "pgfleet/neon/neon_client.hpp"

using namespace pgfleet::neon;
using namespace pgfleet::neon::test;

namespace {

// A client whose every answer is HTTP 200 with `body`.
std::shared_ptr<NeonClient> client_answering(const std::string& body) {
  auto transport = std::make_unique<FakeTransport>(
      [body](const HttpRequest&) { return json_response(200, body); });
  NeonClientOptions options;
  options.api_base = "http://neon.test/api/v2";
  options.api_key = "napi_key";
  return std::make_shared<NeonClient>(options, std::move(transport), std::make_shared<FakeClock>(),
                                      nullptr);
}

// Every call of the client on one answer; each must succeed or throw NeonError (anything else
// escapes and fails the test).
void every_call_is_a_neon_error_or_fine(const std::string& body) {
  INFO(body);
  auto client = client_answering(body);
  const auto expect = [](auto&& call) {
    try {
      call();
    } catch (const NeonError& e) {
      CHECK(e.what() != std::string());
    }
  };
  expect([&] { client->get_project("p"); });
  expect([&] { client->list_branches("p", ""); });
  expect([&] { client->get_branch("p", "b"); });
  expect([&] { client->list_endpoints("p", "b"); });
  expect([&] { client->get_operation("p", "o"); });
  expect([&] { client->list_operations("p"); });
  expect([&] { client->delete_branch("p", "b"); });
  expect([&] { client->create_branch("p", "n", "parent", std::chrono::system_clock::now()); });
}

}  // namespace

TEST_CASE("a Neon answer of an unexpected shape is a NeonError, never a JSON exception", "[neon]") {
  for (const std::string body :
       {"[]", "\"text\"", "42", "null", "{}", R"({"project": 5})", R"({"project": []})",
        R"({"branches": "x"})", R"({"branches": {"a": 1}})", R"({"branches": [1, "x", null]})",
        R"({"endpoints": 7, "operations": {"x": 1}})", R"({"branch": "b", "endpoints": 3})",
        R"({"operation": {"id": 5, "failures_count": "many"}})",
        R"({"branches": [{"id": {"nested": true}, "default": "yes"}]})"}) {
    every_call_is_a_neon_error_or_fine(body);
  }
  CHECK_THROWS_AS(client_answering("[]")->get_project("p"), NeonError);
  CHECK_THROWS_WITH(client_answering(R"({"branches": "x"})")->list_branches("p", ""),
                    Catch::Contains("\"branches\" is not a list"));
}

TEST_CASE("the Neon API key travels only over https or to a loopback host", "[neon]") {
  for (const std::string ok :
       {"https://console.neon.tech/api/v2", "HTTPS://console.neon.tech",
        "http://127.0.0.1:8080/api/v2", "http://127.9.0.3/api/v2", "http://localhost:9000",
        "http://LOCALHOST/api", "http://[::1]:8080/api/v2", "http://user@127.0.0.1/api"}) {
    INFO(ok);
    CHECK_NOTHROW(require_safe_api_base(ok));
  }
  for (const std::string refused :
       {"http://console.neon.tech/api/v2", "http://10.0.0.1/api", "http://127.0.0.1.evil.com/",
        "http://128.0.0.1/", "http://localhost.evil.com/", "http://[::2]/",
        "http://127.0.0.1@evil.com/", "ftp://console.neon.tech", "console.neon.tech/api/v2",
        "https://", ""}) {
    INFO(refused);
    CHECK_THROWS_AS(require_safe_api_base(refused), std::invalid_argument);
  }
  CHECK_THROWS_WITH(require_safe_api_base("http://api.example.com"), Catch::Contains("loopback"));
}
