#pragma once
// The SQL text pgfleet sends for one step on a tenant (a rollback, a no-transaction claim and
// finish, baseline, repair; apply's batches are in apply_batch.hpp), and the mapping from a
// server error position back to (migration version, line in its file).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/engine/run_settings.hpp"
#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

// What a file added to a script is: a migration's own text (.up, .down, a rollback script) or
// its verify script (docs/PREFLIGHT.md "Verify scripts"), whose errors are phase `verify`.
enum class FileRole { migration, verify };

// A query string under construction that remembers where each file's text sits in it.
class MigrationScript {
 public:
  // Appends pgfleet's own SQL.
  void add_sql(std::string_view sql);
  // Appends a file's text followed by "\n;\n" (so that a last statement without ';' or a
  // trailing -- comment cannot swallow what follows). `version` is nullopt for a rollback script.
  void add_file(std::optional<Version> version, std::string_view text,
                FileRole role = FileRole::migration);
  // Appends another script, its files' positions moved along.
  void append(const MigrationScript& other);

  const std::string& sql() const { return sql_; }

  struct Location {
    bool in_file = false;            // the position falls in a file's text
    std::optional<Version> version;  // that file's migration version
    std::optional<int> line;         // 1-based line in that file
    FileRole role = FileRole::migration;
  };
  // Maps a server error position (1-based character offset into sql(), 0 = none) to a file.
  Location locate(int position) const;
  // The 1-based character position where statement `index` (0-based, as the server splits
  // sql()) starts; 0 past the last one.
  int statement_position(std::size_t index) const;
  // The versions of the files added, in order, each once.
  std::vector<Version> versions() const;

 private:
  struct FilePart {
    std::optional<Version> version;
    FileRole role;
    std::size_t begin_char;  // 0-based character index of the file's first character
    std::size_t chars;       // characters of the file text, without the appended "\n;\n"
    std::size_t begin_byte;
    std::size_t bytes;
  };
  std::string sql_;
  std::size_t chars_ = 0;
  std::vector<FilePart> files_;
};

// `e` as sent in `script`: an error the server gave no position (a runtime error such as 22012
// or 23505) gets the position of the statement that raised it, the one after the `completed`
// statements whose results came back before it.
DbError with_statement_position(const DbError& e, const MigrationScript& script,
                                std::size_t completed);

enum class Direction { up, down };

// The lock_timeout / statement_timeout a file runs with: directive > run settings > default
// (statement timeout 0 = none).
Millis effective_lock_timeout(const RunSettings& settings, const Directives& directives);
Millis effective_statement_timeout(const RunSettings& settings, const Directives& directives);

// Everything the SQL of a step depends on besides the migrations themselves.
struct StepContext {
  const HistoryTable& history;
  const RunSettings& settings;
  std::string expected_fingerprint;  // HistoryTable::fingerprint of the rows the plan used
};

// One transaction reverting `migration` with its (transactional) .down file and deleting its
// row; returns the deleted version.
MigrationScript revert_transaction_script(const StepContext& ctx, const Migration& migration);

// Which server session a no-transaction step runs in: a random token set with a session-level
// set_config, and the backend pid that answered (README "Safety": a transaction-pooling
// PgBouncer may give each transaction another server connection).
struct SessionProbe {
  std::string token;
  std::string backend_pid;
};
// The transaction pooler moved the session before the claim (nothing claimed) / while the
// statements ran (the row stays pending: dirty).
inline constexpr const char* kSessionMovedSqlstate = "PF003";
inline constexpr const char* kSessionLostSqlstate = "PF004";

// No-transaction step, first round trip: sets the probe `token` at session level; returns
// (probe, backend_pid).
std::string session_probe_sql(const std::string& token);
// No-transaction step, second round trip: checks the probe (PF003), guard, claim the version
// (insert a `pending` row for up, mark the row `pending` for down), and SET the file's timeouts
// (and search_path) at session level.
std::string claim_no_transaction_sql(const StepContext& ctx, const Migration& migration,
                                     Direction direction, const SessionProbe& probe);
// No-transaction step, last round trip: checks the probe again (PF004), RESETs the session
// settings, marks the row applied (up) or deletes it (down); returns the affected version.
std::string finish_no_transaction_sql(const StepContext& ctx, const Migration& migration,
                                      Direction direction, Millis duration,
                                      const SessionProbe& probe);
// RESETs what session_probe_sql and claim_no_transaction_sql SET at session level.
std::string reset_session_settings_sql(const StepContext& ctx);
// The file a no-transaction step runs statement by statement.
const MigrationFile& step_file(const Migration& migration, Direction direction);

// A rollback script written by an earlier run, in one transaction, guarded so that it runs only
// while the highest applied version is `expected_top`; returns the new highest version.
MigrationScript rollback_script_transaction(const HistoryTable& history,
                                            const RunSettings& settings,
                                            const std::string& script_sql, Version expected_top);
// Inserts `applied` rows (checksums from the files) for `migrations`, under the guard.
std::string baseline_sql(const StepContext& ctx, const std::vector<const Migration*>& migrations);
// Marks the pending row of `version` applied, or deletes it, under the guard; returns the version.
std::string repair_sql(const StepContext& ctx, Version version, RepairMark mark);

}  // namespace pgfleet
