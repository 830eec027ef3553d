#pragma once
// A tenant that `pgfleet resume` runs again keeps what the run did to it before (docs/SCALING.md,
// "Resume without a ledger"): its new tenants.jsonl line and rollback script cover every
// migration the run applied to it, over all attempts, so `rollback --run` undoes all of them.
#include <map>
#include <string>

#include "pgfleet/engine/earlier_attempts.hpp"
#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/engine/reporter.hpp"

namespace pgfleet {

// Merges each finished tenant's outcome with its earlier one from tenants.jsonl (if any; with
// merge_with_earlier, earlier_attempts.hpp) before passing it on;
// every other event passes through unchanged.
class EarlierOutcomeMerge : public Reporter {
 public:
  explicit EarlierOutcomeMerge(Reporter& next) : next_(next) {}
  // The earlier outcomes of the tenants run again, by id; set before run_started.
  void set_earlier(std::map<std::string, TenantOutcome> earlier) { earlier_ = std::move(earlier); }

  void run_started(const RunInfo& info) override { next_.run_started(info); }
  void tenant_started(const std::string& id) override { next_.tenant_started(id); }
  void migration_finished(const std::string& id, const MigrationResult& m) override {
    next_.migration_finished(id, m);
  }
  void tenant_finished(const TenantOutcome& outcome) override;
  void run_finished(const RunSummary& summary) override { next_.run_finished(summary); }
  void log(const std::string& line) override { next_.log(line); }

 private:
  Reporter& next_;
  std::map<std::string, TenantOutcome> earlier_;  // read-only while workers run
};

}  // namespace pgfleet
