#pragma once
// Per-tenant placeholders in migration files (docs/PREFLIGHT.md "Placeholders"): in a file with
// the `-- pgfleet: placeholders` directive, `${name}`, `${name:literal}`, `${name:ident}` and
// `${$}` outside comments are replaced by a tenant's values before the text is split or sent.
// Pure text work: no I/O, no connection.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

// How a placeholder's value is written into the SQL text.
enum class PlaceholderForm {
  bare,     // ${name}: the value itself, only if it matches ^[A-Za-z0-9_.-]*$
  literal,  // ${name:literal}: a single-quoted SQL string literal
  ident,    // ${name:ident}: a double-quoted identifier
  dollar,   // ${$}: a literal '$'
};

// Where in the SQL text a placeholder stands, as the server's lexer reads the file as written.
enum class PlaceholderContext {
  code,           // plain SQL
  quoted,         // inside '...' (E'', U&'', B'', X'') or "..."
  dollar_quoted,  // inside $tag$ ... $tag$, often a function or DO body with quotes of its own
};

// One `${...}` found in a file.
struct Placeholder {
  std::size_t offset = 0;  // of the '$' in the text as written
  std::size_t length = 0;  // up to and including the '}'
  int line = 1;            // 1-based
  std::string name;        // empty for ${$}
  PlaceholderForm form = PlaceholderForm::bare;
  PlaceholderContext context = PlaceholderContext::code;
  std::string dollar_delimiter;  // "$tag$" when dollar_quoted
};

// The placeholders of a file, and what is wrong with them whatever the values are.
struct PlaceholderScan {
  std::vector<Placeholder> placeholders;  // in text order
  std::vector<std::string> problems;      // each starts with "line N: "
};

// Finds every placeholder of `sql` outside comments. A `${` that does not form one of the four
// shapes, a :literal or :ident inside quotes (its quotes would end them), or a placeholder glued
// to a word or a quote is a problem: the loader reports it for the file (exit 2). Never throws.
PlaceholderScan scan_placeholders(std::string_view sql);

// How `p` is spelled in a file: ${name}, ${name:literal}, ${name:ident} or ${$}.
std::string placeholder_spelling(const Placeholder& p);

// A tenant's values by name (built-ins, its own variables, --var defaults), already merged.
using PlaceholderValues = std::map<std::string, std::string>;

// A placeholder that cannot be replaced for this tenant: no value, a value refused in its form,
// an identifier too long. what() says "<file> line N: ..." and names the placeholder, never its
// value (the value may be a secret).
class PlaceholderError : public std::runtime_error {
 public:
  PlaceholderError(std::string file, int line, std::string name, const std::string& message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& name() const { return name_; }

 private:
  std::string file_;
  int line_;
  std::string name_;
};

// `sql` with its placeholders replaced by `values`; `file` names it in errors. Throws
// PlaceholderError. The text must have passed scan_placeholders without problems.
std::string render_placeholders(std::string_view sql, const PlaceholderValues& values,
                                const std::string& file);

// True when some .up, .down or .verify file of the set has the placeholders directive.
bool uses_placeholders(const MigrationSet& set);

// The set as one tenant gets it: every file with the placeholders directive rendered with
// `values`, the checksums of the files as written kept, and each migration's rendered_checksum
// set to the SHA-256 of its .up text as sent. Throws PlaceholderError for the first file that
// cannot be rendered.
MigrationSet render_migration_set(const MigrationSet& set, const PlaceholderValues& values);

}  // namespace pgfleet
