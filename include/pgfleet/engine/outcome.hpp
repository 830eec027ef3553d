#pragma once
// What happened to one tenant in one run: the record written to tenants.jsonl (README
// "Results").
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

enum class TenantStatus {
  applied,      // this run applied at least one migration (or rolled back, for rollback)
  up_to_date,   // nothing to do
  pending,      // plan only: there is something to apply
  failed,       // a migration failed; the tenant is at from_version or the last applied one
  drift,        // history disagrees with the files (checksum, missing file, out of order)
  dirty,        // a pending row or an invalid index is left behind; needs `repair`
  invalid,      // bad tenant row or connection string; never connected
  unreachable,  // could not connect
  skipped,      // not started (failure policy, canary, preflight host not on the branch)
  cancelled,    // interrupted by SIGINT/SIGTERM
  verified,     // verify: every verify script of an applied version passed (or none to run)
};

// Lower-case name as written in results, e.g. "up_to_date".
const char* to_string(TenantStatus s);
// True for statuses that count as success for the exit code (applied, up_to_date, pending,
// verified).
bool is_ok(TenantStatus s);

// Where a failure happened (tenants.jsonl `error.phase`).
enum class ErrorPhase { connect, lock, migrate, verify, timeout, placeholders };
// Lower-case name as written in results, e.g. "timeout".
const char* to_string(ErrorPhase p);

// A failure, as precise as the server let us be.
struct ErrorInfo {
  std::optional<Version> version;  // migration being run, if any
  std::string sqlstate;            // five characters, empty if not from the server
  std::string message;
  std::string detail;
  std::string hint;
  std::optional<int> statement_line;  // 1-based line in the migration file
  std::optional<ErrorPhase> phase{};  // nullopt when not recorded

  // A failure pgfleet describes itself (no SQLSTATE, detail or hint), e.g. "connection refused".
  static ErrorInfo message_only(std::optional<Version> version, std::string message);
  // The same error with one more field set; chain them:
  // ErrorInfo::message_only(3, "...").with_sqlstate("42P01").with_line(2).
  ErrorInfo with_sqlstate(std::string sqlstate) const;
  ErrorInfo with_detail(std::string detail) const;
  ErrorInfo with_hint(std::string hint) const;
  ErrorInfo with_line(std::optional<int> statement_line) const;
  ErrorInfo with_phase(ErrorPhase phase) const;
};

// A pre-existing relation a migration held a lock on, with the strongest mode as pg_locks names
// it (e.g. "AccessExclusiveLock").
struct RelationLock {
  std::string relation;
  std::string mode;
};

// One migration this run applied (or reverted) on this tenant.
struct MigrationResult {
  Version version = 0;
  std::string name;
  long duration_ms = 0;
  int attempts = 1;
  std::vector<RelationLock> locks{};  // held when it committed (docs/PREFLIGHT.md, "Forecast")
  std::optional<long> verify_ms{};    // time of its verify script; nullopt without one
};

struct TenantOutcome {
  std::string tenant_id;
  TenantStatus status = TenantStatus::skipped;
  std::optional<Version> from_version;  // highest applied version before the run
  std::optional<Version> to_version;    // highest applied version after the run
  std::vector<MigrationResult> migrations;
  std::vector<Version> pending;  // plan: versions that would be applied
  std::optional<ErrorInfo> error;
  std::string reason;  // human text for drift/dirty/skipped/invalid, e.g. "checksum differs for 3"
  std::string host;    // host:port, never a password
  std::optional<bool> tls;  // whether its connection was encrypted; nullopt if never connected
  std::chrono::system_clock::time_point started_at{};
  long duration_ms = 0;
};

// The outcome of a tenant pgfleet did not run (invalid, skipped, cancelled, refused), started now.
TenantOutcome not_run(const std::string& tenant_id, TenantStatus status, const std::string& reason);

}  // namespace pgfleet
