#pragma once
// --var NAME=VALUE and --secret-var NAME=VALUE (pgfleet.json `vars`): the placeholder values
// every tenant starts from (docs/PREFLIGHT.md "Placeholders").
#include <map>
#include <string>
#include <vector>

#include "pgfleet/cli/options.hpp"

namespace pgfleet::cli {

struct PlaceholderFlags {
  std::map<std::string, std::string> defaults;  // --var and --secret-var together
  std::vector<std::string> secrets;             // the --secret-var values, masked everywhere
};

// Parses the flags; every secret value is also masked in the messages the CLI prints. Throws
// UsageError (never quoting a value) for an item without '=', a bad name, a built-in name
// (tenant_id, schema, database, run_id) or a name given twice.
PlaceholderFlags placeholder_flags(const Options& o);

}  // namespace pgfleet::cli
