#pragma once
// The tenants of one FleetRunner batch waiting to start. Workers take them under the per-host cap
// in list order as far as the caps allow: each host with waiting tenants and room below its cap
// sits in one ready queue ordered by its next tenant's position, so a pick costs O(log hosts)
// however long the list, and a finished tenant wakes at most one idle worker.
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

namespace pgfleet {

class TenantBatch {
 public:
  // `indexes`: the batch's tenants in list order; `hosts`: host:port of every tenant of the run
  // ("" when unknown: not capped); `per_host` <= 0: no cap beyond the worker count.
  TenantBatch(const std::vector<std::size_t>& indexes, const std::vector<std::string>& hosts,
              int per_host);

  // The next tenant whose host has room, or nullopt when none is left to start (or the batch
  // was closed). Blocks while every waiting tenant's host is at its cap.
  std::optional<std::size_t> take();
  // A tenant handed out by take() finished: its host has room again.
  void done(std::size_t index);
  // Stops handing out tenants; returns those never started, in list order (each only once).
  std::vector<std::size_t> close();

 private:
  struct HostQueue {
    std::size_t next = 0;  // queued_[next, end) are this host's waiting tenants, in list order
    std::size_t end = 0;
    int running = 0;
    int cap = 0;
  };
  using ReadyHost = std::pair<std::size_t, std::size_t>;  // (its next tenant, host slot)

  std::size_t take_ready();
  void make_ready_if_room(std::size_t slot);
  void wake_one();

  std::vector<std::size_t> queued_;     // tenant indexes grouped by host
  std::vector<HostQueue> host_queues_;  // one per distinct host of the batch
  std::vector<std::size_t> slot_of_;    // tenant index -> its host's slot
  std::priority_queue<ReadyHost, std::vector<ReadyHost>, std::greater<ReadyHost>> ready_;
  std::size_t remaining_ = 0;  // tenants not yet handed out
  bool closed_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  int idle_ = 0;     // workers blocked in take()
  int wakeups_ = 0;  // of those, how many were told to look again
};

}  // namespace pgfleet
