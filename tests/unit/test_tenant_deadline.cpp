// Stopping and bounding tenants without a server (README.md, "Hung servers and stopping a run"):
// StopControl repeats cancels and never holds its lock while one is sent; --tenant-timeout cancels,
// then closes, a session that does not answer, and fails the tenant with phase `timeout`.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <csignal>
#include <future>
#include <mutex>
#include <thread>

#include "pgfleet/fleet/stop_control.hpp"
#include "pgfleet/fleet/tenant_connector.hpp"

using namespace pgfleet;
using Clock = std::chrono::steady_clock;

namespace {

// A server that never answers: a query blocks until the connection is closed. Cancel requests
// are counted and ignored, as a hung server ignores them.
struct HungServer {
  std::mutex mutex;
  std::condition_variable changed;
  int cancels = 0;
  int closes = 0;
};

class HungInterrupt : public SessionInterrupt {
 public:
  explicit HungInterrupt(std::shared_ptr<HungServer> server) : server_(std::move(server)) {}
  bool request_cancel() override {
    std::lock_guard<std::mutex> lock(server_->mutex);
    ++server_->cancels;
    return true;
  }
  void close() override {
    std::lock_guard<std::mutex> lock(server_->mutex);
    ++server_->closes;
    server_->changed.notify_all();
  }

 private:
  std::shared_ptr<HungServer> server_;
};

class HungSession : public Session {
 public:
  explicit HungSession(std::shared_ptr<HungServer> server)
      : server_(server), interrupt_(std::make_shared<HungInterrupt>(server)) {}
  QueryResult exec(const std::string&) override {
    std::unique_lock<std::mutex> lock(server_->mutex);
    server_->changed.wait(lock, [&] { return server_->closes > 0; });
    throw ConnectionLost("server closed the connection unexpectedly");
  }
  BatchResult exec_batch(const std::string& sql) override { return BatchResult{{exec(sql)}, {}}; }
  QueryResult exec_with_param(const std::string& sql, const std::string&) override {
    return exec(sql);
  }
  void cancel() override {}
  std::string quote(const std::string& s) const override { return s; }
  std::string quote_name(const std::string& s) const override { return s; }
  long round_trips() const override { return 0; }
  std::shared_ptr<SessionInterrupt> interrupt_handle() override { return interrupt_; }

 private:
  std::shared_ptr<HungServer> server_;
  std::shared_ptr<HungInterrupt> interrupt_;
};

Tenant tenant() {
  Tenant t;
  t.id = "acme";
  t.connection_string = "postgres://app@db.example/acme";
  t.conninfo = ConnInfo::parse(t.connection_string);
  return t;
}

ConnectSettings bounded(Millis timeout) {
  ConnectSettings s;
  s.application_name = "pgfleet/run-1";
  s.retry_window = Millis(0);  // one attempt
  s.tenant_timeout = timeout;
  return s;
}

// What the engine makes of a lost connection: a failed tenant.
TenantOutcome run_query(const Connector& connect) {
  TenantOutcome out = not_run("acme", TenantStatus::failed, "");
  try {
    connect()->exec("SELECT pg_sleep(30)");
    out.status = TenantStatus::applied;
  } catch (const std::exception& e) {
    out.error = ErrorInfo{};
    out.error->version = 7;
    out.error->message = e.what();
  }
  return out;
}

// A handle whose cancel blocks until released (a slow cancel in flight).
class SlowCancel : public SessionInterrupt {
 public:
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  bool request_cancel() override {
    released.wait();
    return true;
  }
  void close() override {}
};

// Counts what it is asked to do.
class CountingInterrupt : public SessionInterrupt {
 public:
  std::atomic<int> cancels{0}, closes{0};
  bool request_cancel() override {
    ++cancels;
    return true;
  }
  void close() override { ++closes; }
};

}  // namespace

TEST_CASE("past --tenant-timeout a hung query is cancelled then closed: failed phase timeout",
          "[deadline]") {
  StopControl stop;
  auto server = std::make_shared<HungServer>();
  const SessionFactory factory = [server](const ConnInfo&, const ConnectLimits&) {
    return std::make_unique<HungSession>(server);
  };
  const auto started = Clock::now();
  const TenantOutcome out = run_connected(tenant(), bounded(Millis(300)), stop, run_query, factory);
  const auto took = Clock::now() - started;
  CHECK(took < std::chrono::seconds(5));
  CHECK(took >= Millis(300));
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->phase == ErrorPhase::timeout);
  CHECK(out.error->version == Version(7));
  CHECK_THAT(out.error->message, Catch::Contains("--tenant-timeout 300ms"));
  CHECK_THAT(out.error->detail, Catch::Contains("closed the connection"));
  CHECK(out.tls == false);
  std::lock_guard<std::mutex> lock(server->mutex);
  CHECK(server->cancels >= 1);  // the cancel went first
  CHECK(server->closes >= 1);
}

