#pragma once
// The sessions open on one tenant, interrupted together: by StopControl (a signal) or by the
// tenant's --tenant-timeout deadline (README.md, "Hung servers and stopping a run").
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "pgfleet/db/session.hpp"
#include "pgfleet/fleet/stop_control.hpp"

namespace pgfleet {

class TenantSessions : public SessionInterrupt {
 public:
  // Use create(): it also tracks the new object with `stop`.
  explicit TenantSessions(StopControl& stop) : stop_(stop) {}
  ~TenantSessions() override { stop_.untrack(this); }
  TenantSessions(const TenantSessions&) = delete;
  TenantSessions& operator=(const TenantSessions&) = delete;

  static std::shared_ptr<TenantSessions> create(StopControl& stop);

  // A session opened / closed on the tenant.
  void add(const Session* session, std::shared_ptr<SessionInterrupt> handle);
  void remove(const Session* session);
  // Whether the last connection made was encrypted; nullopt before the first one.
  void record_tls(bool encrypted);
  std::optional<bool> tls() const;

  // SessionInterrupt, as StopControl uses it: close() records that a stop closed them.
  bool request_cancel() override;
  void close() override;
  bool closed_by_stop() const;

  // The deadline passed: no new connection, a connect in progress gives up.
  void expire();
  bool expired() const;
  // True when a connect must give up: deadline passed or a second SIGINT.
  bool abandoning() const;
  // Closes every open session without recording a stop (the deadline's doing).
  void close_all();

 private:
  std::vector<std::shared_ptr<SessionInterrupt>> handles() const;

  StopControl& stop_;
  mutable std::mutex mutex_;
  std::map<const Session*, std::shared_ptr<SessionInterrupt>> open_;
  std::optional<bool> tls_;
  std::atomic<bool> expired_{false};
  std::atomic<bool> closed_by_stop_{false};
};

// Enforces a tenant's deadline on a thread of its own: when it passes, the tenant's sessions
// are expired, their queries cancelled, and a moment later their connections closed; both are
// repeated until the tenant's work ends (the destructor), which it waits for.
class TenantDeadline {
 public:
  // Throws std::system_error when no thread can be started.
  TenantDeadline(std::chrono::milliseconds timeout, std::shared_ptr<TenantSessions> sessions);
  ~TenantDeadline();
  TenantDeadline(const TenantDeadline&) = delete;
  TenantDeadline& operator=(const TenantDeadline&) = delete;

 private:
  void watch();
  // Waits up to `how_long` for the end of the work; true once it ended.
  bool ended_within(std::chrono::milliseconds how_long);

  const std::chrono::steady_clock::time_point deadline_;
  const std::shared_ptr<TenantSessions> sessions_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool ended_ = false;
  std::thread thread_;
};

}  // namespace pgfleet
