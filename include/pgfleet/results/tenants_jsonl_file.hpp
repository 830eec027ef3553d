#pragma once
// tenants.jsonl read back, and kept at one line per tenant (docs/SCALING.md, "Resume without a
// ledger"): a resume appends a tenant's new line after the line it supersedes, so while it runs
// (or after one was killed) a tenant can have several lines and the LAST one counts; at its start
// and end a resume rewrites the file atomically without the superseded lines.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pgfleet/engine/outcome.hpp"

namespace pgfleet {

struct TenantsJsonl {
  std::map<std::string, TenantOutcome> last_outcomes;  // by tenant id: its last line
  std::vector<int> damaged_lines;  // 1-based numbers of lines that are not a tenant record
};

// Reads `path`; a missing file is an empty one (the run died before any tenant finished).
// Throws ResultsError when it exists but cannot be read.
TenantsJsonl read_tenants_jsonl(const std::string& path);

// Rewrites `path` atomically so that each tenant in `resumed_ids` keeps only its last line (in
// file order; other lines stay as they are, also two lines of a duplicate id that no resume ran
// again), every damaged line kept and ending in a newline (the next appended line stays whole).
// Leaves a file that needs no change untouched. Returns how many superseded lines it removed.
// Throws ResultsError.
std::size_t compact_tenants_jsonl(const std::string& path,
                                  const std::set<std::string>& resumed_ids);

}  // namespace pgfleet
