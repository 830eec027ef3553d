#pragma once
// tenants.jsonl read back (README.md, "Results"): what `pgfleet report` rebuilds a run's files
// from. The inverse of outcome_to_json.
#include <chrono>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/outcome.hpp"

namespace pgfleet {

// A time as result files write it (RFC 3339, e.g. "2026-11-24T05:00:00.123Z"), its milliseconds
// kept; nullopt if malformed.
std::optional<std::chrono::system_clock::time_point> parse_result_time(const std::string& text);

// The status a result file names, e.g. "up_to_date"; nullopt for any other text.
std::optional<TenantStatus> parse_tenant_status(const std::string& text);

// One tenants.jsonl line read back; nullopt when it is not a JSON object with a string
// tenant_id and a known status (a line cut short, or damaged). Fields of the wrong type are
// left at their defaults. Never throws.
std::optional<TenantOutcome> outcome_from_json_line(const std::string& line);

// Every tenant of a tenants.jsonl text, and the 1-based numbers of the lines that were damaged
// (blank lines are neither).
struct TenantsFile {
  std::vector<TenantOutcome> tenants;
  std::vector<int> damaged_lines;
};
TenantsFile parse_tenants_jsonl(const std::string& text);
// The same, one line at a time: `each` gets every tenant in file order, and the damaged lines'
// numbers are returned. Holds one line at a time, not the file.
std::vector<int> read_tenants_jsonl(std::istream& lines,
                                    const std::function<void(TenantOutcome&&)>& each);

}  // namespace pgfleet
