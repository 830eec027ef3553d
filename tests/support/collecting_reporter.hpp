#pragma once
// A Reporter that keeps every finished tenant's outcome, in the order they finished; safe to
// call from the fleet runner's worker threads.
#include <mutex>
#include <vector>

#include "pgfleet/engine/reporter.hpp"

namespace pgfleet::test {

struct Collector : Reporter {
  std::mutex m;
  std::vector<TenantOutcome> outcomes;
  void tenant_finished(const TenantOutcome& o) override {
    std::lock_guard<std::mutex> lock(m);
    outcomes.push_back(o);
  }
};

}  // namespace pgfleet::test
