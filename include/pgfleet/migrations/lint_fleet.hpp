#pragma once
// What `lint --fleet` knows about the tenants, as plain data: the server versions they run, the
// largest copy of each table the migrations touch, and the locks a previous run measured
// (docs/LINT.md, "Linting against the fleet"). The fleet layer fills it; lint only reads it.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

// --big-table's default: a scan, rewrite or index build of 100,000 rows usually ends well within
// a second, so writers wait briefly; above it a lock finding stays a warning.
inline constexpr long long kDefaultBigTableRows = 100000;

// The largest copy, across the fleet, of a table a migration touches (for an index: the table it
// is on).
struct RelationSize {
  std::string table;      // the table's name
  double rows = -1;       // pg_class.reltuples, an estimate; negative when never analyzed
  long long bytes = 0;    // pg_total_relation_size: indexes and TOAST included
  std::string tenant_id;  // the tenant that has it
};

// A table and one of its columns, as the catalog spells them.
using TableColumn = std::pair<std::string, std::string>;

// A lock a previous run held on a tenant (its summary.json `forecast[].blocking[]`).
struct MeasuredLock {
  Version version = 0;
  std::string relation;  // as the run wrote it, e.g. "public.accounts"
  std::string mode;      // e.g. "AccessExclusiveLock"
  std::string blocks;    // "reads+writes" or "writes"
  long long max_ms = 0;  // the longest hold on one tenant
  int tenants = 0;       // how many tenants held it
  std::string run_id;    // the run that measured it
};

struct LintFleet {
  struct VersionSeen {
    int tenants = 0;
    std::string example_tenant;  // one tenant that runs it, for messages
  };
  std::map<int, VersionSeen> server_versions;  // server_version_num → its tenants
  // By the name the migrations use, as the catalog spells it.
  std::map<std::string, RelationSize> largest;
  // The current type (format_type, e.g. "character varying(20)") of each column asked: every
  // type some tenant has, each with one tenant that has it; a tenant without the column adds none.
  std::map<TableColumn, std::map<std::string, std::string>> column_types;
  long long big_table_rows = kDefaultBigTableRows;  // --big-table
  std::vector<MeasuredLock> measured;               // empty when no earlier run measured any

  // The fleet's lowest server_version_num, nullopt when no tenant was read.
  std::optional<int> lowest_version() const;
  // True when a tenant runs a version in [from, to).
  bool runs_version_in(int from, int to) const;
};

// "15.4" for 150004, "9.6.24" for 90624.
std::string server_version_text(int server_version_num);

}  // namespace pgfleet
