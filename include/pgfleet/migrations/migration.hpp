#pragma once
// One versioned migration: its .up file, optional .down file, and their directives.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace pgfleet {

using Version = std::int64_t;
using Millis = std::chrono::milliseconds;

// How a migration file is executed (its `no-transaction` directive, README "Migrations").
enum class TxKind { transactional, no_transaction };

// Whether `${name}` placeholders are replaced in a file (its `placeholders` directive,
// docs/PREFLIGHT.md "Placeholders").
enum class PlaceholderMode { off, on };

// The `-- pgfleet:` directives found in the leading comment block of a file.
struct Directives {
  TxKind tx = TxKind::transactional;
  PlaceholderMode placeholders = PlaceholderMode::off;
  std::optional<Millis> lock_timeout;       // overrides --lock-timeout for this file
  std::optional<Millis> statement_timeout;  // overrides --statement-timeout for this file
};

// A loaded .up, .down or .verify file: its text as sent to the server, normalised (leading BOM
// removed, CRLF read as LF); the checksum is taken over that same text.
struct MigrationFile {
  std::string path;  // as found on disk, for error messages
  std::string sql;   // what is sent to the server
  Directives directives;
};

struct Migration {
  Version version = 0;
  std::string name;      // the slug, e.g. "add_users"
  std::string checksum;  // SHA-256 hex of the normalised .up text as written
  MigrationFile up;
  std::optional<MigrationFile> down;
  // Read-only checks of the migration's effect (docs/PREFLIGHT.md "Verify scripts"); not part
  // of `checksum`: a check may be improved later.
  std::optional<MigrationFile> verify;
  std::string verify_checksum;  // SHA-256 hex of the normalised .verify text; "" without one
  // SHA-256 hex of the .up text as sent to one tenant, placeholders replaced: `checksum` for a
  // file without the placeholders directive, else "" until the set is rendered for a tenant
  // (render_migration_set).
  std::string rendered_checksum;
};

}  // namespace pgfleet
