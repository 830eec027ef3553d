#include "pgfleet/engine/migration_script.hpp"

#include <algorithm>

#include "pgfleet/sql/quoting.hpp"
#include "pgfleet/sql/splitter.hpp"
#include "pgfleet/util/utf8.hpp"
#include "script_parts.hpp"

namespace pgfleet {
namespace {

constexpr std::string_view kFileTerminator = "\n;\n";

}  // namespace

const char* const kSessionMovedMessage =
    "the server session changed between two transactions: a transaction-pooling PgBouncer is in "
    "front of this tenant, so a no-transaction migration could run without its lock_timeout, "
    "statement_timeout and search_path. Connect through the direct host (for Neon, the host "
    "without -pooler) and run again; nothing was claimed";
const char* const kSessionLostMessage =
    "the server session changed while the no-transaction statements ran (a "
    "transaction-pooling PgBouncer?): they may have run without their lock_timeout, "
    "statement_timeout and search_path; the tenant is dirty until a human looked and ran "
    "`pgfleet repair`. Connect through the direct host";

std::string ms_literal(Millis m) { return sql_literal(std::to_string(m.count()) + "ms"); }

std::string settings_sql(const StepContext& ctx, const Directives& directives, SetScope scope) {
  const std::string set = scope == SetScope::transaction ? "SET LOCAL " : "SET ";
  std::string sql =
      set + "lock_timeout = " + ms_literal(effective_lock_timeout(ctx.settings, directives)) +
      ";\n" + set +
      "statement_timeout = " + ms_literal(effective_statement_timeout(ctx.settings, directives)) +
      ";\n";
  if (ctx.history.tenant_schema()) {
    sql += set + "search_path = " + sql_identifier(*ctx.history.tenant_schema()) + ";\n";
  }
  return sql;
}

std::string guard_with_lock_timeout(const StepContext& ctx, const std::string& fingerprint) {
  return "SET LOCAL lock_timeout = " + ms_literal(ctx.settings.lock_timeout) + ";\n" +
         ctx.history.guard_sql(fingerprint);
}

std::string history_row_sql(const StepContext& ctx, const Migration& m, RowState state,
                            const std::string& duration_expression, const std::string& returning) {
  // Only apply renders placeholders, and apply's state read adds the column to older tables:
  // baseline (unrendered) never names it.
  const bool rendered =
      m.up.directives.placeholders == PlaceholderMode::on && !m.rendered_checksum.empty();
  return "INSERT INTO " + ctx.history.qualified_name() +
         " (version, name, checksum, state, applied_at, duration_ms, run_id, applied_by" +
         (rendered ? ", rendered_checksum" : "") + ") VALUES (" + std::to_string(m.version) + ", " +
         sql_literal(m.name) + ", " + sql_literal(m.checksum) + ", " +
         (state == RowState::applied ? "'applied'" : "'pending'") + ", now(), " +
         duration_expression + ", " + sql_literal(ctx.settings.run_id) + ", " +
         sql_literal(ctx.settings.applied_by) +
         (rendered ? ", " + sql_literal(m.rendered_checksum) : std::string()) + ")" + returning +
         ";\n";
}

std::string probe_check_sql(const SessionProbe& probe, const char* sqlstate,
                            const std::string& message) {
  const std::string token_changed =
      probe.token.empty() ? std::string()
                          : "current_setting('pgfleet.session_probe', true) IS DISTINCT FROM " +
                                sql_literal(probe.token) + " OR ";
  return "DO $pgfleet$ BEGIN\n  IF " + token_changed + "pg_backend_pid()::text <> " +
         sql_literal(probe.backend_pid) + " THEN\n    RAISE EXCEPTION " + sql_literal(message) +
         " USING ERRCODE = '" + sqlstate + "';\n  END IF;\nEND $pgfleet$;\n";
}

std::string own_pending_row_sql(const StepContext& ctx, Version version) {
  return " WHERE version = " + std::to_string(version) +
         " AND state = 'pending' AND run_id = " + sql_literal(ctx.settings.run_id);
}

void MigrationScript::add_sql(std::string_view sql) {
  sql_.append(sql);
  chars_ += util::count_code_points(sql);
}

void MigrationScript::add_file(std::optional<Version> version, std::string_view text,
                               FileRole role) {
  const std::size_t chars = util::count_code_points(text);
  files_.push_back(FilePart{version, role, chars_, chars, sql_.size(), text.size()});
  sql_.append(text);
  chars_ += chars;
  add_sql(kFileTerminator);
}

void MigrationScript::append(const MigrationScript& other) {
  for (FilePart part : other.files_) {
    part.begin_char += chars_;
    part.begin_byte += sql_.size();
    files_.push_back(part);
  }
  sql_.append(other.sql_);
  chars_ += other.chars_;
}

MigrationScript::Location MigrationScript::locate(int position) const {
  Location where;
  if (position <= 0) return where;
  const std::size_t index = static_cast<std::size_t>(position - 1);
  for (const FilePart& part : files_) {
    // The terminator belongs to the file: "syntax error at end of input" points at it.
    const std::size_t end = part.begin_char + part.chars + kFileTerminator.size();
    if (index < part.begin_char || index >= end) continue;
    const std::string_view text(sql_.data() + part.begin_byte, part.bytes);
    const std::size_t char_in_file = std::min(index - part.begin_char, part.chars);
    std::size_t byte = util::byte_offset_of_char(text, char_in_file);
    // Past the end: report the last line that has text on it.
    if (byte >= text.size()) {
      byte = text.size();
      while (byte > 0 && (text[byte - 1] == '\n' || text[byte - 1] == ' ' ||
                          text[byte - 1] == '\t' || text[byte - 1] == '\r')) {
        --byte;
      }
      if (byte > 0) --byte;
    }
    where.in_file = true;
    where.version = part.version;
    where.role = part.role;
    where.line = util::line_at_byte(text, byte);
    return where;
  }
  return where;
}

int MigrationScript::statement_position(std::size_t index) const {
  const SqlScan scan = scan_sql(sql_, SendMode::whole_file);
  if (index >= scan.statements.size()) return 0;
  const std::string_view before(sql_.data(), scan.statements[index].offset);
  return static_cast<int>(util::count_code_points(before)) + 1;
}

DbError with_statement_position(const DbError& e, const MigrationScript& script,
                                std::size_t completed) {
  if (e.position() != 0) return e;
  return DbError(e.sqlstate(), e.message(), e.detail(), e.hint(),
                 script.statement_position(completed));
}

std::vector<Version> MigrationScript::versions() const {
  std::vector<Version> out;
  for (const FilePart& part : files_) {
    // A verify file shares its migration's version.
    if (part.version && (out.empty() || out.back() != *part.version)) out.push_back(*part.version);
  }
  return out;
}

Millis effective_lock_timeout(const RunSettings& settings, const Directives& directives) {
  return directives.lock_timeout.value_or(settings.lock_timeout);
}

Millis effective_statement_timeout(const RunSettings& settings, const Directives& directives) {
  if (directives.statement_timeout) return *directives.statement_timeout;
  return settings.statement_timeout.value_or(Millis(0));
}

MigrationScript revert_transaction_script(const StepContext& ctx, const Migration& migration) {
  MigrationScript script;
  const MigrationFile& down = step_file(migration, Direction::down);
  script.add_sql(settings_sql(ctx, down.directives, SetScope::transaction));
  script.add_sql(ctx.history.guard_sql(ctx.expected_fingerprint));
  script.add_file(migration.version, down.sql);
  script.add_sql("DELETE FROM " + ctx.history.qualified_name() + " WHERE version = " +
                 std::to_string(migration.version) + " RETURNING version::text AS version");
  return script;
}

std::string reset_session_settings_sql(const StepContext& ctx) {
  std::string sql = "RESET lock_timeout;\nRESET statement_timeout;\n";
  if (ctx.history.tenant_schema()) sql += "RESET search_path;\n";
  return sql + "RESET pgfleet.session_probe;\n";
}

std::string session_probe_sql(const std::string& token) {
  return "SELECT set_config('pgfleet.session_probe', " + sql_literal(token) +
         ", false) AS probe, pg_backend_pid()::text AS backend_pid";
}

const MigrationFile& step_file(const Migration& migration, Direction direction) {
  if (direction == Direction::down && migration.down) return *migration.down;
  return migration.up;
}

std::string claim_no_transaction_sql(const StepContext& ctx, const Migration& migration,
                                     Direction direction, const SessionProbe& probe) {
  // The probe set by session_probe_sql() must still be here: else a transaction pooler gave
  // this transaction another server connection, and nothing is claimed.
  std::string sql = probe_check_sql(probe, kSessionMovedSqlstate, kSessionMovedMessage);
  sql += guard_with_lock_timeout(ctx, ctx.expected_fingerprint);
  if (direction == Direction::up) {
    sql += history_row_sql(ctx, migration, RowState::pending, "NULL");
  } else {
    sql += "UPDATE " + ctx.history.qualified_name() +
           " SET state = 'pending', run_id = " + sql_literal(ctx.settings.run_id) +
           " WHERE version = " + std::to_string(migration.version) + ";\n";
  }
  // Session-level SETs committed with the claim stay for the statements that follow; the
  // finish (or a failure path) RESETs them.
  sql += settings_sql(ctx, step_file(migration, direction).directives, SetScope::session);
  return sql;
}

std::string finish_no_transaction_sql(const StepContext& ctx, const Migration& migration,
                                      Direction direction, Millis duration,
                                      const SessionProbe& probe) {
  // Same session as the claim, or the statements may have run without their SETs.
  std::string sql = probe_check_sql(probe, kSessionLostSqlstate, kSessionLostMessage);
  sql += reset_session_settings_sql(ctx);
  const std::string where = own_pending_row_sql(ctx, migration.version);
  if (direction == Direction::up) {
    sql += "UPDATE " + ctx.history.qualified_name() +
           " SET state = 'applied', applied_at = now(), duration_ms = " +
           std::to_string(duration.count()) + where + " RETURNING version::text AS version";
  } else {
    sql += "DELETE FROM " + ctx.history.qualified_name() + where +
           " RETURNING version::text AS version";
  }
  return sql;
}

MigrationScript rollback_script_transaction(const HistoryTable& history,
                                            const RunSettings& settings,
                                            const std::string& script_sql, Version expected_top) {
  MigrationScript script;
  script.add_sql("SET LOCAL lock_timeout = " + ms_literal(settings.lock_timeout) +
                 ";\nSET LOCAL statement_timeout = " +
                 ms_literal(settings.statement_timeout.value_or(Millis(0))) + ";\n");
  if (history.tenant_schema()) {
    script.add_sql("SET LOCAL search_path = " + sql_identifier(*history.tenant_schema()) + ";\n");
  }
  script.add_sql(history.guard_top_sql(expected_top));
  script.add_file(std::nullopt, script_sql);
  script.add_sql("SELECT max(version)::text AS version FROM " + history.qualified_name() +
                 " WHERE state = 'applied'");
  return script;
}

std::string baseline_sql(const StepContext& ctx, const std::vector<const Migration*>& migrations) {
  std::string sql = guard_with_lock_timeout(ctx, ctx.expected_fingerprint);
  for (const Migration* m : migrations) sql += history_row_sql(ctx, *m, RowState::applied, "0");
  sql += "SELECT count(*)::text AS recorded FROM " + ctx.history.qualified_name();
  return sql;
}

std::string repair_sql(const StepContext& ctx, Version version, RepairMark mark) {
  std::string sql = guard_with_lock_timeout(ctx, ctx.expected_fingerprint);
  const std::string where =
      " WHERE version = " + std::to_string(version) + " AND state = 'pending'";
  if (mark == RepairMark::applied) {
    sql += "UPDATE " + ctx.history.qualified_name() +
           " SET state = 'applied', applied_at = now(), applied_by = " +
           sql_literal(ctx.settings.applied_by) + where;
  } else {
    sql += "DELETE FROM " + ctx.history.qualified_name() + where;
  }
  return sql + " RETURNING version::text AS version";
}

}  // namespace pgfleet
