#include "pgfleet/util/clock.hpp"

#include <thread>

namespace pgfleet::util {

std::chrono::steady_clock::time_point SystemClock::now() {
  return std::chrono::steady_clock::now();
}

std::chrono::system_clock::time_point SystemClock::wall_now() {
  return std::chrono::system_clock::now();
}

void SystemClock::sleep_for(std::chrono::milliseconds delay) {
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
}

}  // namespace pgfleet::util
