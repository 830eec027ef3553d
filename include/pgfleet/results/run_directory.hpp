#pragma once
// The results directory of one run, `<results-dir>/<run_id>/` (README.md, "Results"): private
// permissions, atomic file writes, and file names derived safely from tenant ids.
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>

namespace pgfleet {

// The results directory or one of its files could not be created or written. The CLI maps it
// to exit 3 when it happens before any tenant ran.
class ResultsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RunDirectory {
 public:
  // Creates `<results_dir>/<run_id>/` and its `rollback/` subdirectory with mode 0700
  // (`results_dir` and its parents too when missing). Throws ResultsError if the run directory
  // already exists or cannot be made, std::invalid_argument for an unsafe run id.
  static RunDirectory create(const std::string& results_dir, const std::string& run_id);
  // An existing run directory (e.g. for `rollback --run`). Throws ResultsError if it is missing,
  // std::invalid_argument for an unsafe run id.
  static RunDirectory open(const std::string& results_dir, const std::string& run_id);

  const std::string& path() const { return path_; }
  const std::string& run_id() const { return run_id_; }
  // `<path>/<name>` for a file name pgfleet chose (summary.json, tenants.jsonl, junit.xml).
  std::string file(const std::string& name) const;
  std::string rollback_dir() const;
  // `<path>/rollback/<safe_file_name(tenant_id)>.sql`.
  std::string rollback_file(const std::string& tenant_id) const;

 private:
  RunDirectory(std::string path, std::string run_id);
  std::string path_;
  std::string run_id_;
};

// Whether a written file is flushed to disk (two fsyncs, ~5 ms), or only renamed into place like
// tenants.jsonl's lines (per-tenant files on the hot path; a crash may lose, never tear them).
enum class Durability { synced, rename_only };

// Writes `content` to a temporary file beside `path` (mode 0600), renames it over `path` (and
// with Durability::synced fsyncs the file and the directory): readers see the old file or the
// new one, never half of it. Throws ResultsError.
void write_file_atomically(const std::string& path, const std::string& content,
                           Durability durability = Durability::synced);
// Appends `size` bytes to the file being written; throws ResultsError.
using FileAppend = std::function<void(const char* data, std::size_t size)>;
// The same, the content given piece by piece to `append` by `produce` (a big file is never
// whole in memory). What `produce` throws leaves no file behind and is thrown on.
void write_file_atomically_from(const std::string& path,
                                const std::function<void(const FileAppend& append)>& produce,
                                Durability durability = Durability::synced);

// A file name (without extension) for a tenant id that cannot leave its directory and stays
// unique, also on a case-insensitive volume: bytes outside [A-Za-z0-9_-.] are percent-encoded
// (%XX, '%' too), a leading '.' is encoded, an empty id becomes "%empty"; names over 120 bytes
// are cut to 100, and they and ids with an upper-case letter get "~" + 16 hex digits of the
// id's FNV-1a 64 hash ("A" -> "A~<hash>", "a" -> "a").
std::string safe_file_name(const std::string& tenant_id);

}  // namespace pgfleet
