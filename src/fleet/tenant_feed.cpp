#include "pgfleet/fleet/tenant_feed.hpp"

#include <algorithm>

namespace pgfleet {

FixedTenantFeed::FixedTenantFeed(std::vector<Tenant> tenants, int canary)
    : waiting_(std::move(tenants)), size_(waiting_.size()), canary_(std::max(0, canary)) {}

FeedBatch FixedTenantFeed::next() {
  FeedBatch batch;
  if (canary_ > 0 && !waiting_.empty()) {
    const auto cut = waiting_.begin() + std::min<std::size_t>(canary_, waiting_.size());
    batch.tenants.assign(std::make_move_iterator(waiting_.begin()), std::make_move_iterator(cut));
    waiting_.erase(waiting_.begin(), cut);
    batch.kind = BatchKind::canary;
    canary_ = 0;
    return batch;
  }
  batch.tenants = std::move(waiting_);
  waiting_.clear();
  return batch;
}

std::vector<Tenant> FixedTenantFeed::not_handed_out() {
  std::vector<Tenant> rest = std::move(waiting_);
  waiting_.clear();
  return rest;
}

}  // namespace pgfleet
