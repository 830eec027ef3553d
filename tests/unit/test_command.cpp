// The names commands have in output and results.
#include <catch2/catch.hpp>
#include <string>

#include "pgfleet/engine/command.hpp"

using namespace pgfleet;

TEST_CASE("a command's name is the one the user types") {
  CHECK(std::string(to_string(Command::plan)) == "plan");
  CHECK(std::string(to_string(Command::apply)) == "apply");
  CHECK(std::string(to_string(Command::status)) == "status");
  CHECK(std::string(to_string(Command::rollback)) == "rollback");
  CHECK(std::string(to_string(Command::repair)) == "repair");
  CHECK(std::string(to_string(Command::baseline)) == "baseline");
  CHECK(std::string(to_string(Command::lint)) == "lint");
  CHECK(std::string(to_string(Command::new_migration)) == "new");
  CHECK(std::string(to_string(Command::neon_cleanup)) == "neon cleanup");
}
