#pragma once
// Time as retrying and polling code sees it: injectable so that retry and polling tests run
// instantly.
#include <chrono>

namespace pgfleet::util {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for deadlines.
  virtual std::chrono::steady_clock::time_point now() = 0;
  // Wall time, for expires_at, Retry-After dates and branch ages.
  virtual std::chrono::system_clock::time_point wall_now() = 0;
  // Blocks for `delay`.
  virtual void sleep_for(std::chrono::milliseconds delay) = 0;
};

// The real clocks and std::this_thread::sleep_for.
class SystemClock : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override;
  std::chrono::system_clock::time_point wall_now() override;
  void sleep_for(std::chrono::milliseconds delay) override;
};

}  // namespace pgfleet::util
