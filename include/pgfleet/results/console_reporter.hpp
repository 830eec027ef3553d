#pragma once
// Human output of a run: progress while it goes, a summary at the end.
//  tty:   one progress line rewritten in place (throttled to ~5/s); problem tenants printed above
//  it plain: one line per finished tenant (logs, CI) quiet: nothing unless some tenant is not ok,
//  then only the failure summary
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/results/forecast_table.hpp"

namespace pgfleet {

enum class ConsoleMode { tty, plain, quiet };
enum class Verbosity { normal, verbose };  // verbose: also print Reporter::log lines

// When the run ends with the forecast table (forecast_table.hpp): never; when a migration ran or
// a gate was set (not with --quiet, unless a gate tripped); always (a Neon preflight).
enum class ForecastTable { hidden, when_measured, always };

struct ConsoleOptions {
  ConsoleMode mode = ConsoleMode::plain;
  Verbosity verbosity = Verbosity::normal;
  std::string results_path;  // shown in the summary; empty: not shown
  ForecastTable forecast_table = ForecastTable::hidden;
  std::function<RunMeasures()> measures{};  // read at run_finished; needed unless hidden
};

class ConsoleReporter : public Reporter {
 public:
  using Clock = std::chrono::steady_clock;
  // Writes to `out` (which must outlive the reporter).
  ConsoleReporter(std::ostream& out, ConsoleOptions options);
  // The same with a clock to read (tests drive throttling and rates with it).
  ConsoleReporter(std::ostream& out, ConsoleOptions options,
                  std::function<Clock::time_point()> now);

  void run_started(const RunInfo& info) override;
  void tenant_finished(const TenantOutcome& outcome) override;
  void run_finished(const RunSummary& summary) override;
  void log(const std::string& line) override;

  // The plain line for a finished tenant, e.g.
  // `[12/40] tenant_7 applied 3 migrations (1 → 4) 120ms`.
  static std::string tenant_line(const TenantOutcome& outcome, std::size_t done, std::size_t total);

 private:
  struct FailureGroup {
    std::string description;
    long count = 0;
    std::vector<std::string> first_ids;
  };
  struct Slow {
    std::string tenant_id;
    long duration_ms;
  };

  void draw_progress(Clock::time_point now);      // mutex held
  void clear_progress();                          // mutex held
  void remember(const TenantOutcome& outcome);    // mutex held
  void print_summary(const RunSummary& summary);  // mutex held
  void print_problems();                          // mutex held
  std::string forecast_text() const;              // "" when the table is not shown

  std::mutex mutex_;
  std::ostream& out_;
  ConsoleOptions options_;
  std::function<Clock::time_point()> now_;
  RunInfo info_;
  Clock::time_point started_{};
  Clock::time_point last_draw_{};
  bool progress_shown_ = false;
  std::size_t done_ = 0;
  std::map<TenantStatus, long> counts_;
  std::vector<Slow> slowest_;                     // at most 5, slowest first
  std::map<std::string, FailureGroup> failures_;  // key: status + sqlstate + message
  long other_failures_ = 0;                       // beyond the kept groups
};

}  // namespace pgfleet
