#include "pgfleet/results/console_reporter.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pgfleet/results/outcome_json.hpp"

namespace pgfleet {
namespace {

constexpr auto kRedrawEvery = std::chrono::milliseconds(200);
constexpr std::size_t kSlowestKept = 5;
constexpr std::size_t kFailureGroupsKept = 20;
constexpr std::size_t kIdsPerGroup = 3;

std::string human_ms(long ms) {
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  return fmt::format("{}m{:02}s", ms / 60'000, (ms / 1000) % 60);
}

std::string version_text(const std::optional<Version>& v) {
  return v ? std::to_string(*v) : std::string("none");
}

std::string plural(long n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

ConsoleReporter::ConsoleReporter(std::ostream& out, ConsoleOptions options)
    : ConsoleReporter(out, std::move(options), [] { return Clock::now(); }) {}

ConsoleReporter::ConsoleReporter(std::ostream& out, ConsoleOptions options,
                                 std::function<Clock::time_point()> now)
    : out_(out), options_(std::move(options)), now_(std::move(now)) {}

std::string ConsoleReporter::tenant_line(const TenantOutcome& o, std::size_t done,
                                         std::size_t total) {
  std::string line = fmt::format("[{}/{}] {} ", done, total, o.tenant_id);
  switch (o.status) {
    case TenantStatus::applied:
      line += fmt::format("applied {} ({} → {})",
                          plural(static_cast<long>(o.migrations.size()), "migration"),
                          version_text(o.from_version), version_text(o.to_version));
      break;
    case TenantStatus::verified:  // the reason says what was checked, or that nothing was
      line += o.reason.empty() ? std::string("verified") : o.reason;
      break;
    case TenantStatus::up_to_date:
      line += "up to date at " + version_text(o.to_version ? o.to_version : o.from_version);
      if (!o.reason.empty()) line += "; " + o.reason;
      break;
    case TenantStatus::pending: {
      line += fmt::format(
          "pending {} ({} → {})", plural(static_cast<long>(o.pending.size()), "migration"),
          version_text(o.from_version),
          o.pending.empty() ? version_text(o.from_version) : std::to_string(o.pending.back()));
      // The versions themselves, so an operator reading a plan sees what would run.
      constexpr std::size_t kShown = 8;
      for (std::size_t i = 0; i < o.pending.size() && i < kShown; ++i) {
        line += (i == 0 ? ": " : ", ") + std::to_string(o.pending[i]);
      }
      if (o.pending.size() > kShown) line += ", …";
      // plan: a placeholder value changed since an applied version (docs/PREFLIGHT.md).
      if (!o.reason.empty()) line += "; " + o.reason;
      break;
    }
    default: {
      const std::string problem = describe_problem(o);
      line += to_string(o.status);
      if (!problem.empty()) line += ": " + problem;
      break;
    }
  }
  return line + " " + human_ms(o.duration_ms);
}

void ConsoleReporter::run_started(const RunInfo& info) {
  std::lock_guard<std::mutex> lock(mutex_);
  info_ = info;
  started_ = now_();
  if (options_.mode == ConsoleMode::tty) draw_progress(started_);
}

void ConsoleReporter::remember(const TenantOutcome& o) {
  ++counts_[o.status];
  slowest_.push_back({o.tenant_id, o.duration_ms});
  std::stable_sort(slowest_.begin(), slowest_.end(),
                   [](const Slow& a, const Slow& b) { return a.duration_ms > b.duration_ms; });
  if (slowest_.size() > kSlowestKept) slowest_.pop_back();
  if (is_ok(o.status)) return;
  std::string key = to_string(o.status);
  if (o.error)
    key += "\n" + o.error->sqlstate + "\n" + o.error->message;
  else
    key += "\n" + o.reason;
  auto it = failures_.find(key);
  if (it == failures_.end()) {
    if (failures_.size() >= kFailureGroupsKept) {
      ++other_failures_;
      return;
    }
    const std::string problem = describe_problem(o);
    it = failures_
             .emplace(key, FailureGroup{problem.empty()
                                            ? std::string(to_string(o.status))
                                            : std::string(to_string(o.status)) + ": " + problem,
                                        0,
                                        {}})
             .first;
  }
  ++it->second.count;
  if (it->second.first_ids.size() < kIdsPerGroup) it->second.first_ids.push_back(o.tenant_id);
}

void ConsoleReporter::tenant_finished(const TenantOutcome& o) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++done_;
  remember(o);
  const std::size_t total = std::max(info_.tenant_count, done_);
  switch (options_.mode) {
    case ConsoleMode::quiet: return;
    case ConsoleMode::plain: out_ << tenant_line(o, done_, total) << '\n' << std::flush; return;
    case ConsoleMode::tty: {
      const auto now = now_();
      if (!is_ok(o.status) && o.status != TenantStatus::skipped) {
        clear_progress();
        out_ << tenant_line(o, done_, total) << '\n';
        draw_progress(now);
      } else if (now - last_draw_ >= kRedrawEvery || done_ == total) {
        draw_progress(now);
      }
      return;
    }
  }
}

void ConsoleReporter::draw_progress(Clock::time_point now) {
  const std::size_t total = std::max(info_.tenant_count, done_);
  const auto count = [&](TenantStatus s) {
    const auto it = counts_.find(s);
    return it == counts_.end() ? 0L : it->second;
  };
  long not_ok = 0;
  for (const auto& [status, n] : counts_) {
    if (!is_ok(status) && status != TenantStatus::skipped) not_ok += n;
  }
  std::string line = fmt::format("[{}/{}] {}", done_, total, to_string(info_.command));
  if (count(TenantStatus::applied))
    line += fmt::format("  applied {}", count(TenantStatus::applied));
  if (count(TenantStatus::pending))
    line += fmt::format("  pending {}", count(TenantStatus::pending));
  if (count(TenantStatus::verified))
    line += fmt::format("  verified {}", count(TenantStatus::verified));
  if (count(TenantStatus::up_to_date))
    line += fmt::format("  up to date {}", count(TenantStatus::up_to_date));
  if (not_ok) line += fmt::format("  failed {}", not_ok);
  const double elapsed_s = std::chrono::duration<double>(now - started_).count();
  if (done_ > 0 && elapsed_s > 0) {
    const double rate = static_cast<double>(done_) / elapsed_s;
    line += fmt::format("  {:.1f} tenants/s", rate);
    if (done_ < total) {
      line += "  ETA " +
              human_ms(static_cast<long>(static_cast<double>(total - done_) / rate * 1000.0));
    }
  }
  out_ << "\r\x1b[K" << line << std::flush;
  progress_shown_ = true;
  last_draw_ = now;
}

void ConsoleReporter::clear_progress() {
  if (!progress_shown_) return;
  out_ << "\r\x1b[K";
  progress_shown_ = false;
}

void ConsoleReporter::log(const std::string& line) {
  if (options_.verbosity != Verbosity::verbose || options_.mode == ConsoleMode::quiet) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const bool redraw = progress_shown_;
  clear_progress();
  out_ << line << '\n';
  if (redraw) draw_progress(now_());
  out_ << std::flush;
}

void ConsoleReporter::print_summary(const RunSummary& summary) {
  const long elapsed_ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now_() - started_).count());
  std::string counts;
  for (TenantStatus s : kAllTenantStatuses) {
    const auto it = counts_.find(s);
    if (it == counts_.end() || it->second == 0) continue;
    counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", it->second, to_string(s));
  }
  out_ << fmt::format("{} finished in {}: {}{}\n", to_string(info_.command), human_ms(elapsed_ms),
                      plural(static_cast<long>(done_), "tenant"),
                      counts.empty() ? "" : " (" + counts + ")");
  if (!summary.stop_reason.empty()) out_ << "stopped early: " << summary.stop_reason << '\n';
  if (!slowest_.empty()) {
    std::string slow;
    for (const auto& s : slowest_) {
      slow +=
          fmt::format("{}{} {}", slow.empty() ? "" : ", ", s.tenant_id, human_ms(s.duration_ms));
    }
    out_ << "slowest: " << slow << '\n';
  }
}

void ConsoleReporter::print_problems() {
  std::vector<const FailureGroup*> groups;
  for (const auto& [key, group] : failures_) groups.push_back(&group);
  std::stable_sort(groups.begin(), groups.end(), [](const FailureGroup* a, const FailureGroup* b) {
    return a->count > b->count;
  });
  out_ << "problems:\n";
  for (const FailureGroup* g : groups) {
    std::string ids;
    for (const auto& id : g->first_ids) ids += (ids.empty() ? "" : ", ") + id;
    if (g->count > static_cast<long>(g->first_ids.size())) ids += ", ...";
    out_ << fmt::format("  {} × {} — {}\n", g->count, g->description, ids);
  }
  if (other_failures_ > 0) out_ << fmt::format("  {} more with other errors\n", other_failures_);
}

// The closing forecast table (docs/PREFLIGHT.md, "Forecast"): always on a preflight; otherwise
// when a migration ran, or a gate was set, and not with --quiet unless a gate tripped.
std::string ConsoleReporter::forecast_text() const {
  if (!options_.measures || options_.forecast_table == ForecastTable::hidden) return "";
  const RunMeasures m = options_.measures();
  if (options_.forecast_table == ForecastTable::always || !m.gates.empty()) {
    return format_forecast_table(m);
  }
  const bool gated = m.gate_limits.max_lock_hold_ms || m.gate_limits.max_duration_ms;
  if (options_.mode == ConsoleMode::quiet || (m.forecast.empty() && !gated)) return "";
  return format_forecast_table(m);
}

void ConsoleReporter::run_finished(const RunSummary& summary) {
  std::lock_guard<std::mutex> lock(mutex_);
  clear_progress();
  const bool all_ok = failures_.empty() && other_failures_ == 0;
  const std::string forecast = forecast_text();
  if (options_.mode == ConsoleMode::quiet && all_ok && forecast.empty()) return;
  if (options_.mode != ConsoleMode::quiet) print_summary(summary);
  if (!all_ok) print_problems();
  out_ << forecast;
  if (!options_.results_path.empty()) out_ << "results: " << options_.results_path << '\n';
  out_ << std::flush;
}

}  // namespace pgfleet
