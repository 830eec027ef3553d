#include "pgfleet/fleet/connect_retry.hpp"

#include <algorithm>

#include "pgfleet/util/backoff.hpp"

namespace pgfleet {

ConnectRetry::ConnectRetry(Millis window, util::Clock& clock)
    : clock_(clock), closes_(clock.now() + std::max(window, Millis(0))) {}

std::optional<ConnectRetry::Millis> ConnectRetry::next_delay() {
  ++failures_;
  const auto now = clock_.now();
  if (now >= closes_) return std::nullopt;
  const Millis left = std::chrono::ceil<Millis>(closes_ - now);
  return std::min(util::backoff_delay(failures_, kBase, kCap), left);
}

}  // namespace pgfleet
