#pragma once
// Statements that change standard_conforming_strings for the rest of the session, and with it how
// the server reads the '...' strings of the statements sent after them.
#include <optional>
#include <string_view>

#include "pgfleet/sql/lexer.hpp"

namespace pgfleet {

// The value standard_conforming_strings has once `statement` (read as `read_as`) has run, when it
// sets it: SET [SESSION] standard_conforming_strings {= | TO} <boolean> | DEFAULT,
// RESET standard_conforming_strings, RESET ALL or DISCARD ALL (the default is taken to be on).
// nullopt when the statement leaves it alone (SET LOCAL ends with its transaction).
std::optional<StandardStrings> standard_strings_after(std::string_view statement,
                                                      StandardStrings read_as);

}  // namespace pgfleet
