#include "pgfleet/neon/neon_types.hpp"

namespace pgfleet::neon {

OperationState Operation::state() const {
  if (status == "finished" || status == "skipped") return OperationState::succeeded;
  if (status == "failed" || status == "error" || status == "cancelled") {
    return OperationState::failed;
  }
  return OperationState::pending;  // scheduling, running, cancelling, or a status new to us
}

std::string pooler_host(const Endpoint& endpoint) {
  if (endpoint.id.empty() || endpoint.host.compare(0, endpoint.id.size(), endpoint.id) != 0) {
    return endpoint.host;
  }
  return endpoint.id + "-pooler" + endpoint.host.substr(endpoint.id.size());
}

}  // namespace pgfleet::neon
