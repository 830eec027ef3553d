#include "pgfleet/results/run_record.hpp"

namespace pgfleet {

void RunRecord::add(const TenantOutcome& tenant) {
  tally.add(tenant);
  check_tenant_gates(tenant, gate_limits, gates);
}

}  // namespace pgfleet
