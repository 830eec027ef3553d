#include "run_place.hpp"

#include <algorithm>
#include <filesystem>

#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/recorded_options.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/fleet/run_id.hpp"
#include "pgfleet/results/run_manifest.hpp"
#include "pgfleet/results/tenants_jsonl_file.hpp"

namespace pgfleet::cli {
namespace {

RunManifest new_run_manifest(const Options& o, const RunPlace& place, const FleetJob& job,
                             const MigrationSet& migrations, const std::vector<Tenant>& tenants) {
  RunManifest record;
  record.run_id = place.run_id;
  record.command = to_string(job.command);
  record.started_at = place.started_at;
  record.migrations = migration_summaries(migrations);
  record.options = recorded_options(o);
  record.tenant_source = tenant_source_kind(o);
  record.tenant_ids.reserve(tenants.size());
  for (const Tenant& t : tenants) record.tenant_ids.push_back(t.id);
  return record;
}

// A killed resume can leave a tenant with two lines: the last one counts, the others go now.
void continue_run_directory(const RunDirectory& dir, const ContinuedRun& continued) {
  RunManifest record = read_run_manifest(dir);
  record.resumes.push_back(continued.resume);
  compact_tenants_jsonl(dir.file("tenants.jsonl"), resumed_tenant_ids(record));
  write_run_manifest(dir, record);
}

}  // namespace

RunIdentity run_identity(const Options& o, const FleetJob& job) {
  if (job.continues) return {job.continues->run_id, job.continues->started_at};
  const auto started_at = std::chrono::system_clock::now();
  return {o.run_id.empty() ? make_run_id(started_at) : o.run_id, started_at};
}

RunPlace place_run(const Options& o, const FleetJob& job, const RunIdentity& identity,
                   RunShared shared) {
  try {
    if (job.continues) {
      const RunDirectory dir = RunDirectory::open(o.results_dir, identity.run_id);
      return RunPlace{dir.run_id(), identity.started_at, dir, RunLock::acquire(dir)};
    }
    std::string name = identity.run_id;
    for (int n = 2; shared == RunShared::yes && std::filesystem::exists(o.results_dir + "/" + name);
         ++n) {
      name = identity.run_id + "." + std::to_string(n);
    }
    const RunDirectory dir = RunDirectory::create(o.results_dir, name);
    return RunPlace{identity.run_id, identity.started_at, dir, RunLock::acquire(dir)};
  } catch (const std::exception& e) {
    throw RunError(std::string("results directory: ") + e.what());
  }
}

void record_run(const Options& o, const RunPlace& place, const FleetJob& job,
                const MigrationSet& migrations, const std::vector<Tenant>& tenants,
                RunOutputs& outputs) {
  try {
    if (!job.continues) {
      write_run_manifest(place.dir, new_run_manifest(o, place, job, migrations, tenants));
      return;
    }
    continue_run_directory(place.dir, *job.continues);
    outputs.continue_run(job.continues->standing, job.continues->rerun);
  } catch (const std::exception& e) {
    throw RunError(std::string("results directory: ") + e.what());
  }
}

int with_standing_tenants(const FleetJob& job, int exit_code) {
  if (!job.continues || exit_code != exit_ok) return exit_code;
  const auto& standing = job.continues->standing;
  const bool all_ok = std::all_of(standing.begin(), standing.end(),
                                  [](const TenantOutcome& t) { return is_ok(t.status); });
  return all_ok ? exit_code : exit_tenant_failed;
}

}  // namespace pgfleet::cli
