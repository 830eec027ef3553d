#include "pgfleet/results/measured_locks.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace pgfleet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A version written as a number or as text; 0 when neither.
Version version_of(const json& value) {
  if (value.is_number_integer()) return value.get<Version>();
  if (!value.is_string()) return 0;
  const std::string text = value.get<std::string>();
  const bool digits = !text.empty() && text.size() <= 18 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  return digits ? std::stoll(text) : 0;
}

std::string text_at(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

long long number_at(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<long long>() : 0;
}

std::vector<MeasuredLock> locks_of(const json& forecast, const std::string& run_id) {
  // The forecast is one entry per migration: an array, or an object holding `migrations`.
  const json migrations =
      forecast.is_object() && forecast.contains("migrations") ? forecast["migrations"] : forecast;
  std::vector<MeasuredLock> locks;
  if (!migrations.is_array()) return locks;
  for (const json& migration : migrations) {
    if (!migration.is_object() || !migration.contains("blocking") ||
        !migration["blocking"].is_array()) {
      continue;
    }
    for (const json& b : migration["blocking"]) {
      if (!b.is_object()) continue;
      MeasuredLock lock;
      lock.version = migration.contains("version") ? version_of(migration["version"]) : 0;
      lock.relation = text_at(b, "relation");
      lock.mode = text_at(b, "mode");
      lock.blocks = text_at(b, "blocks");
      lock.max_ms = number_at(b, "max_ms");
      lock.tenants = static_cast<int>(number_at(b, "tenants"));
      lock.run_id = run_id;
      if (lock.version != 0 && !lock.relation.empty()) locks.push_back(lock);
    }
  }
  return locks;
}

}  // namespace

std::vector<MeasuredLock> read_measured_locks(const std::string& results_dir) {
  std::error_code error;
  std::vector<std::string> runs;
  for (const auto& entry : fs::directory_iterator(results_dir, error)) {
    if (entry.is_directory(error)) runs.push_back(entry.path().filename().string());
  }
  std::sort(runs.rbegin(), runs.rend());  // run ids start with their UTC time: newest first
  for (const std::string& run_id : runs) {
    std::ifstream in(fs::path(results_dir) / run_id / "summary.json");
    const json summary = json::parse(in, nullptr, false);
    if (summary.is_discarded() || !summary.is_object() || !summary.contains("forecast")) continue;
    return locks_of(summary["forecast"], run_id);
  }
  return {};
}

}  // namespace pgfleet
