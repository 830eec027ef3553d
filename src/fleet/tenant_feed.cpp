#include "pgfleet/fleet/tenant_feed.hpp"

#include <algorithm>

namespace pgfleet {

FixedTenantFeed::FixedTenantFeed(const std::vector<Tenant>& tenants, int canary)
    : tenants_(tenants), canary_(static_cast<std::size_t>(std::max(0, canary))) {}

std::vector<const Tenant*> FixedTenantFeed::handed_out(std::size_t count) {
  const std::size_t end = std::min(tenants_.size(), next_ + count);
  std::vector<const Tenant*> batch;
  batch.reserve(end - next_);
  for (; next_ < end; ++next_) batch.push_back(&tenants_[next_]);
  return batch;
}

FeedBatch FixedTenantFeed::next() {
  FeedBatch batch;
  if (canary_ > 0 && next_ == 0) {
    batch.tenants = handed_out(canary_);
    batch.kind = BatchKind::canary;
    return batch;
  }
  batch.tenants = handed_out(tenants_.size());
  return batch;
}

std::vector<const Tenant*> FixedTenantFeed::not_handed_out() { return handed_out(tenants_.size()); }

}  // namespace pgfleet
