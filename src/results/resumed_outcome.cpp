#include "pgfleet/results/resumed_outcome.hpp"

namespace pgfleet {

void EarlierOutcomeMerge::tenant_finished(const TenantOutcome& outcome) {
  const auto it = earlier_.find(outcome.tenant_id);
  if (it == earlier_.end()) {
    next_.tenant_finished(outcome);
  } else {
    next_.tenant_finished(merge_with_earlier(it->second, outcome));
  }
}

}  // namespace pgfleet
