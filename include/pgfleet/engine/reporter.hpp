#pragma once
// Every output of a run goes through this interface as typed events (console progress, JSON
// Lines, JUnit, rollback scripts are listeners). Core code never prints.
#include <memory>
#include <string>
#include <vector>

#include "pgfleet/engine/command.hpp"
#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

struct RunInfo {
  std::string run_id;
  Command command = Command::plan;
  std::optional<Version> target;
  std::size_t tenant_count = 0;
  std::chrono::system_clock::time_point started_at{};
};

struct RunSummary {
  int exit_code = 0;
  std::chrono::system_clock::time_point finished_at{};
  bool interrupted = false;
  std::string stop_reason;  // e.g. "max-failures reached", "canary failed", "SIGINT"
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void run_started(const RunInfo&) {}
  virtual void tenant_started(const std::string& /*tenant_id*/) {}
  virtual void migration_finished(const std::string& /*tenant_id*/, const MigrationResult&) {}
  // Called once per tenant, from the worker thread that ran it; implementations lock.
  virtual void tenant_finished(const TenantOutcome&) {}
  virtual void run_finished(const RunSummary&) {}
  // A free-text line for -v (never contains a secret).
  virtual void log(const std::string& /*line*/) {}
};

// Forwards every event to each listener in order.
class ReporterFanout : public Reporter {
 public:
  void add(std::shared_ptr<Reporter> r) { listeners_.push_back(std::move(r)); }
  void run_started(const RunInfo& i) override {
    for (auto& l : listeners_) l->run_started(i);
  }
  void tenant_started(const std::string& t) override {
    for (auto& l : listeners_) l->tenant_started(t);
  }
  void migration_finished(const std::string& t, const MigrationResult& m) override {
    for (auto& l : listeners_) l->migration_finished(t, m);
  }
  void tenant_finished(const TenantOutcome& o) override {
    for (auto& l : listeners_) l->tenant_finished(o);
  }
  void run_finished(const RunSummary& s) override {
    for (auto& l : listeners_) l->run_finished(s);
  }
  void log(const std::string& line) override {
    for (auto& l : listeners_) l->log(line);
  }

 private:
  std::vector<std::shared_ptr<Reporter>> listeners_;
};

}  // namespace pgfleet
