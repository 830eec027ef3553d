#include "pgfleet/ledger/ledger_feed.hpp"

#include <algorithm>

namespace pgfleet::ledger {
namespace {

// How often a worker with nothing to claim looks again: often enough to pick up a dead worker's
// tenants soon after their lease runs out, rarely enough to cost nothing.
std::chrono::milliseconds look_interval(std::chrono::milliseconds lease) {
  return std::clamp(lease / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
}

}  // namespace

LedgerFeed::LedgerFeed(LedgerQueue& queue, const std::vector<Tenant>& fleet, std::size_t fleet_size,
                       int batch_size, const std::atomic<bool>& stop_flag)
    : queue_(queue),
      fleet_size_(fleet_size),
      batch_size_(std::max(1, batch_size)),
      stop_flag_(stop_flag) {
  for (const Tenant& t : fleet) tenants_.emplace(t.id, t);
  renewer_ = std::thread([this] { renew_until_stopped(); });
}

LedgerFeed::~LedgerFeed() { stop_renewing(); }

void LedgerFeed::stop_renewing() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    renewing_ = false;
  }
  wake_.notify_all();
  if (renewer_.joinable()) renewer_.join();
}

FeedBatch LedgerFeed::next() {
  try {
    while (!stop_flag_.load() && !error()) {
      const Claim claim = queue_.claim(batch_size_);
      if (!claim.tenants.empty()) return claimed_batch(claim);
      const QueueState state = queue_.look();
      if (state == QueueState::finished) break;
      if (state == QueueState::waiting && !wait(look_interval(queue_.lease()))) break;
    }
  } catch (const std::exception& e) {
    fail(e.what());
  }
  return {};
}

std::string LedgerFeed::take_earlier_line(const std::string& tenant_id) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = earlier_lines_.find(tenant_id);
  if (it == earlier_lines_.end()) return {};
  std::string line = std::move(it->second);
  earlier_lines_.erase(it);
  return line;
}

FeedBatch LedgerFeed::claimed_batch(const Claim& claim) {
  FeedBatch batch;
  batch.kind = claim.canary ? BatchKind::canary : BatchKind::regular;
  for (const ClaimedTenant& c : claim.tenants) {
    if (!c.earlier_line.empty()) {
      const std::lock_guard<std::mutex> lock(mutex_);
      earlier_lines_[c.tenant_id] = c.earlier_line;
    }
    const auto it = tenants_.find(c.tenant_id);
    if (it != tenants_.end()) {
      batch.tenants.push_back(&it->second);
      continue;
    }
    Tenant& unknown = unknown_.emplace_back();
    unknown.id = c.tenant_id;
    unknown.invalid_reason = "not among this worker's tenants (its tenant source differs)";
    batch.tenants.push_back(&unknown);
  }
  return batch;
}

FailureCounts LedgerFeed::counts(const FailureCounts& /*local*/) {
  const auto [finished, failed] = queue_.counts();
  return {finished, failed};
}

std::size_t LedgerFeed::refill_below(std::size_t workers) const {
  return std::max<std::size_t>(1, workers / 2);
}

void LedgerFeed::stop(const std::string& reason) {
  try {
    queue_.stop(reason);
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

void LedgerFeed::fail(const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!error_) error_ = message;
}

std::optional<std::string> LedgerFeed::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

void LedgerFeed::renew_until_stopped() {
  const auto interval = std::max(queue_.lease() / 3, std::chrono::milliseconds(50));
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (wake_.wait_for(lock, interval, [&] { return !renewing_; })) return;
    }
    try {
      queue_.renew();
    } catch (const std::exception& e) {
      fail(e.what());
    }
  }
}

bool LedgerFeed::wait(std::chrono::milliseconds pause) {
  const auto until = std::chrono::steady_clock::now() + pause;
  std::unique_lock<std::mutex> lock(mutex_);
  while (std::chrono::steady_clock::now() < until) {
    if (!renewing_ || stop_flag_.load()) return false;
    wake_.wait_for(lock, std::chrono::milliseconds(20));
  }
  return renewing_ && !stop_flag_.load();
}

}  // namespace pgfleet::ledger
