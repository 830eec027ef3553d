#include "pgfleet/results/forecast_table.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pgfleet/results/outcome_json.hpp"

namespace pgfleet {
namespace {

constexpr std::size_t kGateTripsListed = 10;

std::string gate_line(const GateTrip& trip) {
  std::string what =
      trip.gate == Gate::max_lock_hold
          ? fmt::format("held {} {} for {}", trip.mode, trip.relation, format_ms(trip.ms))
          : fmt::format("ran {}", format_ms(trip.ms));
  return printable_line(fmt::format("--{} {}: {} {} on {} {}", to_string(trip.gate),
                                    format_ms(trip.limit_ms), trip.version, trip.name,
                                    trip.tenant_id, what));
}

std::string gates_text(const RunMeasures& m) {
  if (!m.gate_limits.max_lock_hold_ms && !m.gate_limits.max_duration_ms) return "";
  if (m.gates.empty()) return "gates: passed\n";
  std::string out = fmt::format("gates: {} trip(s)\n", m.gates.size());
  for (std::size_t i = 0; i < m.gates.size() && i < kGateTripsListed; ++i) {
    out += "  " + gate_line(m.gates[i]) + "\n";
  }
  if (m.gates.size() > kGateTripsListed) {
    out += fmt::format("  ... and {} more (summary.json \"gates\")\n",
                       m.gates.size() - kGateTripsListed);
  }
  return out;
}

}  // namespace

std::string format_ms(long ms) {
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  if (ms < 3'600'000) return fmt::format("{:.1f}min", static_cast<double>(ms) / 60'000.0);
  return fmt::format("{:.1f}h", static_cast<double>(ms) / 3'600'000.0);
}

std::string format_forecast_table(const RunMeasures& m) {
  std::string out = "forecast:\n";
  if (m.forecast.empty()) return out + "  no migration ran\n" + gates_text(m);
  std::size_t version_width = 7, name_width = 4;
  for (const MigrationForecast& f : m.forecast) {
    version_width = std::max(version_width, std::to_string(f.version).size());
    name_width = std::max(name_width, f.name.size());
  }
  const auto line = [&](const std::string& version, const std::string& name, const std::string& n,
                        const std::string& p50, const std::string& p95, const std::string& max,
                        const std::string& attempts) {
    return printable_line(fmt::format("  {:<{}} {:<{}} {:>7} {:>8} {:>8} {:>8} {:>8}", version,
                                      version_width, name, name_width, n, p50, p95, max,
                                      attempts)) +
           "\n";
  };
  out += line("version", "name", "tenants", "p50", "p95", "max", "attempts");
  for (const MigrationForecast& f : m.forecast) {
    out += line(std::to_string(f.version), f.name, std::to_string(f.tenants), format_ms(f.p50_ms),
                format_ms(f.p95_ms), format_ms(f.max_ms), std::to_string(f.attempts_max));
    for (const BlockingLock& b : f.blocking) {
      out += printable_line(fmt::format("      blocks {} on {}: {} on {} tenant(s), up to {}",
                                        to_string(b.blocks), b.relation, b.mode, b.tenants,
                                        format_ms(b.max_ms))) +
             "\n";
    }
  }
  return out + gates_text(m);
}

}  // namespace pgfleet
