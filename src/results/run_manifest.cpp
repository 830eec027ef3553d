#include "pgfleet/results/run_manifest.hpp"

#include <fstream>
#include <iterator>

#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

// doc[key], which must be of the kind `is_kind` checks; else a ResultsError naming the key.
const json& required(const json& doc, const char* key, bool (json::*is_kind)() const noexcept,
                     const char* kind) {
  const auto it = doc.find(key);
  if (it == doc.end() || !((*it).*is_kind)()) {
    throw ResultsError(std::string(kRunManifestFile) + ": \"" + key + "\" is missing or not " +
                       kind);
  }
  return *it;
}

std::vector<MigrationSummary> migrations_from(const json& list) {
  std::vector<MigrationSummary> migrations;
  for (const json& m : list) {
    if (!m.is_object() || !m.contains("version") || !m["version"].is_number_integer() ||
        !m.contains("checksum") || !m["checksum"].is_string()) {
      throw ResultsError(std::string(kRunManifestFile) +
                         ": a migration without version or checksum");
    }
    migrations.push_back({m["version"].get<Version>(), m.value("name", std::string()),
                          m["checksum"].get<std::string>(), m.value("verify_checksum", "")});
  }
  return migrations;
}

}  // namespace

nlohmann::json run_manifest_to_json(const RunManifest& record) {
  json migrations = json::array();
  for (const auto& m : record.migrations) {
    migrations.push_back(json{{"version", m.version}, {"name", m.name}, {"checksum", m.checksum}});
  }
  return json{{"run_id", record.run_id},
              {"command", record.command},
              {"started_at", util::format_rfc3339_utc(record.started_at)},
              {"migrations", std::move(migrations)},
              {"options", record.options},
              {"tenant_source", record.tenant_source},
              {"tenants", record.tenant_ids},
              {"resumes", record.resumes}};
}

RunManifest run_manifest_from_json(const nlohmann::json& doc) {
  if (!doc.is_object()) throw ResultsError(std::string(kRunManifestFile) + ": not a JSON object");
  RunManifest record;
  record.run_id = required(doc, "run_id", &json::is_string, "a string").get<std::string>();
  record.command = required(doc, "command", &json::is_string, "a string").get<std::string>();
  const auto started = util::parse_rfc3339(
      required(doc, "started_at", &json::is_string, "a string").get<std::string>());
  if (!started)
    throw ResultsError(std::string(kRunManifestFile) + ": \"started_at\" is not RFC 3339");
  record.started_at = *started;
  record.migrations = migrations_from(required(doc, "migrations", &json::is_array, "an array"));
  record.options = required(doc, "options", &json::is_object, "an object");
  record.tenant_source =
      required(doc, "tenant_source", &json::is_string, "a string").get<std::string>();
  for (const json& id : required(doc, "tenants", &json::is_array, "an array")) {
    if (!id.is_string())
      throw ResultsError(std::string(kRunManifestFile) + ": a tenant id is not a string");
    record.tenant_ids.push_back(id.get<std::string>());
  }
  if (doc.contains("resumes") && doc["resumes"].is_array()) record.resumes = doc["resumes"];
  return record;
}

std::set<std::string> resumed_tenant_ids(const RunManifest& record) {
  std::set<std::string> ids;
  for (const json& resume : record.resumes) {
    if (!resume.is_object() || !resume.contains("tenants") || !resume["tenants"].is_array())
      continue;
    for (const json& id : resume["tenants"]) {
      if (id.is_string()) ids.insert(id.get<std::string>());
    }
  }
  return ids;
}

void write_run_manifest(const RunDirectory& dir, const RunManifest& record) {
  write_file_atomically(
      dir.file(kRunManifestFile),
      run_manifest_to_json(record).dump(1, ' ', false, json::error_handler_t::replace) + "\n");
}

RunManifest read_run_manifest(const RunDirectory& dir) {
  const std::string path = dir.file(kRunManifestFile);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ResultsError(path +
                       " is missing: the run was made by a pgfleet without resume, or is not a "
                       "fleet run");
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw ResultsError(path + " is not valid JSON");
  return run_manifest_from_json(doc);
}

}  // namespace pgfleet
