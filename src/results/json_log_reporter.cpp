#include "pgfleet/results/json_log_reporter.hpp"

#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet {

using nlohmann::json;

JsonLogReporter::JsonLogReporter(std::ostream& out) : out_(out) {}

void JsonLogReporter::emit(const std::string& event, json fields) {
  json line{{"ts", util::format_rfc3339_utc(std::chrono::system_clock::now())}, {"event", event}};
  line.update(fields);
  const std::string text = dump_json_line(line);
  std::lock_guard<std::mutex> lock(mutex_);
  out_ << text << '\n' << std::flush;
}

void JsonLogReporter::run_started(const RunInfo& info) {
  emit("run_started", json{{"run_id", info.run_id},
                           {"command", to_string(info.command)},
                           {"target", info.target ? json(*info.target) : json(nullptr)},
                           {"tenant_count", info.tenant_count},
                           {"started_at", util::format_rfc3339_utc(info.started_at)}});
}

void JsonLogReporter::tenant_started(const std::string& tenant_id) {
  emit("tenant_started", json{{"tenant_id", tenant_id}});
}

void JsonLogReporter::migration_finished(const std::string& tenant_id, const MigrationResult& r) {
  emit("migration_finished", json{{"tenant_id", tenant_id},
                                  {"version", r.version},
                                  {"name", r.name},
                                  {"duration_ms", r.duration_ms},
                                  {"attempts", r.attempts}});
}

void JsonLogReporter::tenant_finished(const TenantOutcome& outcome) {
  emit("tenant_finished", outcome_to_json(outcome));
}

void JsonLogReporter::run_finished(const RunSummary& summary) {
  emit("run_finished",
       json{{"exit_code", summary.exit_code},
            {"finished_at", util::format_rfc3339_utc(summary.finished_at)},
            {"interrupted", summary.interrupted},
            {"stop_reason",
             summary.stop_reason.empty() ? json(nullptr) : json(summary.stop_reason)}});
}

void JsonLogReporter::log(const std::string& line) { emit("log", json{{"message", line}}); }

}  // namespace pgfleet
