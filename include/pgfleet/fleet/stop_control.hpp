#pragma once
// SIGINT/SIGTERM handling for a run: the first signal stops new tenants from starting; running
// queries are cancelled after the grace period, or at once on a second SIGINT (README "Safety").
#include <atomic>
#include <mutex>
#include <set>

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
  // True after a second SIGINT: cancel running queries without waiting for the grace period.
  bool cancel_now() const { return interrupts_.load() >= 2; }
  // The first signal received (SIGINT or SIGTERM), 0 if none.
  int signal_number() const { return first_signal_.load(); }

  // Sessions open on tenants; cancel_running() asks the server to cancel each one's query.
  void track(Session* session);
  void untrack(Session* session);
  void cancel_running();

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> interrupts_{0};
  std::atomic<int> first_signal_{0};
  std::mutex mutex_;
  std::set<Session*> sessions_;
};

}  // namespace pgfleet
