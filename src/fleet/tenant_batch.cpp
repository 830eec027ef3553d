#include "tenant_batch.hpp"

#include <algorithm>
#include <climits>

namespace pgfleet {

TenantBatch::TenantBatch(int per_host) : per_host_(per_host) {}

std::vector<std::size_t> TenantBatch::add(const std::vector<std::size_t>& indexes,
                                          const std::vector<std::string>& hosts) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return indexes;
  // Tenants of an unknown host, or all of them without a cap, share one uncapped queue.
  static const std::string uncapped;
  for (std::size_t i : indexes) {
    if (i >= slot_of_.size()) slot_of_.resize(i + 1);
    const std::string& host = per_host_ > 0 ? hosts[i] : uncapped;
    const auto [it, added] = slot_by_host_.emplace(host, host_queues_.size());
    if (added) host_queues_.push_back({{}, 0, host.empty() ? INT_MAX : per_host_});
    const std::size_t slot = it->second;
    slot_of_[i] = slot;
    HostQueue& q = host_queues_[slot];
    q.waiting.push_back(i);
    ++remaining_;
    // A host that had nobody waiting was out of the ready queue; one with waiting tenants is
    // in it already (if it has room) and keeps its first tenant.
    if (q.waiting.size() == 1) make_ready_if_room(slot);
  }
  for (std::size_t n = 0; n < indexes.size() && !ready_.empty(); ++n) wake_one();
  return {};
}

void TenantBatch::no_more() {
  std::lock_guard<std::mutex> lock(mutex_);
  more_coming_ = false;
  wake_.notify_all();
}

bool TenantBatch::nothing_to_take() const { return closed_ || (remaining_ == 0 && !more_coming_); }

std::optional<std::size_t> TenantBatch::take() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (nothing_to_take()) return std::nullopt;
    if (!ready_.empty()) return take_ready();
    ++idle_;
    wake_.wait(lock, [&] { return wakeups_ > 0 || nothing_to_take(); });
    --idle_;
    if (wakeups_ > 0) --wakeups_;
  }
}

// Hands out the first waiting tenant of the ready host that comes first in the list.
std::size_t TenantBatch::take_ready() {
  const std::size_t slot = ready_.top().second;
  ready_.pop();
  HostQueue& q = host_queues_[slot];
  const std::size_t index = q.waiting.front();
  q.waiting.pop_front();
  ++q.running;
  if (--remaining_ == 0 && !more_coming_) {
    wake_.notify_all();  // idle workers have nothing left to wait for
    return index;
  }
  make_ready_if_room(slot);
  if (!ready_.empty()) wake_one();
  return index;
}

void TenantBatch::done(std::size_t index) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t slot = slot_of_[index];
  HostQueue& q = host_queues_[slot];
  const bool was_full = q.running == q.cap;  // a full host is out of the ready queue
  --q.running;
  if (closed_) return;
  if (was_full) make_ready_if_room(slot);
  if (!ready_.empty()) wake_one();
}

std::vector<std::size_t> TenantBatch::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  std::vector<std::size_t> never_started;
  never_started.reserve(remaining_);
  for (HostQueue& q : host_queues_) {
    never_started.insert(never_started.end(), q.waiting.begin(), q.waiting.end());
    q.waiting.clear();
  }
  remaining_ = 0;
  ready_ = {};
  std::sort(never_started.begin(), never_started.end());
  wake_.notify_all();
  return never_started;
}

std::size_t TenantBatch::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return remaining_;
}

// Keeps the invariant: a host is in ready_ exactly when it has waiting tenants and room.
void TenantBatch::make_ready_if_room(std::size_t slot) {
  const HostQueue& q = host_queues_[slot];
  if (!q.waiting.empty() && q.running < q.cap) ready_.emplace(q.waiting.front(), slot);
}

// Wakes one idle worker unless every idle one was already told to look again.
void TenantBatch::wake_one() {
  if (idle_ <= wakeups_) return;
  ++wakeups_;
  wake_.notify_one();
}

}  // namespace pgfleet
