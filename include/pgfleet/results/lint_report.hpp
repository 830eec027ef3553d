#pragma once
// `pgfleet lint` findings written for a reader: text for people, json, GitHub annotations, SARIF
// 2.1.0 (code scanning), GitLab Code Quality and Markdown (README.md, "Lint").
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/migrations/lint.hpp"

namespace pgfleet {

enum class LintFormat { text, json, github, sarif, gitlab, markdown };

// Whether text-like formats show info-level findings (`-v`).
enum class InfoFindings { hidden, shown };

// Parses a --format value; throws std::invalid_argument naming the known ones.
LintFormat parse_lint_format(std::string_view text);

// The whole report in `format`. Suppressed findings appear, marked, in json and sarif only;
// the text format is `file:line:col: severity: message [rule]`, one per line.
std::string format_lint_report(const std::vector<LintFinding>& findings, LintFormat format,
                               InfoFindings info = InfoFindings::hidden);

}  // namespace pgfleet
