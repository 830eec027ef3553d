#pragma once
// SIGINT/SIGTERM handling for a run: the first signal stops new tenants from starting; running
// queries are cancelled after the grace period, and a second SIGINT also closes every connection
// at once (README.md, "Hung servers and stopping a run").
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "pgfleet/db/session.hpp"

namespace pgfleet {

class StopControl {
 public:
  // The instance the process's signal handlers report to.
  static StopControl& process();
  // Installs SIGINT/SIGTERM handlers that report to process() (idempotent).
  static void install_signal_handlers();

  // Records a stop request as if signal `signo` had arrived (async-signal-safe).
  void request_stop(int signo) noexcept;
  // True once any stop was requested; TenantRunner reads it between migrations.
  const std::atomic<bool>& stop_flag() const { return stop_; }
  bool stop_requested() const { return stop_.load(); }
  // True after a second SIGINT: cancel running queries and close every connection now.
  bool cancel_now() const { return interrupts_.load() >= 2; }
  // The first signal received (SIGINT or SIGTERM), 0 if none.
  int signal_number() const { return first_signal_.load(); }

  // What cancel_running() interrupts: one handle per tenant being run (its open sessions), under
  // a key of the caller's choice. A handle that is gone is skipped.
  void track(const void* key, std::weak_ptr<SessionInterrupt> handle);
  void untrack(const void* key);
  // Asks the server to cancel every tracked query; after a second SIGINT, also closes
  // every connection. Call it again and again while sessions run: the cancel is repeated about
  // once a second (a cancel that arrives between two statements cancels nothing), the close
  // every time. Never blocks on the network and holds no lock while it cancels.
  void cancel_running();

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> interrupts_{0};
  std::atomic<int> first_signal_{0};
  std::mutex mutex_;
  std::map<const void*, std::weak_ptr<SessionInterrupt>> tracked_;
  std::optional<std::chrono::steady_clock::time_point> last_cancel_;
};

}  // namespace pgfleet
