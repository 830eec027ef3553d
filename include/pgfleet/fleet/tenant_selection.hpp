#pragma once
// Choosing which tenants a run touches: --only, --exclude, --shard K/N or index/N (README
// "Tenants").
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "pgfleet/engine/tenant.hpp"

namespace pgfleet {

// One of N disjoint slices of the fleet; `index` is 0-based (0 <= index < count).
struct ShardSpec {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
};

struct TenantSelection {
  std::vector<std::string> only;  // empty: every tenant
  std::vector<std::string> exclude;
  std::optional<ShardSpec> shard;
};

struct SelectedTenants {
  std::vector<Tenant> tenants;                // in the order given
  std::vector<std::string> unknown_only_ids;  // --only ids that matched no tenant (likely typos)
};

// Parses "K/N" (decimal, N >= 1, 0 <= K < N). Throws std::invalid_argument with a message that
// names the flag and the expected form.
ShardSpec parse_shard(const std::string& text);
// Parses --shard as given: "K/N", or "index/N" whose K is `job_completion_index`, the value of
// JOB_COMPLETION_INDEX that Kubernetes sets in each pod of an Indexed Job (nullopt when unset).
// Throws std::invalid_argument naming the flag or the variable.
ShardSpec parse_shard(const std::string& text,
                      const std::optional<std::string>& job_completion_index);

// Splits "a,b, c" into ids (spaces around commas trimmed, empty items dropped).
std::vector<std::string> parse_id_list(const std::string& text);

// The shard a tenant id belongs to: FNV-1a 64 of the id's bytes modulo N. Stable across runs,
// machines and releases; every id is in exactly one shard.
std::uint64_t shard_of(const std::string& tenant_id, std::uint64_t shard_count);

// Keeps the tenants that pass every filter: in `only` (when given), not in `exclude`, and in
// the shard (when given). Never throws.
SelectedTenants select_tenants(std::vector<Tenant> tenants, const TenantSelection& selection);

}  // namespace pgfleet
