#include "pgfleet/neon/neon_error.hpp"

namespace pgfleet::neon {

const char* to_string(NeonErrorKind kind) {
  switch (kind) {
    case NeonErrorKind::auth: return "auth";
    case NeonErrorKind::not_found: return "not_found";
    case NeonErrorKind::conflict: return "conflict";
    case NeonErrorKind::invalid_request: return "invalid_request";
    case NeonErrorKind::locked: return "locked";
    case NeonErrorKind::rate_limited: return "rate_limited";
    case NeonErrorKind::server: return "server";
    case NeonErrorKind::transport: return "transport";
    case NeonErrorKind::operation_failed: return "operation_failed";
    case NeonErrorKind::timeout: return "timeout";
    case NeonErrorKind::protocol: return "protocol";
  }
  return "unknown";
}

NeonError::NeonError(NeonErrorKind kind, int status, const std::string& message)
    : std::runtime_error(message), kind_(kind), status_(status) {}

}  // namespace pgfleet::neon
