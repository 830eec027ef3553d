// Reading what lint grades by from each tenant: SELECTs only, one session per tenant, the
// fleet's pool and connector (docs/LINT.md, "Linting against the fleet").
#include "pgfleet/fleet/lint_facts.hpp"

#include <algorithm>

#include "pgfleet/engine/history_table.hpp"

namespace pgfleet {
namespace {

std::string quoted_list(Session& session, const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + session.quote(name);
  return "ARRAY[" + list + "]::text[]";
}

// The asked columns that exist on the tenant, with their type as format_type spells it
// ("character varying(20)"); rows whose `name` is NULL.
std::string column_types_sql(Session& session, const LintQuestions& ask,
                             const std::string& visible) {
  std::vector<std::string> tables, columns;
  for (const auto& [table, column] : ask.columns) {
    tables.push_back(table);
    columns.push_back(column);
  }
  return "UNION ALL\nSELECT NULL, c.relname, NULL, NULL, a.attname::text, "
         "format_type(a.atttypid, a.atttypmod)\nFROM unnest(" +
         quoted_list(session, tables) + ", " + quoted_list(session, columns) +
         ") AS q(table_name, column_name)\n"
         "JOIN pg_class c ON c.relname = q.table_name AND c.relkind IN ('r', 'p')\n"
         "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = q.column_name AND a.attnum > 0 "
         "AND NOT a.attisdropped\nWHERE " +
         visible + "\n";
}

// In one statement: the server version, then rows (an estimate: reltuples; a partitioned table
// sums its partitions) and bytes of each asked relation, an index counting as its table, then
// the asked columns' types. A table never analyzed has reltuples -1 (0 before PostgreSQL 14):
// rows are then unknown (-1) unless the table has no page at all.
std::string facts_sql(Session& session, const Tenant& tenant, const LintQuestions& ask) {
  const std::string visible =
      tenant.schema ? "c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = " +
                          session.quote(*tenant.schema) + ")"
                    : "pg_table_is_visible(c.oid)";
  return "SELECT current_setting('server_version_num') AS server_version_num, r.* FROM (SELECT 1) "
         "one LEFT JOIN LATERAL (SELECT n.name, t.relname AS table_name,\n"
         "  CASE WHEN t.relkind = 'p' THEN (SELECT coalesce(sum(greatest(p.reltuples, 0)), 0) "
         "FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhrelid WHERE h.inhparent = t.oid)\n"
         "       WHEN t.reltuples > 0 THEN t.reltuples WHEN pg_relation_size(t.oid) = 0 THEN 0 "
         "ELSE -1 END AS rows,\n"
         "  CASE WHEN t.relkind = 'p' THEN (SELECT coalesce(sum(pg_total_relation_size("
         "h.inhrelid)), 0) FROM pg_inherits h WHERE h.inhparent = t.oid)\n"
         "       ELSE pg_total_relation_size(t.oid) END AS bytes,\n"
         "  NULL::text AS column_name, NULL::text AS column_type\n"
         "FROM unnest(" +
         quoted_list(session, ask.relations) +
         ") AS n(name)\n"
         "JOIN pg_class c ON c.relname = n.name AND c.relkind IN ('r', 'p', 'm', 'i', 'I')\n"
         "LEFT JOIN pg_index i ON i.indexrelid = c.oid\n"
         "JOIN pg_class t ON t.oid = coalesce(i.indrelid, c.oid)\n"
         "WHERE " +
         visible + "\n" + column_types_sql(session, ask, visible) + ") r ON true";
}

const std::string& cell(const QueryResult& result, std::size_t row, const char* column) {
  static const std::string empty;
  const int at = result.column(column);
  if (at < 0 || !result.rows[row][static_cast<std::size_t>(at)]) return empty;
  return *result.rows[row][static_cast<std::size_t>(at)];
}

std::set<Version> applied_versions(Session& session, const Tenant& tenant) {
  const HistoryTable history(tenant.schema);
  std::set<Version> applied;
  try {
    for (const HistoryRow& row :
         HistoryTable::parse_state(session.exec(history.read_state_sql())).rows) {
      if (row.state == RowState::applied) applied.insert(row.version);
    }
  } catch (const DbError& e) {
    if (!HistoryTable::is_missing_table_error(e.sqlstate())) throw;  // no table: nothing applied
  }
  return applied;
}

}  // namespace

LintQuestions lint_questions(const std::vector<LintFinding>& findings) {
  std::set<std::string> relations;
  std::set<TableColumn> columns;
  for (const LintFinding& f : findings) {
    if (!f.table.empty()) relations.insert(f.table);
    if (!f.table.empty() && !f.retyped_column.empty()) columns.insert({f.table, f.retyped_column});
  }
  return {{relations.begin(), relations.end()}, {columns.begin(), columns.end()}};
}

TenantLintFacts read_tenant_lint_facts(Session& session, const Tenant& tenant,
                                       const LintQuestions& ask, HistoryRead history) {
  TenantLintFacts facts;
  facts.tenant_id = tenant.id;
  const QueryResult sizes = session.exec(facts_sql(session, tenant, ask));
  for (std::size_t row = 0; row < sizes.rows.size(); ++row) {
    facts.server_version_num = std::stoi(cell(sizes, row, "server_version_num"));
    const std::string& column = cell(sizes, row, "column_name");
    if (!column.empty()) {
      facts.column_types[{cell(sizes, row, "table_name"), column}] =
          cell(sizes, row, "column_type");
      continue;
    }
    const std::string& name = cell(sizes, row, "name");
    if (name.empty()) continue;  // the LEFT JOIN's row when nothing matched
    RelationSize size;
    size.table = cell(sizes, row, "table_name");
    size.rows = std::stod(cell(sizes, row, "rows"));
    size.bytes = std::stoll(cell(sizes, row, "bytes"));
    size.tenant_id = tenant.id;
    facts.relations[name] = size;
  }
  if (history == HistoryRead::read) facts.applied = applied_versions(session, tenant);
  return facts;
}

void LintFactsCollector::add(const TenantLintFacts& facts) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++read_;
  auto& seen = fleet_.server_versions[facts.server_version_num];
  if (seen.tenants++ == 0) seen.example_tenant = facts.tenant_id;
  for (const auto& [name, size] : facts.relations) {
    const auto known = fleet_.largest.find(name);
    const bool larger = known == fleet_.largest.end() || size.rows > known->second.rows ||
                        (size.rows == known->second.rows && size.bytes > known->second.bytes);
    if (larger) fleet_.largest[name] = size;
  }
  for (const auto& [column, type] : facts.column_types) {
    fleet_.column_types[column].emplace(type, facts.tenant_id);  // the first tenant seen with it
  }
  if (!facts.applied) return;
  ++with_history_;
  for (const Version v : *facts.applied) ++applied_by_[v];
}

