#pragma once
// The pure heart of the preflight safety promise: a tenant connection string for the parent
// branch becomes one for the preflight branch, or it is refused. Nothing but the host (and a
// Neon `options=endpoint=` routing hint) ever changes; anything that could still reach another
// host is refused.
#include <string>
#include <vector>

#include "pgfleet/db/conninfo.hpp"

namespace pgfleet::neon {

// What identifies the parent branch and the preflight branch in a connection string.
struct BranchHosts {
  std::vector<std::string> parent_endpoint_ids;  // every endpoint of the parent branch
  std::vector<std::string> parent_hosts;         // their direct hosts AND -pooler hosts
  std::string branch_endpoint_id;                // the preflight branch's read_write endpoint
  std::string branch_host;                       // its direct host
};

enum class RewriteStatus {
  rewritten,   // connection_string points at the branch
  refused,     // would not reach the branch for sure: the tenant is `skipped`
  unparsable,  // the string itself is bad: the tenant is `invalid`
};

struct DsnRewrite {
  RewriteStatus status = RewriteStatus::refused;
  std::string connection_string;  // when rewritten: libpq key=value form
  ConnInfo conninfo;              // when rewritten: the same, parsed
  std::string reason;             // when not rewritten: why (never holds the password)
};

// Rewrites `connection_string` for the branch, or refuses it: a host that is not one of the
// parent's (case-insensitive, direct or -pooler), several hosts, `hostaddr`, `service`, an
// `options` endpoint hint for another endpoint, or a password that carries an endpoint hint.
// Never throws for bad input.
DsnRewrite rewrite_for_branch(const std::string& connection_string, const BranchHosts& hosts);
// The same for a connection string parsed already.
DsnRewrite rewrite_for_branch(const ConnInfo& conninfo, const BranchHosts& hosts);

}  // namespace pgfleet::neon
