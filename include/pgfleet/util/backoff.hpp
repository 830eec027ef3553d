#pragma once
// Jittered exponential backoff: "full jitter" delays that spread retries of many workers apart.
#include <chrono>

namespace pgfleet::util {

// Delay before retry number `attempt` (1-based): uniform in [base/2, min(cap, base*2^(attempt-1))].
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap);

}  // namespace pgfleet::util
