#pragma once
// The `-- pgfleet:` directive grammar (README "Migrations"), read from a file's leading comment
// block.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

// A directive that could not be read; what() names it, with its 1-based line.
class DirectiveError : public std::invalid_argument {
 public:
  DirectiveError(int line, const std::string& message);
  int line() const { return line_; }

 private:
  int line_;
};

// Reads every `-- pgfleet: a b=c ...` line of the leading comment block (blank lines, -- and
// /* */ comments before the first statement): no-transaction, lock-timeout=<duration>,
// statement-timeout=<duration>. Throws DirectiveError for an unknown, repeated or bad directive.
Directives parse_directives(std::string_view sql);

// 1-based lines of `-- pgfleet:` comments that come after the first statement starts, where
// they have no effect (lint reports them).
std::vector<int> misplaced_directive_lines(std::string_view sql);

}  // namespace pgfleet
