#include "ledger_status.hpp"

#include <fmt/format.h>

#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "ledger_worker.hpp"
#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/fleet/stop_control.hpp"
#include "pgfleet/results/outcome_json.hpp"

namespace pgfleet::cli {
namespace {

using nlohmann::json;

constexpr std::chrono::seconds kWatchInterval{2};

// Tenants per second over the whole run, or over the last minute while it goes.
double rate(const ledger::RunProgress& p) {
  if (!p.finished_at && p.done_last_minute > 0 && p.elapsed_seconds > 60) {
    return p.done_last_minute / 60.0;
  }
  return p.elapsed_seconds > 0 ? p.done / p.elapsed_seconds : 0;
}

// Seconds until every tenant is done at the current rate; nullopt when it cannot be told.
std::optional<double> eta_seconds(const ledger::RunProgress& p) {
  const double r = rate(p);
  if (p.finished_at || p.stop_reason || r <= 0) return std::nullopt;
  return (p.tenant_count - p.done) / r;
}

json to_json(const ledger::RunProgress& p) {
  json workers = json::array();
  for (const auto& w : p.workers) {
    workers.push_back(json{{"worker", w.worker},
                           {"running", w.running},
                           {"done", w.done},
                           {"lease_expired", w.lease_expired}});
  }
  const auto eta = eta_seconds(p);
  return json{{"run_id", p.run_id},
              {"command", p.command},
              {"target", p.target ? json(*p.target) : json(nullptr)},
              {"started_at", p.started_at},
              {"finished_at", p.finished_at ? json(*p.finished_at) : json(nullptr)},
              {"stop_reason", p.stop_reason ? json(*p.stop_reason) : json(nullptr)},
              {"tenant_count", p.tenant_count},
              {"done", p.done},
              {"per_status", p.per_status},
              {"workers", workers},
              {"tenants_per_second", rate(p)},
              {"eta_seconds", eta ? json(*eta) : json(nullptr)}};
}

}  // namespace

void print_progress(const ledger::RunProgress& p, std::ostream& out) {
  out << fmt::format("run {}: {} to {}, started {}{}\n", printable_line(p.run_id), p.command,
                     p.target ? "version " + *p.target : "the latest version", p.started_at,
                     p.finished_at ? ", finished " + *p.finished_at : "");
  out << fmt::format("{} tenant(s): {} done\n", p.tenant_count, p.done);
  out << "status           tenants\n";
  for (const auto& [status, count] : p.per_status) {
    out << fmt::format("{:<16} {:>7}\n", status, count);
  }
  out << fmt::format("{:<32} {:>7} {:>7}\n", "worker", "running", "done");
  for (const auto& w : p.workers) {
    out << fmt::format("{:<32} {:>7} {:>7}{}\n", printable_line(w.worker), w.running, w.done,
                       w.lease_expired > 0
                           ? fmt::format("  lease ran out on {} (worker gone?)", w.lease_expired)
                           : "");
  }
  const auto eta = eta_seconds(p);
  out << fmt::format("{:.1f} tenants/s{}\n", rate(p),
                     eta ? fmt::format(", ETA {:.0f}s", *eta) : std::string());
  if (p.stop_reason) out << "stopped: " << printable_line(*p.stop_reason) << "\n";
}

int ledger_status(const Options& o) {
  const auto ledger = open_ledger(o);
  const StopControl& stop = StopControl::process();
  for (;;) {
    std::optional<ledger::RunProgress> progress;
    try {
      progress = ledger::run_progress(*ledger, o.run_id);
    } catch (const ledger::LedgerError& e) {
      throw RunError(std::string("ledger: ") + e.what());
    }
    if (!progress) throw UsageError("status: no run " + o.run_id + " in the ledger");
    if (o.log_format == "json") {
      std::cout << to_json(*progress).dump(-1, ' ', false, json::error_handler_t::replace)
                << std::endl;
    } else {
      print_progress(*progress, std::cout);
      std::cout << std::flush;
    }
    if (!o.watch || progress->finished_at || progress->stop_reason) return exit_ok;
    for (auto waited = std::chrono::milliseconds(0); waited < kWatchInterval;
         waited += std::chrono::milliseconds(100)) {
      if (stop.stop_requested())
        return stop.signal_number() == SIGTERM ? exit_sigterm : exit_sigint;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::cout << "\n";
  }
}

}  // namespace pgfleet::cli
