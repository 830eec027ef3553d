#pragma once
// The inline SVG pictures of report.html: the tenants-per-status bar and a duration histogram.
// No script, nothing fetched; every number is also in the page as text.
#include <map>
#include <string>
#include <vector>

#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/results/forecast.hpp"

namespace pgfleet {

// The colour of a status in the bar and its legend (CSS colour).
const char* status_colour(TenantStatus status);

// One horizontal bar, a segment per status as wide as its share of the tenants.
std::string status_bar_svg(const std::map<TenantStatus, long>& counts);

// Bars of tenants per duration bin, with the lowest and highest duration under them.
std::string histogram_svg(const std::vector<HistogramBin>& bins);

}  // namespace pgfleet
