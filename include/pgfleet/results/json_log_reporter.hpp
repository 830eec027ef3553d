#pragma once
// --log-format json: every reporter event as one JSON object per line on a stream.
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "pgfleet/engine/reporter.hpp"

namespace pgfleet {

class JsonLogReporter : public Reporter {
 public:
  // Writes to `out` (which must outlive the reporter); each line is flushed. Objects carry
  // "event" (run_started, tenant_started, migration_finished, tenant_finished, run_finished,
  // log) and "ts" (RFC 3339 UTC); tenant_finished has the tenants.jsonl fields.
  explicit JsonLogReporter(std::ostream& out);

  void run_started(const RunInfo& info) override;
  void tenant_started(const std::string& tenant_id) override;
  void migration_finished(const std::string& tenant_id, const MigrationResult& result) override;
  void tenant_finished(const TenantOutcome& outcome) override;
  void run_finished(const RunSummary& summary) override;
  void log(const std::string& line) override;

 private:
  void emit(const std::string& event, nlohmann::json fields);
  std::mutex mutex_;
  std::ostream& out_;
};

}  // namespace pgfleet
