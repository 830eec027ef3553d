#include "pgfleet/util/backoff.hpp"

#include <algorithm>
#include <random>

namespace pgfleet::util {

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const int shift = std::clamp(attempt - 1, 0, 20);
  const long long ceiling = std::min<long long>(cap.count(), base.count() << shift);
  const long long floor = std::min<long long>(base.count() / 2, ceiling);
  std::uniform_int_distribution<long long> pick(floor, std::max(floor, ceiling));
  return std::chrono::milliseconds(pick(rng));
}

}  // namespace pgfleet::util
