// Pure scheduling throughput of FleetRunner: N tenants over H hosts under a per-host cap, run by
// P workers through the real FleetRunner with no-op tenant work (no session, no database), so the
// wall time is what picking, waking and recording tenants costs.
//
//   bench_schedule [--tenants N] [--hosts H] [--per-host C] [--concurrency P]
//                  [--layout grouped|interleaved] [--work-us U]
//
// grouped:     the tenant list goes host by host (tenants 0..N/H-1 on the first host, ...), as a
//              list exported per database server would; the per-host cap binds all the time.
// interleaved: tenant i on host i mod H.
// --work-us U: each tenant holds its slot U microseconds (sleeping, as a fake session waiting on
// the server would), so the per-host caps bind; 0 (default) = no-op tenants.
// Prints one JSON line: the parameters; seconds from the start of run() to the end of the last
// tenant's work and tenants/s over that time; run_seconds until run() returned (it also waits
// for the stop watcher's next poll); the process's CPU seconds (the scheduler's cost when
// tenants sleep); peak RSS (getrusage), and the peak before run() (the tenant list's share).
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/fleet/fleet_runner.hpp"

namespace {

struct BenchOptions {
  int tenants = 100000;
  int hosts = 1000;
  int per_host = 2;
  int concurrency = 16;
  std::string layout = "grouped";
  int work_us = 0;
};

BenchOptions parse_options(int argc, char** argv) {
  BenchOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("missing value for " + flag);
    const std::string value = argv[++i];
    if (flag == "--tenants") {
      o.tenants = std::stoi(value);
    } else if (flag == "--hosts") {
      o.hosts = std::stoi(value);
    } else if (flag == "--per-host") {
      o.per_host = std::stoi(value);
    } else if (flag == "--concurrency") {
      o.concurrency = std::stoi(value);
    } else if (flag == "--work-us") {
      o.work_us = std::stoi(value);
    } else if (flag == "--layout" && (value == "grouped" || value == "interleaved")) {
      o.layout = value;
    } else {
      throw std::invalid_argument("unknown option " + flag + " " + value);
    }
  }
  if (o.tenants < 1 || o.hosts < 1) throw std::invalid_argument("--tenants and --hosts >= 1");
  return o;
}

std::vector<pgfleet::Tenant> make_fleet(const BenchOptions& o) {
  const int per_host_block = (o.tenants + o.hosts - 1) / o.hosts;
  std::vector<pgfleet::Tenant> fleet(static_cast<std::size_t>(o.tenants));
  for (int i = 0; i < o.tenants; ++i) {
    const int host = o.layout == "grouped" ? i / per_host_block : i % o.hosts;
    fleet[i].id = "tenant_" + std::to_string(i);
    fleet[i].connection_string =
        "host=db" + std::to_string(host) + ".example port=5432 dbname=t" + std::to_string(i);
  }
  return fleet;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions o;
  try {
    o = parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "bench_schedule: " << e.what() << "\n";
    return 2;
  }
  const std::vector<pgfleet::Tenant> fleet = make_fleet(o);
  rusage before_run{};
  getrusage(RUSAGE_SELF, &before_run);  // the tenant list's share of the peak
  pgfleet::Reporter reporter;           // every event is a no-op
  pgfleet::StopControl stop;
  pgfleet::FleetRunner runner({o.concurrency, o.per_host}, {}, std::chrono::milliseconds(1000),
                              reporter, stop);

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::atomic<Clock::rep> last_end{0};  // when the last tenant's work ended, since start
  const pgfleet::FleetResult result = runner.run(
      fleet,
      [&](const pgfleet::Tenant& t) {
        if (o.work_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(o.work_us));
        const Clock::rep now = (Clock::now() - start).count();
        Clock::rep seen = last_end.load();
        while (seen < now && !last_end.compare_exchange_weak(seen, now)) {
        }
        pgfleet::TenantOutcome outcome;
        outcome.tenant_id = t.id;
        outcome.status = pgfleet::TenantStatus::up_to_date;
        return outcome;
      },
      [](const pgfleet::Tenant& t) {  // as the CLI does (cli/fleet_setup.cpp)
        return pgfleet::ConnInfo::parse(t.connection_string).host_port();
      });
  const double run_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double seconds = std::chrono::duration<double>(Clock::duration(last_end.load())).count();

  if (result.statuses.size() != fleet.size()) return 1;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);  // ru_maxrss is in KiB on Linux
  const auto as_seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  std::printf(
      "{\"tenants\":%d,\"hosts\":%d,\"per_host\":%d,\"concurrency\":%d,\"layout\":\"%s\","
      "\"work_us\":%d,\"seconds\":%.4f,\"tenants_per_s\":%.0f,\"run_seconds\":%.4f,"
      "\"cpu_seconds\":%.4f,"
      "\"peak_rss_kib\":%ld,\"rss_before_run_kib\":%ld}\n",
      o.tenants, o.hosts, o.per_host, o.concurrency, o.layout.c_str(), o.work_us, seconds,
      o.tenants / seconds, run_seconds, as_seconds(usage.ru_utime) + as_seconds(usage.ru_stime),
      usage.ru_maxrss, before_run.ru_maxrss);
  return 0;
}
