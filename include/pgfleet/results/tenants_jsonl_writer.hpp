#pragma once
// tenants.jsonl: one JSON line per finished tenant, appended and flushed at once (README.md,
// "Results"), so the file is useful while the run is going and after a crash.
#include <mutex>
#include <optional>
#include <string>

#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/results/first_write_error.hpp"

namespace pgfleet {

class TenantsJsonlWriter : public Reporter {
 public:
  // Opens (creates with mode 0600, or appends to) `path`. Throws ResultsError.
  explicit TenantsJsonlWriter(const std::string& path);
  ~TenantsJsonlWriter() override;
  TenantsJsonlWriter(const TenantsJsonlWriter&) = delete;
  TenantsJsonlWriter& operator=(const TenantsJsonlWriter&) = delete;

  // Appends the outcome's line with one write(2), thread-safe. Never throws (it runs on worker
  // threads): a failed write is kept for write_error(), and a line cut short (disk full) is
  // removed again, so the file holds whole lines only.
  void tenant_finished(const TenantOutcome& outcome) override;
  // The first write failure, if any (the CLI reports it and exits non-zero).
  std::optional<std::string> write_error() const;

 private:
  std::mutex mutex_;  // one write(2) at a time
  std::string path_;
  int fd_ = -1;
  FirstWriteError write_error_;
};

}  // namespace pgfleet
