#pragma once
// The tenants of one FleetRunner run waiting to start; a feed adds more while workers run.
// Workers take them under the per-host cap in the order they were added as far as the caps
// allow: each host with waiting tenants and room below its cap sits in one ready queue ordered by
// its next tenant's position, so a pick costs O(log hosts) however long the list, and a finished
// tenant wakes at most one idle worker.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pgfleet {

class TenantBatch {
 public:
  // `per_host` <= 0: no cap beyond the worker count.
  explicit TenantBatch(int per_host);

  // Adds tenants in list order: their indexes and host:port ("" when unknown: not capped).
  // Returns those refused because the batch was closed (all of them then, else none).
  std::vector<std::size_t> add(const std::vector<std::size_t>& indexes,
                               const std::vector<std::string>& hosts);
  // No tenant will be added any more: take() returns nullopt once none is waiting.
  void no_more();
  // The next tenant whose host has room, or nullopt when none is left to start and none can
  // come (or the batch was closed). Blocks while every waiting tenant's host is at its cap, or
  // while none waits but more may be added.
  std::optional<std::size_t> take();
  // A tenant handed out by take() finished: its host has room again.
  void done(std::size_t index);
  // Stops handing out tenants; returns those never started, in list order (each only once).
  std::vector<std::size_t> close();
  // Tenants added and not handed out yet.
  std::size_t waiting() const;

 private:
  struct HostQueue {
    std::deque<std::size_t> waiting;  // this host's tenants not started, in list order
    int running = 0;
    int cap = 0;
  };
  using ReadyHost = std::pair<std::size_t, std::size_t>;  // (its next tenant, host slot)

  std::size_t take_ready();
  void make_ready_if_room(std::size_t slot);
  void wake_one();
  bool nothing_to_take() const;  // mutex_ held

  int per_host_;
  std::vector<HostQueue> host_queues_;  // one per distinct host
  std::unordered_map<std::string, std::size_t> slot_by_host_;
  std::vector<std::size_t> slot_of_;  // tenant index -> its host's slot
  std::priority_queue<ReadyHost, std::vector<ReadyHost>, std::greater<ReadyHost>> ready_;
  std::size_t remaining_ = 0;  // tenants not yet handed out
  bool more_coming_ = true;
  bool closed_ = false;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  int idle_ = 0;     // workers blocked in take()
  int wakeups_ = 0;  // of those, how many were told to look again
};

}  // namespace pgfleet
