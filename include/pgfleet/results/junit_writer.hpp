#pragma once
// junit.xml (README "Results"): one testsuite `pgfleet-<command>`, one testcase per tenant, written
// atomically when the run finishes. Keeps one small record per tenant.
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/reporter.hpp"

namespace pgfleet {

// `text` escaped for XML 1.0 text and attribute values: & < > " ' become entities; characters
// XML 1.0 forbids (control characters other than tab, LF, CR) and invalid UTF-8 become U+FFFD.
std::string xml_escape(const std::string& text);

class JunitWriter : public Reporter {
 public:
  // Will write `path` (e.g. RunDirectory::file("junit.xml")) at run_finished.
  explicit JunitWriter(std::string path);

  void run_started(const RunInfo& info) override;
  void tenant_finished(const TenantOutcome& outcome) override;
  // Writes junit.xml atomically. Never throws: a failure is kept for write_error().
  void run_finished(const RunSummary& summary) override;

  // The document run_finished writes (also for tests).
  std::string to_xml(const RunSummary& summary) const;
  std::optional<std::string> write_error() const;

 private:
  struct Case {
    std::string tenant_id;
    TenantStatus status;
    long duration_ms;
    std::string problem;  // one line, capped; empty for ok and skipped without reason
    std::string details;  // detail / hint, capped
  };
  mutable std::mutex mutex_;
  std::string path_;
  RunInfo info_;
  std::vector<Case> cases_;
  std::optional<std::string> write_error_;
};

}  // namespace pgfleet
