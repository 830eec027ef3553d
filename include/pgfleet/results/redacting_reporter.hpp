#pragma once
// Keeps --secret-var values out of every output (docs/PREFLIGHT.md "Placeholders"): a server
// error may quote a value that a migration was rendered with. Sits in front of all listeners.
#include <string>
#include <vector>

#include "pgfleet/engine/reporter.hpp"

namespace pgfleet {

class RedactingReporter : public Reporter {
 public:
  // `inner` must outlive this; every occurrence of each of `secrets` becomes "***".
  RedactingReporter(Reporter& inner, std::vector<std::string> secrets);

  void run_started(const RunInfo& info) override { inner_.run_started(info); }
  void tenant_started(const std::string& tenant_id) override { inner_.tenant_started(tenant_id); }
  void migration_finished(const std::string& tenant_id, const MigrationResult& m) override {
    inner_.migration_finished(tenant_id, m);
  }
  void tenant_finished(const TenantOutcome& outcome) override;
  void run_finished(const RunSummary& summary) override;
  void log(const std::string& line) override;

 private:
  std::string clean(const std::string& text) const;

  Reporter& inner_;
  std::vector<std::string> secrets_;
};

}  // namespace pgfleet
