// A hung server never hangs the run (README.md, "Hung servers and stopping a run"), end to end with
// the pgfleet binary: --tenant-timeout, the connect deadline against a host that never answers, and
// a second SIGINT while a tenant's backend is frozen (SIGSTOP) so that no cancel can help.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

// A migration that sleeps `seconds` on database `slow_db` only.
std::string sleep_on(const std::string& slow_db, int seconds) {
  return "SELECT CASE WHEN current_database() = '" + slow_db + "' THEN pg_sleep(" +
         std::to_string(seconds) + ") END;\nCREATE TABLE done (x int);\n";
}

// pid of the pgfleet backend running pg_sleep on `db`, 0 if there is none (yet).
int sleeping_backend(const std::string& db) {
  const std::string pid = scalar(
      "postgres", "SELECT pid FROM pg_stat_activity WHERE datname = '" + db +
                      "' AND application_name LIKE 'pgfleet/%' AND state = 'active' AND query LIKE "
                      "'%pg_sleep%' LIMIT 1");
  return pid.empty() ? 0 : std::stoi(pid);
}

int wait_for_sleeping_backend(const std::string& db) {
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  int pid = 0;
  while (pid == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pid = sleeping_backend(db);
  }
  return pid;
}

// A TCP port that accepts connections (the kernel completes the handshake) and never answers.
class Blackhole {
 public:
  Blackhole() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~Blackhole() { ::close(fd_); }
  Blackhole(const Blackhole&) = delete;
  Blackhole& operator=(const Blackhole&) = delete;
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

// Freezes a backend for a scope, and thaws it whatever happens.
class FrozenBackend {
 public:
  explicit FrozenBackend(int pid) : pid_(pid) { REQUIRE(::kill(pid_, SIGSTOP) == 0); }
  ~FrozenBackend() { ::kill(pid_, SIGCONT); }
  FrozenBackend(const FrozenBackend&) = delete;
  FrozenBackend& operator=(const FrozenBackend&) = delete;

 private:
  int pid_;
};

}  // namespace

TEST_CASE("tenant-timeout fails a tenant stuck in pg_sleep and the fleet goes on", "[hung]") {
  const std::string slow = create_database("hung_slow");
  const std::string fast = create_database("hung_fast");
  const Workspace ws = make_workspace("hung_timeout");
  ws.migration("0001_sleep.up.sql", sleep_on(slow, 30));
  const auto started = Clock::now();
  const CliRun run = run_cli(apply_args(ws, "--dsn " + sh_quote(dsn_for(slow)) + " --dsn " +
                                                sh_quote(dsn_for(fast)) + " --tenant-timeout 2s"),
                             ws.dir);
  const auto took = Clock::now() - started;
  INFO(run.all());
  CHECK(run.code == 1);
  CHECK(took < std::chrono::seconds(10));
  const std::string run_dir = only_run_dir(ws.results("r"));
  const json stuck = tenant_record(run_dir, slow);
  CHECK(stuck["status"] == "failed");
  CHECK(stuck["error"]["phase"] == "timeout");
  CHECK(stuck["error"]["version"] == 1);
  CHECK_THAT(stuck["error"]["message"].get<std::string>(), Catch::Contains("--tenant-timeout 2s"));
  CHECK(tenant_record(run_dir, fast)["status"] == "applied");
  CHECK(history_versions(fast) == std::vector<long long>{1});
  CHECK(history_versions(slow).empty());
  // The cancel reached the server: the sleep does not run on.
  CHECK(sleeping_backend(slow) == 0);
}

TEST_CASE("a host that never answers is bounded by the connect timeout", "[hung]") {
  const Blackhole hole;
  const std::string dsn = "postgres://app:pw@127.0.0.1:" + std::to_string(hole.port()) + "/void";
  const Workspace ws = make_workspace("hung_blackhole");
  ws.migration("0001_t.up.sql", "CREATE TABLE t (x int);\n");

  SECTION("each attempt ends at --connect-timeout; transient, so retried, then unreachable") {
    const auto started = Clock::now();
    // Attempts of 1 s start within a 3 s retry window: about 4 s in all.
    const CliRun run =
        run_cli(apply_args(ws, "--dsn " + sh_quote(dsn) +
                                   " --connect-timeout 1s --connect-retry-window 3s"),
                ws.dir);
    INFO(run.all());
    CHECK(run.code == 1);
    CHECK(Clock::now() - started < std::chrono::seconds(12));
    const json record = tenant_record(only_run_dir(ws.results("r")), "void");
    CHECK(record["status"] == "unreachable");
    CHECK(record["error"]["phase"] == "connect");
    CHECK_THAT(record["error"]["message"].get<std::string>(), Catch::Contains("timeout expired"));
    CHECK(run.all().find("pw@") == std::string::npos);
  }
  SECTION("--tenant-timeout bounds the retries too") {
    const auto started = Clock::now();
    const CliRun run = run_cli(
        apply_args(ws, "--dsn " + sh_quote(dsn) + " --connect-timeout 30s --tenant-timeout 1500ms"),
        ws.dir);
    INFO(run.all());
    CHECK(run.code == 1);
    CHECK(Clock::now() - started < std::chrono::seconds(6));
    const json record = tenant_record(only_run_dir(ws.results("r")), "void");
    CHECK(record["status"] == "failed");
    CHECK(record["error"]["phase"] == "timeout");
  }
}

TEST_CASE("a second SIGINT closes a frozen tenant's connection and exits 130 within seconds",
          "[hung]") {
  const std::string db = create_database("hung_sigint");
  const Workspace ws = make_workspace("hung_sigint");
  ws.migration("0001_sleep.up.sql", sleep_on(db, 30));
  // `sh` writes its pid and execs pgfleet, so the pid is pgfleet's.
  const std::string pid_file = ws.dir + "/pgfleet.pid";
  const std::string env =
      "sh -c " + sh_quote("echo $$ > " + sh_quote(pid_file) + "; exec \"$@\"") + " sh";
  auto pending = std::async(std::launch::async, [&] {
    return run_cli(apply_args(ws, "--dsn " + sh_quote(dsn_for(db)) + " --grace 10min"), ws.dir,
                   env);
  });
  const int backend = wait_for_sleeping_backend(db);
  const pid_t pgfleet = static_cast<pid_t>(std::stol("0" + read_text(pid_file)));
  REQUIRE(pgfleet > 0);
  if (backend == 0) ::kill(pgfleet, SIGKILL);  // never a 30 s hang when it did not start
  REQUIRE(backend > 0);
  CliRun run;
  {
    // A frozen backend: the cancel request is taken but nothing answers on the connection.
    const FrozenBackend frozen(backend);
    REQUIRE(::kill(pgfleet, SIGINT) == 0);
    CHECK(pending.wait_for(std::chrono::milliseconds(1500)) == std::future_status::timeout);
    const auto second = Clock::now();
    REQUIRE(::kill(pgfleet, SIGINT) == 0);
    const bool ended = pending.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
    if (!ended) ::kill(pgfleet, SIGKILL);
    run = pending.get();
    INFO(run.all());
    REQUIRE(ended);
    CHECK(Clock::now() - second < std::chrono::seconds(5));
  }
  INFO(run.all());
  CHECK(run.code == 130);
  const std::string run_dir = only_run_dir(ws.results("r"));
  const json record = tenant_record(run_dir, db);
  CHECK(record["status"] == "cancelled");
  CHECK(json::parse(read_text(run_dir + "/summary.json"))["exit_code"] == 130);
  CHECK(history_versions(db).empty());
}