TEST_CASE("a connect still waiting at the deadline is abandoned", "[deadline]") {
  StopControl stop;
  const SessionFactory factory = [](const ConnInfo&,
                                    const ConnectLimits& limits) -> std::unique_ptr<Session> {
    while (!limits.abandon()) std::this_thread::sleep_for(Millis(10));
    throw ConnectError(ConnectError::Kind::permanent, "57014", "connect abandoned");
  };
  ConnectSettings settings = bounded(Millis(200));
  settings.connect_timeout = Millis(60000);
  const auto started = Clock::now();
  const TenantOutcome out = run_connected(tenant(), settings, stop, run_query, factory);
  CHECK(Clock::now() - started < std::chrono::seconds(3));
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->phase == ErrorPhase::timeout);
  CHECK_FALSE(out.tls);
}

TEST_CASE("a tenant done before its deadline is left as it is", "[deadline]") {
  StopControl stop;
  const TenantOutcome out = run_connected(
      tenant(), bounded(Millis(5000)), stop,
      [](const Connector&) { return not_run("acme", TenantStatus::up_to_date, ""); },
      [](const ConnInfo&, const ConnectLimits&) -> std::unique_ptr<Session> { return nullptr; });
  CHECK(out.status == TenantStatus::up_to_date);
  CHECK_FALSE(out.error);
}

TEST_CASE("a second SIGINT closes a hung tenant's connection: cancelled, not failed",
          "[deadline]") {
  StopControl stop;
  auto server = std::make_shared<HungServer>();
  const SessionFactory factory = [server](const ConnInfo&, const ConnectLimits&) {
    return std::make_unique<HungSession>(server);
  };
  ConnectSettings settings = bounded(Millis(60000));
  auto running = std::async(std::launch::async, [&] {
    return run_connected(tenant(), settings, stop, run_query, factory);
  });
  std::this_thread::sleep_for(Millis(200));
  stop.request_stop(SIGINT);
  stop.cancel_running();  // within --grace: cancel only
  CHECK(running.wait_for(Millis(300)) == std::future_status::timeout);
  stop.request_stop(SIGINT);
  stop.cancel_running();
  REQUIRE(running.wait_for(std::chrono::seconds(3)) == std::future_status::ready);
  const TenantOutcome out = running.get();
  CHECK(out.status == TenantStatus::cancelled);
}

TEST_CASE("StopControl holds no lock while a cancel is sent", "[deadline]") {
  StopControl stop;
  auto slow = std::make_shared<SlowCancel>();
  stop.track(slow.get(), slow);
  auto cancelling = std::async(std::launch::async, [&] { stop.cancel_running(); });
  std::this_thread::sleep_for(Millis(50));
  // A tenant starting or ending meanwhile must not wait for the cancel.
  auto other = std::make_shared<CountingInterrupt>();
  auto tracking = std::async(std::launch::async, [&] {
    stop.track(other.get(), other);
    stop.untrack(other.get());
  });
  CHECK(tracking.wait_for(std::chrono::seconds(2)) == std::future_status::ready);
  slow->release.set_value();
  cancelling.get();
  tracking.get();
}

TEST_CASE("StopControl repeats the cancel and closes only after a second SIGINT", "[deadline]") {
  StopControl stop;
  auto handle = std::make_shared<CountingInterrupt>();
  stop.track(handle.get(), handle);
  stop.request_stop(SIGINT);
  stop.cancel_running();
  stop.cancel_running();  // too soon to send another
  CHECK(handle->cancels == 1);
  CHECK(handle->closes == 0);
  std::this_thread::sleep_for(Millis(1100));
  stop.cancel_running();
  CHECK(handle->cancels == 2);
  CHECK(handle->closes == 0);
  stop.request_stop(SIGINT);
  stop.cancel_running();
  CHECK(handle->closes == 1);
  stop.untrack(handle.get());
  {
    // A handle that is gone is skipped.
    auto gone = std::make_shared<CountingInterrupt>();
    stop.track(gone.get(), gone);
  }
  stop.cancel_running();
  CHECK(handle->closes == 1);
}
