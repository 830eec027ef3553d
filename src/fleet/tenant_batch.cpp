#include "tenant_batch.hpp"

#include <algorithm>
#include <climits>
#include <unordered_map>

namespace pgfleet {

TenantBatch::TenantBatch(const std::vector<std::size_t>& indexes,
                         const std::vector<std::string>& hosts, int per_host)
    : queued_(indexes.size()), slot_of_(hosts.size()), remaining_(indexes.size()) {
  // Tenants of an unknown host, or all of them without a cap, share one uncapped queue.
  static const std::string uncapped;
  std::unordered_map<std::string, std::size_t> slot_by_host;
  for (std::size_t i : indexes) {
    const std::string& host = per_host > 0 ? hosts[i] : uncapped;
    const auto [it, added] = slot_by_host.emplace(host, host_queues_.size());
    if (added) host_queues_.push_back({0, 0, 0, host.empty() ? INT_MAX : per_host});
    slot_of_[i] = it->second;
    ++host_queues_[it->second].end;  // counts for now
  }
  std::size_t begin = 0;
  for (HostQueue& q : host_queues_) {
    const std::size_t count = q.end;
    q.next = q.end = begin;  // end is the fill cursor until every tenant is placed
    begin += count;
  }
  for (std::size_t i : indexes) queued_[host_queues_[slot_of_[i]].end++] = i;
  for (std::size_t slot = 0; slot < host_queues_.size(); ++slot) make_ready_if_room(slot);
}

std::optional<std::size_t> TenantBatch::take() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (closed_ || remaining_ == 0) return std::nullopt;
    if (!ready_.empty()) return take_ready();
    ++idle_;
    wake_.wait(lock, [&] { return wakeups_ > 0 || closed_ || remaining_ == 0; });
    --idle_;
    if (wakeups_ > 0) --wakeups_;
  }
}

// Hands out the first waiting tenant of the ready host that comes first in the list.
std::size_t TenantBatch::take_ready() {
  const std::size_t slot = ready_.top().second;
  ready_.pop();
  HostQueue& q = host_queues_[slot];
  const std::size_t index = queued_[q.next++];
  ++q.running;
  if (--remaining_ == 0) {
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
    never_started.insert(never_started.end(), queued_.begin() + q.next, queued_.begin() + q.end);
    q.next = q.end;
  }
  remaining_ = 0;
  ready_ = {};
  std::sort(never_started.begin(), never_started.end());
  wake_.notify_all();
  return never_started;
}

// Keeps the invariant: a host is in ready_ exactly when it has waiting tenants and room.
void TenantBatch::make_ready_if_room(std::size_t slot) {
  const HostQueue& q = host_queues_[slot];
  if (q.next < q.end && q.running < q.cap) ready_.emplace(queued_[q.next], slot);
}

// Wakes one idle worker unless every idle one was already told to look again.
void TenantBatch::wake_one() {
  if (idle_ <= wakeups_) return;
  ++wakeups_;
  wake_.notify_one();
}

}  // namespace pgfleet
