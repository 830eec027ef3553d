#pragma once
// summary.md (docs/PREFLIGHT.md, "The report"): the facts of report.html as GitHub-flavoured
// Markdown, for a CI job summary ($GITHUB_STEP_SUMMARY) or a pull-request comment.
#include <string>

#include "pgfleet/results/run_record.hpp"

namespace pgfleet {

// `text` as literal Markdown inside a table cell: HTML escaped (html_escape.hpp), Markdown
// punctuation backslash-escaped, line breaks as spaces.
std::string markdown_escape(const std::string& text);

// The run, tenants per status, versions, forecast, gates, tenants not ok by error, slowest.
std::string render_summary_markdown(const RunRecord& record);

}  // namespace pgfleet
