#pragma once
// `pgfleet new NAME`: writes the next .up/.down pair into the migrations directory.
#include <chrono>
#include <string>
#include <vector>

#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

struct ScaffoldedMigration {
  Version version = 0;
  std::string up_path;
  std::string down_path;
};

// The version spelling for the next migration after the existing version spellings: max+1 at
// the same zero-padded width when they are small sequential numbers (at most 6 digits), else
// the UTC timestamp YYYYMMDDHHMMSS of `now`, bumped past the highest version if needed.
std::string next_version_digits(const std::vector<std::string>& existing_digits,
                                std::chrono::system_clock::time_point now);

// Validates `name` as a slug (throws std::invalid_argument), creates `dir` if missing, picks the
// next version from the names in `dir` and writes both files with a short comment header.
// Throws std::runtime_error if a file exists already or cannot be written.
ScaffoldedMigration scaffold_migration(const std::string& dir, const std::string& name,
                                       std::chrono::system_clock::time_point now);

}  // namespace pgfleet
