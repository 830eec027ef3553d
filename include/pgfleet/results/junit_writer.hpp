#pragma once
// junit.xml (README.md, "Results"): one testsuite `pgfleet-<command>`, one testcase per tenant,
// written atomically when the run finishes. The test cases wait in an unlinked scratch file
// beside it, not in memory: only the counts are kept.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/results/first_write_error.hpp"
#include "pgfleet/results/run_directory.hpp"

namespace pgfleet {

class ScratchFile;

// `text` escaped for XML 1.0 text and attribute values: & < > " ' become entities; characters
// XML 1.0 forbids (control characters other than tab, LF, CR) and invalid UTF-8 become U+FFFD.
std::string xml_escape(const std::string& text);

class JunitWriter : public Reporter {
 public:
  // Will write `path` (e.g. RunDirectory::file("junit.xml")) at run_finished. `command` names
  // every test case; without it, cases reported before run_started wait in memory for it.
  explicit JunitWriter(std::string path, std::optional<Command> command = std::nullopt);
  ~JunitWriter() override;

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
  std::string case_xml(const Case& c) const;
  void append_case(const Case& c);  // to the scratch file; a failure is kept
  std::string head_xml(const RunSummary& summary) const;
  void produce_xml(const RunSummary& summary, const FileAppend& append) const;

  mutable std::mutex mutex_;
  std::string path_;
  std::optional<Command> command_;
  RunInfo info_;
  long tests_ = 0, failures_ = 0, skipped_ = 0;
  std::vector<Case> waiting_;           // reported before the command was known
  std::unique_ptr<ScratchFile> cases_;  // every case's XML, in the order they finished
  FirstWriteError write_error_;
};

}  // namespace pgfleet
