#include "pgfleet/fleet/tenant_selection.hpp"

#include <algorithm>
#include <unordered_set>

#include "pgfleet/util/ascii_text.hpp"
#include "pgfleet/util/fnv1a.hpp"

namespace pgfleet {
namespace {

// Parses a decimal number with no sign; nullopt when it is not one or overflows.
std::optional<std::uint64_t> parse_count(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

ShardSpec parse_shard(const std::string& text) {
  const std::string expected =
      "--shard expects K/N with 0 <= K < N (0-based, e.g. 0/4), got '" + text + "'";
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw std::invalid_argument(expected);
  const auto index = parse_count(util::trim(text.substr(0, slash), util::kSpacesAndTabs));
  const auto count = parse_count(util::trim(text.substr(slash + 1), util::kSpacesAndTabs));
  if (!index || !count) throw std::invalid_argument(expected);
  if (*count == 0) throw std::invalid_argument("--shard: N must be at least 1, got '" + text + "'");
  if (*index >= *count) {
    throw std::invalid_argument("--shard: K must be less than N (K is 0-based), got '" + text +
                                "'");
  }
  return ShardSpec{*index, *count};
}

ShardSpec parse_shard(const std::string& text,
                      const std::optional<std::string>& job_completion_index) {
  const std::string prefix = "index/";
  if (text.compare(0, prefix.size(), prefix) != 0) return parse_shard(text);
  if (!job_completion_index) {
    throw std::invalid_argument("--shard " + text +
                                " takes K from JOB_COMPLETION_INDEX, which is not set (Kubernetes "
                                "sets it in each pod of an Indexed Job); give K/N instead");
  }
  const std::string index = util::trim(*job_completion_index, util::kSpacesAndTabs);
  if (!parse_count(index)) {
    throw std::invalid_argument("--shard " + text +
                                ": JOB_COMPLETION_INDEX must be a number, got '" +
                                *job_completion_index + "'");
  }
  const std::string count = text.substr(prefix.size());
  try {
    return parse_shard(index + "/" + count);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(e.what()) + " (K from JOB_COMPLETION_INDEX=" + index +
                                "; the Job's completions must equal N)");
  }
}

std::vector<std::string> parse_id_list(const std::string& text) {
  std::vector<std::string> ids;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string id = util::trim(text.substr(start, comma - start), util::kSpacesAndTabs);
    if (!id.empty()) ids.push_back(std::move(id));
    start = comma + 1;
  }
  return ids;
}

std::uint64_t shard_of(const std::string& tenant_id, std::uint64_t shard_count) {
  if (shard_count == 0) return 0;
  return util::fnv1a_64(tenant_id) % shard_count;
}

SelectedTenants select_tenants(std::vector<Tenant> tenants, const TenantSelection& selection) {
  const std::unordered_set<std::string> only(selection.only.begin(), selection.only.end());
  const std::unordered_set<std::string> exclude(selection.exclude.begin(), selection.exclude.end());
  std::unordered_set<std::string> seen;
  SelectedTenants out;
  for (auto& t : tenants) {
    seen.insert(t.id);
    if (!only.empty() && only.count(t.id) == 0) continue;
    if (exclude.count(t.id) != 0) continue;
    if (selection.shard && shard_of(t.id, selection.shard->count) != selection.shard->index)
      continue;
    out.tenants.push_back(std::move(t));
  }
  for (const auto& id : selection.only) {
    if (seen.count(id) == 0) out.unknown_only_ids.push_back(id);
  }
  return out;
}

}  // namespace pgfleet
