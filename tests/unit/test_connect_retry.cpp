// How a tenant's connect waits out a restarting server (README.md, "Connections"), on a clock
// that only moves when slept on: transient errors are retried with jittered backoff until
// --connect-retry-window closes; errors that cannot heal are tried once.
#include <catch2/catch.hpp>
#include <memory>

#include "fake_session.hpp"
#include "neon_fakes.hpp"
#include "pgfleet/db/connect_errors.hpp"
#include "pgfleet/fleet/connect_retry.hpp"
#include "pgfleet/fleet/tenant_connector.hpp"

using namespace pgfleet;
using std::chrono::milliseconds;
using std::chrono::seconds;
using FakeClock = pgfleet::neon::test::FakeClock;

namespace {

const char* const kRefused =
    "connection to server at \"127.0.0.1\", port 5432 failed: Connection refused\n"
    "\tIs the server running on that host and accepting TCP/IP connections?\n";

// A tenant whose server answers `error` (libpq's text) until `down_for` has passed on `clock`,
// then connects; counts the attempts.
struct FlakyServer {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::string error = kRefused;
  milliseconds down_for{0};
  int attempts = 0;

  SessionFactory factory() {
    const auto up_at = clock->now() + down_for;
    return [this, up_at](const ConnInfo&, const ConnectLimits&) -> std::unique_ptr<Session> {
      ++attempts;
      if (clock->now() < up_at) throw classify_connect_error(error, {});
      return std::make_unique<test::FakeSession>(std::make_shared<test::FakeScript>());
    };
  }

  std::unique_ptr<Session> connect(milliseconds window) {
    ConnectSettings settings;
    settings.application_name = "pgfleet/retry-test";
    settings.retry_window = window;
    settings.clock = clock;
    Tenant tenant;
    tenant.id = "acme";
    tenant.connection_string = "postgres://app:pw@db.example/shop";
    return make_connector(tenant, settings, StopControl::process(), factory())();
  }
};

}  // namespace

TEST_CASE("connect retry delays grow with jitter and stop when the window closes",
          "[connect-retry]") {
  FakeClock clock;
  const auto opened = clock.now();
  ConnectRetry retry(seconds(15), clock);
  std::vector<milliseconds> delays;
  while (const auto delay = retry.next_delay()) {
    delays.push_back(*delay);
    clock.sleep_for(*delay);
  }
  REQUIRE(delays.size() >= 8);  // at most 2 s apart: a restart is noticed soon after it ends
  for (std::size_t i = 0; i + 1 < delays.size(); ++i) {
    INFO("delay " << i);
    const milliseconds ceiling =
        std::min(ConnectRetry::kCap, ConnectRetry::kBase * (1 << std::min<std::size_t>(i, 10)));
    CHECK(delays[i] >= ConnectRetry::kBase / 2);
    CHECK(delays[i] <= ceiling);
  }
  // The last wait ends at the window's close: one more attempt, then none.
  CHECK(clock.now() - opened == seconds(15));
  CHECK(retry.failures() == static_cast<int>(delays.size()) + 1);
  CHECK_FALSE(retry.next_delay());
}

TEST_CASE("a zero connect retry window means one attempt", "[connect-retry]") {
  FakeClock clock;
  ConnectRetry retry(milliseconds(0), clock);
  CHECK_FALSE(retry.next_delay());
  CHECK(clock.sleeps.empty());
}

TEST_CASE("a tenant whose server restarts for a few seconds is connected once it is back",
          "[connect-retry]") {
  for (const char* error :
       {kRefused,
        "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  the database system "
        "is starting up\n",
        "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  the database system "
        "is shutting down\n",
        "FATAL:  terminating connection due to administrator command\n"}) {
    INFO(error);
    FlakyServer server;
    server.error = error;
    server.down_for = seconds(3);
    const auto started = server.clock->now();
    CHECK(server.connect(seconds(15)) != nullptr);
    CHECK(server.attempts > 2);
    // Found within one capped backoff of its return.
    CHECK(server.clock->now() - started >= seconds(3));
    CHECK(server.clock->now() - started <= seconds(3) + ConnectRetry::kCap);
  }
}

TEST_CASE("a server down longer than the connect retry window leaves the tenant unreachable",
          "[connect-retry]") {
  FlakyServer server;
  server.down_for = seconds(60);
  const auto started = server.clock->now();
  try {
    server.connect(seconds(15));
    FAIL("connected to a server that is down");
  } catch (const ConnectError& e) {
    CHECK(e.kind() == ConnectError::Kind::transient);
    CHECK_THAT(e.what(), Catch::Contains("Connection refused"));
  }
  CHECK(server.clock->now() - started == seconds(15));
  CHECK(server.attempts >= 9);
}

TEST_CASE("connect errors that cannot heal are tried once", "[connect-retry]") {
  for (const char* error :
       {"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password "
        "authentication failed for user \"app\"\n",
        "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"shop\" does "
        "not exist\n",
        "connection to server at \"127.0.0.1\", port 5432 failed: server does not support SSL, "
        "but SSL was required\n",
        "connection to server at \"db.example\", port 5432 failed: SSL error: certificate verify "
        "failed\n"}) {
    INFO(error);
    FlakyServer server;
    server.error = error;
    server.down_for = seconds(60);
    CHECK_THROWS_AS(server.connect(seconds(15)), ConnectError);
    CHECK(server.attempts == 1);
    CHECK(server.clock->sleeps.empty());
  }
}
