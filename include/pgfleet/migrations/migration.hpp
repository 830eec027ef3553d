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

// The `-- pgfleet:` directives found in the leading comment block of a file.
struct Directives {
  TxKind tx = TxKind::transactional;
  std::optional<Millis> lock_timeout;       // overrides --lock-timeout for this file
  std::optional<Millis> statement_timeout;  // overrides --statement-timeout for this file
};

// A loaded .up or .down file: its text as sent to the server, normalised (leading BOM removed,
// CRLF read as LF); the checksum is taken over that same text.
struct MigrationFile {
  std::string path;  // as found on disk, for error messages
  std::string sql;   // what is sent to the server
  Directives directives;
};

struct Migration {
  Version version = 0;
  std::string name;      // the slug, e.g. "add_users"
  std::string checksum;  // SHA-256 hex of the normalised .up text
  MigrationFile up;
  std::optional<MigrationFile> down;
};

}  // namespace pgfleet
