#pragma once
// What the migrations directory refuses in a file's bytes and SQL at load time (README.md,
// "Migrations"). Used by the set loader; lint reads files the same way.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/migrations/migration.hpp"
#include "pgfleet/sql/splitter.hpp"

namespace pgfleet {

// How pgfleet sends a file run as `tx`.
SendMode send_mode_of(TxKind tx);

// NUL bytes (libpq would send the text only up to the first) and invalid UTF-8, with byte
// offsets into `bytes` as read from disk.
std::vector<std::string> byte_problems(std::string_view bytes);

// Problems of a file's text `sql`, scanned into `scan`, when it runs as `tx` (nullopt when its
// directives could not be read: then only those that hold either way). Each message starts with
// "line N: ".
std::vector<std::string> sql_problems(std::string_view sql, const SqlScan& scan,
                                      std::optional<TxKind> tx);

}  // namespace pgfleet
