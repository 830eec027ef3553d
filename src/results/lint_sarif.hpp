#pragma once
// Lint findings as a SARIF 2.1.0 log, for GitHub code scanning and other SARIF readers.
#include <string>
#include <vector>

#include "pgfleet/migrations/lint.hpp"

namespace pgfleet {

// One run whose driver lists every rule; suppressed findings carry `suppressions`.
std::string sarif_report(const std::vector<LintFinding>& findings);

}  // namespace pgfleet
