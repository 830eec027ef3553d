#pragma once
// The `-- pgfleet:` directive grammar (README "Migrations"), read from a file's leading comment
// block.
#include <optional>
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
// /* */ comments before the first statement): no-transaction, placeholders,
// lock-timeout=<duration>,
// statement-timeout=<duration>. Throws DirectiveError for an unknown, repeated or bad directive.
// A `lint-ignore=` line is left to lint (it reads free text after the rules).
Directives parse_directives(std::string_view sql);

// 1-based lines of `-- pgfleet:` comments that come after the first statement starts, where
// they have no effect (lint reports them); `lint-ignore=` lines belong there and are left out.
std::vector<int> misplaced_directive_lines(std::string_view sql);

// The text after `lint-ignore=` when `line_comment` ("-- ...") is a `-- pgfleet: lint-ignore=`
// line, else nullopt.
std::optional<std::string_view> lint_ignore_text(std::string_view line_comment);

}  // namespace pgfleet
