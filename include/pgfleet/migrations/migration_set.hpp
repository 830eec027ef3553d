#pragma once
// The migrations directory, loaded and validated as a whole (README "Migrations").
#include <stdexcept>
#include <string>
#include <vector>

#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

// One problem with one file; `file` is the path as given, `message` says what is wrong.
struct FileProblem {
  std::string file;
  std::string message;
};

// Thrown by MigrationSet::load with every bad file at once; what() lists them one per line.
class MigrationSetError : public std::runtime_error {
 public:
  explicit MigrationSetError(std::vector<FileProblem> problems);
  const std::vector<FileProblem>& problems() const { return problems_; }

 private:
  std::vector<FileProblem> problems_;
};

class MigrationSet {
 public:
  MigrationSet() = default;
  explicit MigrationSet(std::vector<Migration> migrations);  // sorts by version

  // Reads and validates `dir`; throws MigrationSetError listing every bad file, or
  // std::runtime_error if the directory cannot be read.
  static MigrationSet load(const std::string& dir);

  const std::vector<Migration>& all() const { return migrations_; }
  // The migration with that version, or nullptr.
  const Migration* find(Version v) const;
  // Highest version, or 0 when empty.
  Version latest() const;
  bool empty() const { return migrations_.empty(); }

 private:
  std::vector<Migration> migrations_;  // ascending by version
};

}  // namespace pgfleet
