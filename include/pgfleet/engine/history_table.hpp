#pragma once
// Where a tenant's migration history lives, the SQL that creates and reads it, and the
// advisory-lock key that serialises pgfleet runs on it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/db/session.hpp"
#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

enum class RowState { applied, pending };

// What `pgfleet repair --mark` does with a pending row: mark it applied, or remove it.
enum class RepairMark { applied, removed };

// One row of the history table.
struct HistoryRow {
  Version version = 0;
  std::string name;
  std::string checksum;
  RowState state = RowState::applied;
  std::string run_id;
  std::string applied_by;
  // SHA-256 of the .up text as sent, placeholders replaced; "" when unknown (NULL: a file
  // without placeholders, a row written before the column existed, baseline).
  std::string rendered_checksum{};
  std::optional<long> duration_ms{};  // as recorded; rows read before it was kept have none
};

// Everything the planner needs to know about a tenant, read in one round trip.
struct TenantState {
  enum class Table { exists, missing };
  Table table = Table::missing;
  std::vector<HistoryRow> rows;              // ascending by version
  std::vector<std::string> invalid_indexes;  // "schema.index", left by a failed CONCURRENTLY
  std::vector<std::string> busy_run_ids;  // run ids of pending rows whose pgfleet session is alive
  std::string backend_pid;  // the server backend that answered the read (the session probe)

  // Highest version in state `applied`, or nullopt when none is.
  std::optional<Version> current() const;
  // The row of `version` (in either state), or nullptr.
  const HistoryRow* find(Version version) const;
  // True when some row is `pending`.
  bool has_pending_row() const;
};

// Sorts rows ascending by version, the order TenantState keeps them in.
void sort_by_version(std::vector<HistoryRow>& rows);

class HistoryTable {
 public:
  // `tenant_schema` set: schema-per-tenant, the table is <schema>.pgfleet_schema_migrations.
  explicit HistoryTable(std::optional<std::string> tenant_schema = std::nullopt);

  // The quoted, schema-qualified table name, e.g. pgfleet.schema_migrations.
  const std::string& qualified_name() const { return qualified_name_; }
  // The tenant's schema (schema-per-tenant), else nullopt.
  const std::optional<std::string>& tenant_schema() const { return tenant_schema_; }
  // Key for pg_try_advisory_xact_lock: a stable 64-bit FNV-1a hash of the qualified name.
  std::int64_t lock_key() const { return lock_key_; }

  // Creates the schema and the table if missing (safe to run twice, and concurrently if the
  // caller treats 23505/42P06/42P07 as success).
  std::string create_sql() const;
  // The condition on pg_namespace `n` that selects the schemas whose invalid indexes make the
  // tenant dirty (the tenant's schema, or every user schema).
  std::string index_schemas_sql() const;
  // The one query that reads the state; fails with 42P01 or 3F000 while the table is missing.
  std::string read_state_sql() const;
  // `apply`'s state read: creates the schema and table first when the table is missing (one
  // round trip; `plan` and `status` never write). Concurrent creates: as create_sql().
  std::string create_and_read_state_sql() const;
  // Reads the rows returned by read_state_sql(); throws std::runtime_error on a malformed row.
  static TenantState parse_state(const QueryResult& result);
  // True for the SQLSTATEs that mean "the history table (or its schema) does not exist".
  static bool is_missing_table_error(const std::string& sqlstate);
  // True for the SQLSTATEs that a concurrent create_sql() can raise.
  static bool is_concurrent_create_error(const std::string& sqlstate);

  // Summary of the rows a plan was based on (versions and states, in order).
  static std::string fingerprint(const std::vector<HistoryRow>& rows);
  // A DO block: takes the transaction-scoped advisory lock with the try-variant (else raises
  // PF001) and raises PF002 unless the history still has `expected_fingerprint`.
  std::string guard_sql(const std::string& expected_fingerprint) const;
  // A DO block: takes the lock (PF001) and raises PF002 unless the highest applied version is
  // `expected_top` and no row is pending.
  std::string guard_top_sql(Version expected_top) const;
  // Who holds the tenant's advisory lock (pid, application_name, state): one row, `holder`,
  // NULL when nobody visible does. Sent only after giving up on the lock, to name the holder.
  std::string lock_holder_sql() const;

 private:
  // The plpgsql lines that take the tenant lock with the try-variant or raise PF001.
  std::string lock_or_raise_sql() const;
  std::optional<std::string> tenant_schema_;
  std::string schema_sql_;  // quoted schema name
  std::string qualified_name_;
  std::int64_t lock_key_ = 0;
};

// Custom SQLSTATEs raised by the guards.
inline constexpr const char* kLockBusySqlstate = "PF001";
inline constexpr const char* kHistoryChangedSqlstate = "PF002";

}  // namespace pgfleet
