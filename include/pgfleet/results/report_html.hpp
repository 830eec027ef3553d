#pragma once
// report.html (docs/PREFLIGHT.md, "The report"): one self-contained page per run — inline CSS and
// SVG, no script, nothing fetched — that opens from disk on a laptop or a phone. All text from
// tenants and servers is escaped (html_escape.hpp).
#include <string>

#include "pgfleet/results/run_record.hpp"

namespace pgfleet {

// The page: the run (id, command, target, times, exit code, Neon branch), tenants per status as
// a bar, the version census, the forecast with a duration histogram and the blocking locks per
// migration, the gates, the failed tenants grouped by error, the slowest tenants.
std::string render_report_html(const RunRecord& record);

}  // namespace pgfleet
