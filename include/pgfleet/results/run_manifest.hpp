#pragma once
// run.json in a run directory (docs/SCALING.md, "Resume without a ledger"): what `pgfleet resume`
// needs to run the tenants a run did not finish with the run's own settings. Written once before
// any tenant runs, and again by each resume (which adds itself to `resumes`). Never holds a
// secret: the options are the flags that shape a run, not the tenant source's URL.
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/results/summary_writer.hpp"

namespace pgfleet {

struct RunManifest {
  std::string run_id;
  std::string command;  // as typed: "apply"
  std::chrono::system_clock::time_point started_at{};
  std::vector<MigrationSummary> migrations;           // the set the run applies, with checksums
  nlohmann::json options = nlohmann::json::object();  // flag name -> value (the CLI decides)
  std::string tenant_source;                          // "control-plane", "tenants" or "dsn"
  std::vector<std::string> tenant_ids;                // every tenant of the run, in run order
  nlohmann::json resumes = nlohmann::json::array();   // one object per `pgfleet resume`
};

// The file's name in the run directory.
inline constexpr const char* kRunManifestFile = "run.json";

nlohmann::json run_manifest_to_json(const RunManifest& record);
// Throws ResultsError naming the first key that is missing or of the wrong type.
RunManifest run_manifest_from_json(const nlohmann::json& doc);

// Every tenant id some resume of the run ran again (the "tenants" of each entry of `resumes`).
std::set<std::string> resumed_tenant_ids(const RunManifest& record);

// Writes <dir>/run.json atomically (synced). Throws ResultsError.
void write_run_manifest(const RunDirectory& dir, const RunManifest& record);
// Reads <dir>/run.json. Throws ResultsError when it is missing, not JSON or not a record.
RunManifest read_run_manifest(const RunDirectory& dir);

}  // namespace pgfleet
