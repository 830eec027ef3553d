#pragma once
// The confirmation prompt of destructive commands (README.md, "Confirmation").
#include <string>

#include "pgfleet/cli/options.hpp"

namespace pgfleet::cli {

// True to go ahead: with --yes, or when stdin is not a terminal (a pipeline cannot answer), it
// does not ask; otherwise it asks `question` on stderr and takes y / yes.
bool confirmed_or_yes(const Options& o, const std::string& question);

}  // namespace pgfleet::cli
