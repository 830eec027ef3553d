#pragma once
// When a tenant's connect tries again after a transient error (README.md, "Connections"):
// jittered exponential backoff within a time window, so that a server restarting for a few
// seconds is waited for and one that stays down is given up on. Time comes from an injectable
// clock, so the schedule is tested without waiting.
#include <chrono>
#include <optional>

#include "pgfleet/util/clock.hpp"

namespace pgfleet {

class ConnectRetry {
 public:
  using Millis = std::chrono::milliseconds;
  // Delays grow from about kBase to kCap (full jitter, util/backoff.hpp): a restart is noticed
  // within about 2 s of its end, and a fleet of waiting tenants does not knock in step.
  static constexpr Millis kBase{250};
  static constexpr Millis kCap{2000};

  // The window opens now (the first attempt starts): no attempt starts after now + window.
  ConnectRetry(Millis window, util::Clock& clock);

  // Called after each transient failure: how long to wait before the next attempt, or nullopt
  // when the window is over. The last wait is cut short to end at the window's close, so a
  // server back just before it is still found.
  std::optional<Millis> next_delay();

  // How many attempts have failed so far.
  int failures() const { return failures_; }

 private:
  util::Clock& clock_;
  std::chrono::steady_clock::time_point closes_;
  int failures_ = 0;
};

}  // namespace pgfleet
