#include "report_svg.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pgfleet/results/forecast_table.hpp"
#include "pgfleet/results/outcome_json.hpp"

namespace pgfleet {
namespace {

constexpr double kBarWidth = 1000.0;
constexpr int kHistWidth = 320, kHistHeight = 96, kHistPlot = 72;

}  // namespace

const char* status_colour(TenantStatus status) {
  switch (status) {
    case TenantStatus::applied: return "#2e7d32";
    case TenantStatus::up_to_date: return "#8bc34a";
    case TenantStatus::pending: return "#1976d2";
    case TenantStatus::failed: return "#c62828";
    case TenantStatus::drift: return "#ef6c00";
    case TenantStatus::dirty: return "#8e24aa";
    case TenantStatus::invalid: return "#6d4c41";
    case TenantStatus::unreachable: return "#455a64";
    case TenantStatus::skipped: return "#bdbdbd";
    case TenantStatus::cancelled: return "#757575";
    case TenantStatus::verified: return "#00897b";
  }
  return "#000000";
}

std::string status_bar_svg(const std::map<TenantStatus, long>& counts) {
  long total = 0;
  for (const auto& [status, n] : counts) total += n;
  std::string svg = fmt::format(
      "<svg class=\"bar\" viewBox=\"0 0 {} 24\" preserveAspectRatio=\"none\" role=\"img\" "
      "aria-label=\"tenants per status\">",
      kBarWidth);
  if (total == 0) {
    svg += "<rect x=\"0\" y=\"0\" width=\"1000\" height=\"24\" fill=\"#eeeeee\"/>";
  }
  double x = 0;
  for (TenantStatus s : kAllTenantStatuses) {
    const auto it = counts.find(s);
    if (it == counts.end() || it->second == 0) continue;
    const double width = kBarWidth * static_cast<double>(it->second) / static_cast<double>(total);
    svg += fmt::format(
        "<rect x=\"{:.2f}\" y=\"0\" width=\"{:.2f}\" height=\"24\" fill=\"{}\"><title>{} {}"
        "</title></rect>",
        x, width, status_colour(s), to_string(s), it->second);
    x += width;
  }
  return svg + "</svg>";
}

std::string histogram_svg(const std::vector<HistogramBin>& bins) {
  if (bins.empty()) return "";
  long highest = 1;
  for (const HistogramBin& b : bins) highest = std::max(highest, b.count);
  const double slot = static_cast<double>(kHistWidth) / static_cast<double>(bins.size());
  std::string svg = fmt::format(
      "<svg class=\"hist\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"tenants per "
      "duration\"><line x1=\"0\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>",
      kHistWidth, kHistHeight, kHistPlot + 0.5, kHistWidth, kHistPlot + 0.5);
  for (std::size_t i = 0; i < bins.size(); ++i) {
    const HistogramBin& b = bins[i];
    const double height = static_cast<double>(kHistPlot - 4) * static_cast<double>(b.count) /
                          static_cast<double>(highest);
    svg += fmt::format(
        "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"#1976d2\">"
        "<title>{}-{}: {} tenant(s)</title></rect>",
        static_cast<double>(i) * slot + 1, kHistPlot - height, std::max(1.0, slot - 2), height,
        format_ms(b.from_ms), format_ms(b.to_ms), b.count);
  }
  svg += fmt::format(
      "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text>"
      "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text></svg>",
      kHistHeight - 6, format_ms(bins.front().from_ms), kHistWidth, kHistHeight - 6,
      format_ms(bins.back().to_ms));
  return svg;
}

}  // namespace pgfleet
