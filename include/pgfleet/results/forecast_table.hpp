#pragma once
// The compact forecast table the console ends a run with (docs/PREFLIGHT.md, "Forecast"): one line
// per migration, one per blocking lock under it, then the gates that tripped.
#include <string>
#include <vector>

#include "pgfleet/results/forecast.hpp"
#include "pgfleet/results/gates.hpp"

namespace pgfleet {

// What a run measured, for the closing table.
struct RunMeasures {
  std::vector<MigrationForecast> forecast;
  std::vector<GateTrip> gates;
  GateLimits gate_limits;
};

// A duration for people: "850ms", "1.2s", "3.5min", "2.0h".
std::string format_ms(long ms);

// The table as lines of text (ending in '\n'); tenant ids and relation names are made printable
// (no control characters). Gate trips beyond the first 10 are counted, not listed.
std::string format_forecast_table(const RunMeasures& measures);

}  // namespace pgfleet