void LintFactsCollector::add_unread(const std::string& tenant_id, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  unread_.push_back(tenant_id + ": " + reason);
}

void LintFactsCollector::add_pending(const std::vector<Version>& versions) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.insert(versions.begin(), versions.end());
}

LintFleet LintFactsCollector::fleet(long long big_table_rows) const {
  std::lock_guard<std::mutex> lock(mutex_);
  LintFleet fleet = fleet_;
  fleet.big_table_rows = big_table_rows;
  return fleet;
}

std::set<Version> LintFactsCollector::lacking(const std::vector<Version>& all) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::set<Version> lacking = pending_;
  for (const Version v : all) {
    const auto applied = applied_by_.find(v);
    if (applied == applied_by_.end() ? with_history_ > 0 : applied->second < with_history_) {
      lacking.insert(v);
    }
  }
  return lacking;
}

int LintFactsCollector::tenants_read() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return read_;
}

std::vector<std::string> LintFactsCollector::unread() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return unread_;
}

void read_tenant_into(const Tenant& tenant, const Connector& connect,
                      const LintReadSettings& settings, LintFactsCollector& into) {
  try {  // lint's per-tenant runner: one tenant's failure is recorded, never fatal
    const std::unique_ptr<Session> session = connect();
    into.add(read_tenant_lint_facts(*session, tenant, settings.ask, settings.history));
  } catch (const std::exception& e) {
    into.add_unread(tenant.id, e.what());
  }
}

void read_fleet_lint_facts(const std::vector<Tenant>& tenants, const LintReadSettings& settings,
                           StopControl& stop, LintFactsCollector& into, SessionFactory factory) {
  Reporter quiet;  // lint prints its own report, not a run's
  FleetRunner runner(settings.pool, FailurePolicy{}, std::chrono::milliseconds(0), quiet, stop);
  const auto read_one = [&](const Tenant& t) {
    if (!t.invalid_reason.empty()) {
      into.add_unread(t.id, t.invalid_reason);
      return not_run(t.id, TenantStatus::invalid, t.invalid_reason);
    }
    return run_connected(
        t, settings.connect, stop,
        [&](const Connector& connect) {
          read_tenant_into(t, connect, settings, into);
          return not_run(t.id, TenantStatus::up_to_date, "");
        },
        factory);
  };
  runner.run(tenants, read_one, [](const Tenant& t) {
    return t.invalid_reason.empty() && t.conninfo ? t.conninfo->host_port() : std::string();
  });
}

}  // namespace pgfleet
