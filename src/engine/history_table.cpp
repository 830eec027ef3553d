#include "pgfleet/engine/history_table.hpp"

#include <algorithm>
#include <stdexcept>

#include "pgfleet/sql/quoting.hpp"
#include "pgfleet/util/fnv1a.hpp"
#include "pgfleet/util/sha256.hpp"

namespace pgfleet {
namespace {

// The SQL expression whose sha256 is the fingerprint; must match fingerprint() byte for byte.
std::string fingerprint_expression(const std::string& table) {
  return "(SELECT encode(sha256(convert_to(coalesce(string_agg(version::text || ':' || state, "
         "',' ORDER BY version), ''), 'UTF8')), 'hex') FROM " +
         table + ")";
}

const char* state_name(RowState s) { return s == RowState::applied ? "applied" : "pending"; }

std::string cell(const QueryResult& r, std::size_t row, int column) {
  if (column < 0) return {};
  const auto& value = r.rows[row][static_cast<std::size_t>(column)];
  return value ? *value : std::string();
}

}  // namespace

std::optional<Version> TenantState::current() const {
  std::optional<Version> top;
  for (const auto& row : rows) {
    if (row.state == RowState::applied && (!top || row.version > *top)) top = row.version;
  }
  return top;
}

const HistoryRow* TenantState::find(Version version) const {
  for (const auto& row : rows) {
    if (row.version == version) return &row;
  }
  return nullptr;
}

bool TenantState::has_pending_row() const {
  return std::any_of(rows.begin(), rows.end(),
                     [](const HistoryRow& row) { return row.state == RowState::pending; });
}

void sort_by_version(std::vector<HistoryRow>& rows) {
  std::sort(rows.begin(), rows.end(),
            [](const HistoryRow& a, const HistoryRow& b) { return a.version < b.version; });
}

HistoryTable::HistoryTable(std::optional<std::string> tenant_schema)
    : tenant_schema_(std::move(tenant_schema)) {
  if (tenant_schema_) {
    schema_sql_ = sql_identifier(*tenant_schema_);
    qualified_name_ = schema_sql_ + ".pgfleet_schema_migrations";
  } else {
    schema_sql_ = "pgfleet";
    qualified_name_ = "pgfleet.schema_migrations";
  }
  lock_key_ = static_cast<std::int64_t>(util::fnv1a_64(qualified_name_));
}

std::string HistoryTable::create_sql() const {
  return "CREATE SCHEMA IF NOT EXISTS " + schema_sql_ + ";\nCREATE TABLE IF NOT EXISTS " +
         qualified_name_ +
         " (\n"
         "  version bigint PRIMARY KEY,\n"
         "  name text NOT NULL,\n"
         "  checksum text NOT NULL,\n"
         "  state text NOT NULL CHECK (state IN ('applied', 'pending')),\n"
         "  applied_at timestamptz NOT NULL DEFAULT now(),\n"
         "  duration_ms integer,\n"
         "  run_id text,\n"
         "  applied_by text,\n"
         "  rendered_checksum text\n"
         ")";
}

std::string HistoryTable::index_schemas_sql() const {
  return tenant_schema_ ? "n.nspname = " + sql_literal(*tenant_schema_)
                        : "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ "
                          "'^pg_(toast|temp_)'";
}

std::string HistoryTable::read_state_sql() const {
  const std::string index_schemas = index_schemas_sql();
  // rendered_checksum through to_jsonb: a table made by an older pgfleet has no such column, and
  // plan and status read it without changing it.
  return "SELECT 'row' AS kind, h.version::text AS version, h.name, h.checksum, h.state, "
         "h.run_id, h.applied_by, to_jsonb(h) ->> 'rendered_checksum' AS rendered_checksum, "
         "h.duration_ms::text AS duration_ms FROM " +
         qualified_name_ +
         " h\nUNION ALL\n"
         "SELECT 'invalid_index', NULL, format('%I.%I', n.nspname, c.relname), NULL, NULL, NULL, "
         "NULL, NULL, NULL FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN "
         "pg_namespace n "
         "ON "
         "n.oid = c.relnamespace WHERE NOT i.indisvalid AND " +
         index_schemas +
         "\nUNION ALL\n"
         "SELECT DISTINCT 'busy', NULL, NULL, NULL, NULL, h.run_id, NULL, NULL, NULL FROM " +
         qualified_name_ +
         " h JOIN pg_stat_activity a ON a.application_name = 'pgfleet/' || h.run_id "
         "WHERE h.state = 'pending' AND a.datname = current_database() AND a.pid <> "
         "pg_backend_pid()\nUNION ALL\n"
         "SELECT 'backend', NULL, pg_backend_pid()::text, NULL, NULL, NULL, NULL, NULL, NULL";
}

std::string HistoryTable::create_and_read_state_sql() const {
  // Only when missing: CREATE SCHEMA IF NOT EXISTS checks the CREATE privilege even when the
  // schema exists, and a role that only owns the table must still be able to apply. A table
  // made by an older pgfleet gets the rendered_checksum column (docs/PREFLIGHT.md
  // "Placeholders"), once: ALTER TABLE takes a lock even when the column exists.
  const std::string table = sql_literal(qualified_name_);
  return "DO $pgfleet$ BEGIN\n  IF to_regclass(" + table + ") IS NULL THEN\n    " + create_sql() +
         ";\n  ELSIF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass(" + table +
         ") AND attname = 'rendered_checksum' AND NOT attisdropped) THEN\n    ALTER TABLE " +
         qualified_name_ + " ADD COLUMN rendered_checksum text;\n  END IF;\nEND $pgfleet$;\n" +
         read_state_sql();
}

TenantState HistoryTable::parse_state(const QueryResult& result) {
  TenantState state;
  state.table = TenantState::Table::exists;
  const int kind = result.column("kind"), version = result.column("version"),
            name = result.column("name"), checksum = result.column("checksum"),
            row_state = result.column("state"), run_id = result.column("run_id"),
            applied_by = result.column("applied_by"),
            rendered_checksum = result.column("rendered_checksum"),
            duration_ms = result.column("duration_ms");
  if (kind < 0 || version < 0 || name < 0 || row_state < 0 || run_id < 0) {
    throw std::runtime_error("history state query returned unexpected columns");
  }
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    const std::string k = cell(result, i, kind);
    if (k == "row") {
      HistoryRow row;
      try {
        row.version = std::stoll(cell(result, i, version));
      } catch (const std::exception&) {
        throw std::runtime_error("history row with a bad version: " + cell(result, i, version));
      }
      row.name = cell(result, i, name);
      row.checksum = cell(result, i, checksum);
      const std::string s = cell(result, i, row_state);
      if (s == "applied") {
        row.state = RowState::applied;
      } else if (s == "pending") {
        row.state = RowState::pending;
      } else {
        throw std::runtime_error("history row " + std::to_string(row.version) +
                                 " has unknown state '" + s + "'");
      }
      row.run_id = cell(result, i, run_id);
      row.applied_by = cell(result, i, applied_by);
      row.rendered_checksum = cell(result, i, rendered_checksum);
      const std::string duration = cell(result, i, duration_ms);
      if (!duration.empty()) row.duration_ms = std::stol(duration);
      state.rows.push_back(std::move(row));
    } else if (k == "invalid_index") {
      state.invalid_indexes.push_back(cell(result, i, name));
    } else if (k == "busy") {
      state.busy_run_ids.push_back(cell(result, i, run_id));
    } else if (k == "backend") {
      state.backend_pid = cell(result, i, name);
    }
  }
  sort_by_version(state.rows);
  return state;
}

