#include "pgfleet/results/summary_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pgfleet/results/report_html.hpp"
#include "pgfleet/results/summary_json.hpp"
#include "pgfleet/results/summary_markdown.hpp"

namespace pgfleet {
namespace {

std::string json_text(const nlohmann::json& doc) {
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

std::vector<MigrationSummary> migration_summaries(const MigrationSet& migrations) {
  std::vector<MigrationSummary> out;
  for (const auto& m : migrations.all())
    out.push_back({m.version, m.name, m.checksum, m.verify_checksum});
  return out;
}

SummaryWriter::SummaryWriter(std::string path, const MigrationSet& migrations)
    : SummaryWriter(SummaryFiles{std::move(path), "", "", ""}, migration_summaries(migrations)) {}

SummaryWriter::SummaryWriter(SummaryFiles files, std::vector<MigrationSummary> migrations)
    : files_(std::move(files)) {
  record_.migrations = std::move(migrations);
}

void SummaryWriter::set_neon(nlohmann::json neon) {
  std::lock_guard<std::mutex> lock(mutex_);
  record_.neon = std::move(neon);
}

void SummaryWriter::set_gate_limits(const GateLimits& limits) {
  std::lock_guard<std::mutex> lock(mutex_);
  record_.gate_limits = limits;
}

std::vector<GateTrip> SummaryWriter::gate_trips() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return record_.gates;
}

RunMeasures SummaryWriter::measures() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return RunMeasures{record_.tally.forecast(), record_.gates, record_.gate_limits};
}

void SummaryWriter::run_started(const RunInfo& info) {
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    record_.info = info;
    record_.info.tenant_count += carried_over_;
    text = json_text(summary_to_json(record_));
  }
  // Written at the start too: a run that dies leaves a summary whose finished_at and exit_code
  // are null, and its `neon` object if it was a preflight (README.md, "Results").
  write_error_.write_atomically(files_.json_path, text);
}

void SummaryWriter::tenant_finished(const TenantOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  record_.add(outcome);  // what the files need of it, not the outcome itself
}

void SummaryWriter::carry_over(const TenantOutcome& outcome) {
  tenant_finished(outcome);
  std::lock_guard<std::mutex> lock(mutex_);
  ++carried_over_;
}

nlohmann::json SummaryWriter::to_json(const RunSummary& summary) const {
  std::lock_guard<std::mutex> lock(mutex_);
  RunRecord finished = record_;
  finished.finished = summary;
  return summary_to_json(finished);
}

void SummaryWriter::run_finished(const RunSummary& summary) { write_files(summary); }

void SummaryWriter::write_files(const std::optional<RunSummary>& summary) {
  std::string json, html, markdown;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    record_.finished = summary;
    json = json_text(summary_to_json(record_));
    if (!files_.html_path.empty()) html = render_report_html(record_);
    if (!files_.markdown_path.empty() || !files_.step_summary_path.empty()) {
      markdown = render_summary_markdown(record_);
    }
  }
  write_error_.write_atomically(files_.json_path, json);
  if (!files_.html_path.empty()) write_error_.write_atomically(files_.html_path, html);
  if (!files_.markdown_path.empty()) write_error_.write_atomically(files_.markdown_path, markdown);
  if (!files_.step_summary_path.empty()) append_step_summary(markdown);
}

void SummaryWriter::append_step_summary(const std::string& markdown) {
  const std::string& path = files_.step_summary_path;
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    write_error_.keep("cannot open " + path + ": " + std::strerror(errno));
    return;
  }
  const std::string text = markdown + "\n";
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      write_error_.keep("cannot append to " + path + ": " + std::strerror(errno));
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

std::optional<std::string> SummaryWriter::write_error() const { return write_error_.get(); }

}  // namespace pgfleet
