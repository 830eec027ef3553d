#pragma once
// The migration file name grammar (README "Migrations"): <version>_<slug>.up.sql /
// <version>_<slug>.down.sql / <version>_<slug>.verify.sql.
#include <string>
#include <string_view>

#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

// Which file of a migration a name is: its .up, its .down or its .verify.
enum class MigrationDirection { up, down, verify };

// A name that follows the grammar, taken apart.
struct MigrationFilename {
  Version version = 0;         // numeric value: "0007" and "7" are both 7
  std::string version_digits;  // as spelled in the name, leading zeros kept
  std::string slug;            // [A-Za-z0-9_-]+
  MigrationDirection direction = MigrationDirection::up;
};

// What a directory entry is to the loader.
enum class DirEntryRole { migration, ignored, invalid };

// True for names the loader skips: README*, dotfiles and pgfleet.sum.
bool is_ignored_name(std::string_view name);

// Parses a file name; throws std::invalid_argument saying which part is wrong.
MigrationFilename parse_migration_filename(std::string_view name);

// ignored, migration (the name parses) or invalid.
DirEntryRole classify_dir_entry(std::string_view name);

// True when `slug` matches [A-Za-z0-9_-]+.
bool is_valid_slug(std::string_view slug);

// "<version_digits>_<slug>.up.sql", ".down.sql" or ".verify.sql".
std::string migration_filename(std::string_view version_digits, std::string_view slug,
                               MigrationDirection direction);

}  // namespace pgfleet
