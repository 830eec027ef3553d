#pragma once
// How the engine writes versions in its messages and SQL: "3", and "1, 2, 3" for a step of
// several migrations.
#include <string>
#include <vector>

#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

inline std::string version_text(Version version) { return std::to_string(version); }

inline std::string version_list(const std::vector<const Migration*>& migrations) {
  std::string list;
  for (const Migration* m : migrations)
    list += (list.empty() ? "" : ", ") + version_text(m->version);
  return list;
}

}  // namespace pgfleet
