// Replacing placeholders with one tenant's values (docs/PREFLIGHT.md "Placeholders"). A value
// from the control plane is untrusted: bare values are restricted to ^[A-Za-z0-9_.-]*$, quoted
// ones are quoted by pgfleet, and nothing a value holds can end a quote, start a comment or leave
// a dollar-quoted body.
#include <algorithm>

#include "pgfleet/migrations/placeholders.hpp"
#include "pgfleet/sql/lexer.hpp"
#include "pgfleet/sql/quoting.hpp"
#include "pgfleet/util/sha256.hpp"

namespace pgfleet {
namespace {

constexpr std::size_t kMaxIdentifierBytes = 63;  // NAMEDATALEN - 1: the server truncates longer

bool is_bare_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// A bare value next to the text around it must not make `--`, `/*` or `*/` (in code and in a
// dollar-quoted body, which is code to PL/pgSQL): "1-${x}" with x = "-1" would comment out the
// rest of the line.
bool makes_comment_mark(char before, const std::string& value, char after) {
  const std::string joined = std::string(1, before) + value + std::string(1, after);
  return joined.find("--") != std::string::npos || joined.find("/*") != std::string::npos ||
         joined.find("*/") != std::string::npos;
}

// The text that replaces `p`; `before` is the last character written, `after` the next one of
// the file. Throws PlaceholderError.
std::string replacement(const Placeholder& p, const std::string& value, char before, char after,
                        const std::string& file) {
  const auto refuse = [&](const std::string& why) {
    throw PlaceholderError(file, p.line, p.name,
                           "the value of " + placeholder_spelling(p) + " " + why);
  };
  if (p.form == PlaceholderForm::bare) {
    if (!std::all_of(value.begin(), value.end(), is_bare_char)) {
      refuse("may not be used bare: a bare value must match ^[A-Za-z0-9_.-]*$; use ${" + p.name +
             ":literal} or ${" + p.name + ":ident}");
    }
    if (p.context != PlaceholderContext::quoted && makes_comment_mark(before, value, after))
      refuse("would start or end a comment next to the text around it");
    return value;
  }
  if (value.find('\0') != std::string::npos) refuse("holds a NUL byte");
  if (p.context == PlaceholderContext::dollar_quoted &&
      value.find_first_of("'\"\\$") != std::string::npos) {
    // The body may be code with quotes of its own that pgfleet does not read.
    refuse("holds a quote, backslash or '$', which is refused inside a dollar-quoted body");
  }
  if (p.form == PlaceholderForm::literal) return sql_literal(value);
  if (value.empty()) refuse("is empty, and an identifier cannot be");
  if (value.size() > kMaxIdentifierBytes)
    refuse("is " + std::to_string(value.size()) + " bytes; an identifier has at most 63");
  return sql_identifier(value);
}

// Bytes of the identifier a word or quoted-identifier token stands for.
std::size_t identifier_bytes(std::string_view text, SqlTokenKind kind) {
  if (kind == SqlTokenKind::word) return text.size();
  const std::size_t open = text.find('"');
  const std::string_view inner = text.substr(open + 1, text.size() - open - 2);
  std::size_t doubled = 0;
  for (std::size_t i = 0; i + 1 < inner.size(); ++i) {
    if (inner[i] == '"' && inner[i + 1] == '"') {
      ++doubled;
      ++i;
    }
  }
  return inner.size() - doubled;
}

struct RenderedSpan {
  std::size_t begin, end;  // in the rendered text
  const Placeholder* placeholder;
};

// An identifier made longer than 63 bytes by a replacement ("audit_${tenant_id}") would be
// truncated by the server, and two tenants could end up with the same name.
void check_identifier_lengths(const std::string& rendered, const std::vector<RenderedSpan>& spans,
                              const std::string& file) {
  for (const SqlToken& token : lex_sql(rendered)) {
    if (token.kind != SqlTokenKind::word && token.kind != SqlTokenKind::quoted_identifier) continue;
    const std::size_t bytes = identifier_bytes(token_text(rendered, token), token.kind);
    if (bytes <= kMaxIdentifierBytes) continue;
    for (const RenderedSpan& span : spans) {
      if (span.begin < token.offset + token.length && token.offset < span.end) {
        throw PlaceholderError(file, span.placeholder->line, span.placeholder->name,
                               "the identifier made with " +
                                   placeholder_spelling(*span.placeholder) + " is " +
                                   std::to_string(bytes) +
                                   " bytes after replacement; PostgreSQL identifiers have at "
                                   "most 63");
      }
    }
  }
}

}  // namespace

PlaceholderError::PlaceholderError(std::string file, int line, std::string name,
                                   const std::string& message)
    : std::runtime_error(file + " line " + std::to_string(line) + ": " + message),
      file_(std::move(file)),
      line_(line),
      name_(std::move(name)) {}

std::string render_placeholders(std::string_view sql, const PlaceholderValues& values,
                                const std::string& file) {
  const PlaceholderScan scan = scan_placeholders(sql);
  std::string out;
  out.reserve(sql.size());
  std::vector<RenderedSpan> spans;
  std::size_t copied = 0;
  for (const Placeholder& p : scan.placeholders) {
    out.append(sql.substr(copied, p.offset - copied));
    copied = p.offset + p.length;
    if (p.form == PlaceholderForm::dollar) {
      out += '$';
      continue;
    }
    const auto value = values.find(p.name);
    if (value == values.end()) {
      throw PlaceholderError(file, p.line, p.name,
                             "no value for ${" + p.name +
                                 "}: give it as a tenant column or key, or with --var " + p.name +
                                 "=VALUE");
    }
    const char before = out.empty() ? ' ' : out.back();
    const char after = copied < sql.size() ? sql[copied] : ' ';
    const std::size_t begin = out.size();
    out += replacement(p, value->second, before, after, file);
    spans.push_back(RenderedSpan{begin, out.size(), &p});
  }
  out.append(sql.substr(copied));
  check_identifier_lengths(out, spans, file);
  return out;
}

bool uses_placeholders(const MigrationSet& set) {
  const auto on = [](const std::optional<MigrationFile>& f) {
    return f && f->directives.placeholders == PlaceholderMode::on;
  };
  return std::any_of(set.all().begin(), set.all().end(), [&](const Migration& m) {
    return m.up.directives.placeholders == PlaceholderMode::on || on(m.down) || on(m.verify);
  });
}

MigrationSet render_migration_set(const MigrationSet& set, const PlaceholderValues& values) {
  const auto render = [&](MigrationFile& f) {
    if (f.directives.placeholders == PlaceholderMode::on)
      f.sql = render_placeholders(f.sql, values, f.path);
  };
  std::vector<Migration> rendered = set.all();
  for (Migration& m : rendered) {
    render(m.up);
    if (m.down) render(*m.down);
    if (m.verify) render(*m.verify);
    m.rendered_checksum = util::sha256_hex(m.up.sql);
  }
  return MigrationSet(std::move(rendered));
}

}  // namespace pgfleet