bool HistoryTable::is_missing_table_error(const std::string& sqlstate) {
  return sqlstate == "42P01" || sqlstate == "3F000";
}

bool HistoryTable::is_concurrent_create_error(const std::string& sqlstate) {
  return sqlstate == "23505" || sqlstate == "42P06" || sqlstate == "42P07";
}

std::string HistoryTable::fingerprint(const std::vector<HistoryRow>& rows) {
  std::vector<const HistoryRow*> sorted;
  for (const auto& r : rows) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(),
            [](const HistoryRow* a, const HistoryRow* b) { return a->version < b->version; });
  std::string text;
  for (const HistoryRow* r : sorted) {
    if (!text.empty()) text += ',';
    text += std::to_string(r->version) + ':' + state_name(r->state);
  }
  return util::sha256_hex(text);
}

std::string HistoryTable::lock_or_raise_sql() const {
  return "  IF NOT pg_try_advisory_xact_lock(" + std::to_string(lock_key_) +
         ") THEN\n"
         "    RAISE EXCEPTION 'pgfleet: another pgfleet run holds the lock on " +
         qualified_name_ +
         "' USING ERRCODE = 'PF001';\n"
         "  END IF;\n";
}

std::string HistoryTable::lock_holder_sql() const {
  const auto key = static_cast<std::uint64_t>(lock_key_);
  return "SELECT string_agg(format('pid %s, application_name %L, %s since %s', l.pid, "
         "a.application_name, a.state, a.state_change), '; ') AS holder FROM pg_locks l LEFT "
         "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
         "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND "
         "l.classid = " +
         std::to_string(key >> 32) + " AND l.objid = " + std::to_string(key & 0xffffffffULL) +
         " AND l.objsubid = 1 AND l.pid <> pg_backend_pid()";
}

std::string HistoryTable::guard_sql(const std::string& expected_fingerprint) const {
  return "DO $pgfleet$ BEGIN\n" + lock_or_raise_sql() + "  IF " +
         fingerprint_expression(qualified_name_) + " IS DISTINCT FROM " +
         sql_literal(expected_fingerprint) +
         " THEN\n"
         "    RAISE EXCEPTION 'pgfleet: the history changed since it was read' USING ERRCODE = "
         "'PF002';\n"
         "  END IF;\n"
         "END $pgfleet$;\n";
}

std::string HistoryTable::guard_top_sql(Version expected_top) const {
  return "DO $pgfleet$ DECLARE top bigint; pending bigint; BEGIN\n" + lock_or_raise_sql() +
         "  SELECT max(version) FILTER (WHERE state = 'applied'), count(*) FILTER (WHERE state = "
         "'pending') INTO top, pending FROM " +
         qualified_name_ +
         ";\n"
         "  IF top IS DISTINCT FROM " +
         std::to_string(expected_top) +
         " OR pending > 0 THEN\n"
         "    RAISE EXCEPTION 'pgfleet: the tenant is at version %, not " +
         std::to_string(expected_top) +
         "%', coalesce(top::text, 'none'), CASE WHEN pending > 0 THEN ' (and has a pending row)' "
         "ELSE '' END USING ERRCODE = 'PF002';\n"
         "  END IF;\n"
         "END $pgfleet$;\n";
}

}  // namespace pgfleet
