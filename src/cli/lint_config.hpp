#pragma once
// The `lint` object of pgfleet.json (docs/LINT.md, "Configuration").
#include <string>

#include "pgfleet/migrations/lint.hpp"

namespace pgfleet::cli {

// Reads `lint` from the config file at `path` (a missing file, or no `lint` key, gives the
// defaults). Throws UsageError naming the key on a bad value or an unknown rule id.
LintConfig read_lint_config(const std::string& path);

}  // namespace pgfleet::cli
