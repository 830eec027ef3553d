#pragma once
// Builds migrations in memory for the engine tests (checksum and directives as the loader does).
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/migrations/directives.hpp"
#include "pgfleet/migrations/migration.hpp"
#include "pgfleet/migrations/migration_set.hpp"
#include "pgfleet/util/sha256.hpp"

namespace pgfleet::test {

inline Migration make_migration(Version version, const std::string& name, const std::string& up,
                                const std::optional<std::string>& down = std::nullopt) {
  Migration m;
  m.version = version;
  m.name = name;
  m.checksum = util::sha256_hex(up);
  m.up = MigrationFile{std::to_string(version) + "_" + name + ".up.sql", up, parse_directives(up)};
  if (down) {
    m.down = MigrationFile{std::to_string(version) + "_" + name + ".down.sql", *down,
                           parse_directives(*down)};
  }
  return m;
}

// Versions 1..n, each creating table t<v> (and dropping it in its .down).
inline std::vector<Migration> table_migrations(int n) {
  std::vector<Migration> out;
  for (int v = 1; v <= n; ++v) {
    const std::string t = "t" + std::to_string(v);
    out.push_back(make_migration(v, "create_" + t, "CREATE TABLE " + t + " (id int);\n",
                                 "DROP TABLE " + t + ";\n"));
  }
  return out;
}

}  // namespace pgfleet::test
