#pragma once
// What `lint --fleet`, `lint --pending` and `plan` read of each tenant for lint, with SELECTs
// only: its server_version_num, the size of each table (or index) the migrations touch, the
// current type of each column they change the type of, and the versions it has applied
// (docs/LINT.md, "Linting against the fleet").
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/fleet/fleet_runner.hpp"
#include "pgfleet/fleet/tenant_connector.hpp"
#include "pgfleet/migrations/lint.hpp"
#include "pgfleet/migrations/lint_fleet.hpp"

namespace pgfleet {

enum class HistoryRead { skip, read };  // --pending reads each tenant's history table

// What lint asks each tenant, as the catalog spells the names: the size of the tables (or
// indexes) lock findings are about, and the current type of the columns an alter-column-type
// finding changes without an earlier migration declaring them.
struct LintQuestions {
  std::vector<std::string> relations;
  std::vector<TableColumn> columns;
};

// The questions the findings of a lint without the fleet raise.
LintQuestions lint_questions(const std::vector<LintFinding>& findings);

struct TenantLintFacts {
  std::string tenant_id;
  int server_version_num = 0;
  std::map<std::string, RelationSize> relations;    // by the name asked; missing ones left out
  std::map<TableColumn, std::string> column_types;  // format_type of the columns found
  std::optional<std::set<Version>> applied;         // HistoryRead::read; empty without a table
};

// Reads one tenant over `session` in one query (plus its history table when asked; the tenant's
// schema, when it has one, is where names are looked up and its history lives). Throws DbError
// or ConnectionLost.
TenantLintFacts read_tenant_lint_facts(Session& session, const Tenant& tenant,
                                       const LintQuestions& ask, HistoryRead history);

// The facts of many tenants, gathered from worker threads, turned into what lint grades by.
class LintFactsCollector {
 public:
  void add(const TenantLintFacts& facts);
  // A tenant that could not be read (invalid, unreachable, a failed query) and why.
  void add_unread(const std::string& tenant_id, const std::string& reason);
  // Versions a tenant lacks, as its plan found them.
  void add_pending(const std::vector<Version>& versions);

  LintFleet fleet(long long big_table_rows) const;
  // The versions of `all` that some tenant read lacks (by its history or its plan).
  std::set<Version> lacking(const std::vector<Version>& all) const;
  int tenants_read() const;
  std::vector<std::string> unread() const;  // "id: reason", in the order they came

 private:
  mutable std::mutex mutex_;
  LintFleet fleet_;
  int read_ = 0;
  int with_history_ = 0;
  std::map<Version, int> applied_by_;  // version → tenants that applied it
  std::set<Version> pending_;
  std::vector<std::string> unread_;
};

struct LintReadSettings {
  ConnectSettings connect;
  PoolLimits pool;
  LintQuestions ask;
  HistoryRead history = HistoryRead::skip;
};

// Reads `tenant` over a session `connect` opens, into `into`; a failure (connect, query) is
// recorded as unread. Never throws. `plan` calls it for each tenant with something pending.
void read_tenant_into(const Tenant& tenant, const Connector& connect,
                      const LintReadSettings& settings, LintFactsCollector& into);

// Reads every tenant, `settings.pool` at a time, through the usual connector (retries, TLS,
// --tenant-timeout, a signal stops it); unread tenants are recorded with their reason.
void read_fleet_lint_facts(const std::vector<Tenant>& tenants, const LintReadSettings& settings,
                           StopControl& stop, LintFactsCollector& into,
                           SessionFactory factory = {});

}  // namespace pgfleet
