#include "pgfleet/results/run_rebuild.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>

#include "pgfleet/results/junit_writer.hpp"
#include "pgfleet/results/outcome_reading.hpp"
#include "pgfleet/results/summary_writer.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

constexpr Command kCommandsWithResults[] = {Command::plan,     Command::apply,  Command::status,
                                            Command::rollback, Command::repair, Command::baseline,
                                            Command::verify};

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string string_at(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<long> integer_at(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<long>();
}

std::vector<MigrationSummary> migrations_of(const json& summary) {
  std::vector<MigrationSummary> out;
  const auto list = summary.find("migrations");
  if (list == summary.end() || !list->is_array()) return out;
  for (const json& m : *list) {
    if (!m.is_object()) continue;
    out.push_back({integer_at(m, "version").value_or(0), string_at(m, "name"),
                   string_at(m, "checksum"), string_at(m, "verify_checksum")});
  }
  return out;
}

// The end of a run as its tenants tell it: the last one to finish; exit 1 if one is not ok or a
// gate tripped.
RunSummary end_from_tenants(const RunRecord& r) {
  RunSummary done;
  done.finished_at = std::max(r.info.started_at, r.tally.last_ended().value_or(r.info.started_at));
  if (!r.tally.all_ok() || !r.gates.empty()) done.exit_code = 1;
  return done;
}

// The header from the tenants alone: the earliest start, and their end.
void header_from_tenants(RunRecord& r) {
  if (r.tally.first_started()) r.info.started_at = *r.tally.first_started();
  r.finished = end_from_tenants(r);
}

// Every tenant of <dir>/tenants.jsonl to `each`, one line in memory at a time; returns the
// numbers of the damaged lines. Throws ResultsError when the file cannot be read.
std::vector<int> each_tenant(const std::string& jsonl_path,
                             const std::function<void(TenantOutcome&&)>& each) {
  std::ifstream in(jsonl_path, std::ios::binary);
  if (!in) throw ResultsError("cannot read " + jsonl_path);
  return read_tenants_jsonl(in, each);
}

void header_from_summary(RunRecord& r, const json& s) {
  const std::string command = string_at(s, "command");
  for (Command c : kCommandsWithResults) {
    if (command == to_string(c)) r.info.command = c;
  }
  if (auto t = parse_result_time(string_at(s, "started_at"))) r.info.started_at = *t;
  r.info.target = integer_at(s, "target");
  r.info.tenant_count = static_cast<std::size_t>(integer_at(s, "tenant_count").value_or(0));
  r.migrations = migrations_of(s);
  const auto neon = s.find("neon");
  if (neon != s.end() && !neon->is_null()) r.neon = *neon;
  const auto limits = s.find("gate_limits");
  if (limits != s.end()) r.gate_limits = gate_limits_from_json(*limits);
  const auto finished = parse_result_time(string_at(s, "finished_at"));
  const auto exit_code = integer_at(s, "exit_code");
  if (!finished || !exit_code) return;  // the run died: it has no end
  RunSummary done;
  done.finished_at = *finished;
  done.exit_code = static_cast<int>(*exit_code);
  const auto interrupted = s.find("interrupted");
  done.interrupted =
      interrupted != s.end() && interrupted->is_boolean() && interrupted->get<bool>();
  done.stop_reason = string_at(s, "stop_reason");
  r.finished = done;
}

}  // namespace

ReadBackRun read_back_run(const RunDirectory& dir) {
  ReadBackRun run;
  RunRecord& r = run.record;
  r.info.run_id = dir.run_id();
  r.info.command = Command::apply;
  const std::optional<std::string> text = read_text(dir.file("summary.json"));
  const json summary = text ? json::parse(*text, nullptr, false) : json();
  if (summary.is_object()) header_from_summary(r, summary);  // gate limits before the tenants
  const std::string jsonl_path = dir.file("tenants.jsonl");
  for (int line : each_tenant(jsonl_path, [&r](TenantOutcome&& t) { r.add(t); })) {
    run.warnings.push_back(jsonl_path + ":" + std::to_string(line) +
                           ": not a tenant record; skipped");
  }
  if (!summary.is_object()) {
    run.warnings.push_back(dir.file("summary.json") +
                           " is missing or damaged: the run header is made from the tenants");
  }
  if (r.info.tenant_count < r.tally.tenants()) r.info.tenant_count = r.tally.tenants();
  if (!summary.is_object()) header_from_tenants(r);
  return run;
}

std::vector<std::string> rewrite_run_files(const RunDirectory& dir, const ReadBackRun& run) {
  const RunRecord& r = run.record;
  SummaryWriter summary(
      SummaryFiles{dir.file("summary.json"), dir.file("report.html"), dir.file("summary.md"), ""},
      r.migrations);
  JunitWriter junit(dir.file("junit.xml"));
  if (r.neon) summary.set_neon(*r.neon);
  summary.set_gate_limits(r.gate_limits);
  // Replayed as the run's events, read again from tenants.jsonl (read_back_run kept only their
  // tally): the same writers make the same files.
  summary.run_started(r.info);
  junit.run_started(r.info);
  std::vector<std::string> errors;
  try {
    each_tenant(dir.file("tenants.jsonl"), [&](TenantOutcome&& t) {
      summary.tenant_finished(t);
      junit.tenant_finished(t);
    });
  } catch (const ResultsError& e) {
    errors.push_back(e.what());
  }
  summary.write_files(r.finished);
  junit.run_finished(r.finished.value_or(end_from_tenants(r)));
  for (const auto& error : {summary.write_error(), junit.write_error()}) {
    if (error) errors.push_back(*error);
  }
  return errors;
}

}  // namespace pgfleet
