#include "pgfleet/results/summary_writer.hpp"

#include <algorithm>
#include <cmath>

#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

// Nearest-rank percentile of sorted values: the smallest value with at least p% at or below it.
long percentile(const std::vector<long>& sorted, double p) {
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

SummaryWriter::SummaryWriter(std::string path, const MigrationSet& migrations)
    : path_(std::move(path)) {
  for (const auto& m : migrations.all()) migrations_.push_back({m.version, m.name, m.checksum});
}

SummaryWriter::SummaryWriter(std::string path, std::vector<MigrationSummary> migrations)
    : path_(std::move(path)), migrations_(std::move(migrations)) {}

void SummaryWriter::set_neon(nlohmann::json neon) {
  std::lock_guard<std::mutex> lock(mutex_);
  neon_ = std::move(neon);
}

void SummaryWriter::run_started(const RunInfo& info) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    info_ = info;
    durations_ms_.reserve(info.tenant_count);
  }
  // Written at the start too: a run that dies leaves a summary whose finished_at and exit_code
  // are null, and its `neon` object if it was a preflight (README.md, "Results").
  write(document(nullptr));
}

void SummaryWriter::tenant_finished(const TenantOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_[outcome.status];
  durations_ms_.push_back(outcome.duration_ms);
}

nlohmann::json SummaryWriter::to_json(const RunSummary& summary) const {
  return document(&summary);
}

nlohmann::json SummaryWriter::document(const RunSummary* summary) const {
  std::lock_guard<std::mutex> lock(mutex_);
  json migrations = json::array();
  for (const auto& m : migrations_) {
    migrations.push_back(json{{"version", m.version}, {"name", m.name}, {"checksum", m.checksum}});
  }
  json counts = json::object();
  long finished = 0;
  for (TenantStatus s : kAllTenantStatuses) {
    const auto it = counts_.find(s);
    const long n = it == counts_.end() ? 0 : it->second;
    counts[to_string(s)] = n;
    finished += n;
  }
  json durations{{"p50", nullptr}, {"p90", nullptr}, {"p99", nullptr}, {"max", nullptr}};
  if (!durations_ms_.empty()) {
    std::vector<long> sorted = durations_ms_;
    std::sort(sorted.begin(), sorted.end());
    durations = json{{"p50", percentile(sorted, 50)},
                     {"p90", percentile(sorted, 90)},
                     {"p99", percentile(sorted, 99)},
                     {"max", sorted.back()}};
  }
  json doc{{"run_id", info_.run_id},
           {"command", to_string(info_.command)},
           {"pgfleet_version", PGFLEET_VERSION},
           {"started_at", util::format_rfc3339_utc(info_.started_at)},
           {"finished_at", summary ? json(util::format_rfc3339_utc(summary->finished_at)) : json()},
           {"target", info_.target ? json(*info_.target) : json(nullptr)},
           {"migrations", std::move(migrations)},
           {"tenant_count", info_.tenant_count},
           {"tenants_finished", finished},
           {"counts", std::move(counts)},
           {"duration_ms", std::move(durations)},
           {"exit_code", summary ? json(summary->exit_code) : json()},
           {"interrupted", summary ? summary->interrupted : false},
           {"stop_reason",
            summary && !summary->stop_reason.empty() ? json(summary->stop_reason) : json(nullptr)}};
  if (neon_) doc["neon"] = *neon_;
  return doc;
}

void SummaryWriter::run_finished(const RunSummary& summary) { write(to_json(summary)); }

void SummaryWriter::write(const nlohmann::json& doc) {
  write_error_.write_atomically(path_,
                                doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

std::optional<std::string> SummaryWriter::write_error() const { return write_error_.get(); }

}  // namespace pgfleet
