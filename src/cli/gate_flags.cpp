#include "gate_flags.hpp"

#include <CLI/CLI.hpp>

#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/util/duration.hpp"

namespace pgfleet::cli {
namespace {

std::optional<long> limit_ms(const std::string& text, const std::string& flag) {
  if (text.empty()) return std::nullopt;
  try {
    return static_cast<long>(util::parse_duration(text).count());
  } catch (const std::invalid_argument& e) {
    throw UsageError("--" + flag + ": " + e.what());
  }
}

}  // namespace

void add_gate_flags(CLI::App& cmd, Options& o) {
  cmd.add_option("--max-lock-hold", o.max_lock_hold,
                 "Exit 1 if a migration held a lock that blocks writes longer than this on some "
                 "tenant")
      ->envname("PGFLEET_MAX_LOCK_HOLD");
  cmd.add_option("--max-duration", o.max_duration,
                 "Exit 1 if a migration ran longer than this on some tenant")
      ->envname("PGFLEET_MAX_DURATION");
}

GateLimits gate_limits(const Options& o) {
  return GateLimits{limit_ms(o.max_lock_hold, "max-lock-hold"),
                    limit_ms(o.max_duration, "max-duration")};
}

}  // namespace pgfleet::cli
