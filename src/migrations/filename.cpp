#include "pgfleet/migrations/filename.hpp"

#include <algorithm>
#include <stdexcept>

namespace pgfleet {
namespace {

constexpr std::string_view kUpSuffix = ".up.sql";
constexpr std::string_view kDownSuffix = ".down.sql";
constexpr std::string_view kVerifySuffix = ".verify.sql";
constexpr std::size_t kMaxVersionDigits = 18;  // fits in a signed 64-bit integer

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_slug_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

[[noreturn]] void bad_name(std::string_view name, const std::string& why) {
  throw std::invalid_argument("bad migration file name '" + std::string(name) + "': " + why +
                              " (expected <version>_<slug>.up.sql, .down.sql or .verify.sql)");
}

}  // namespace

bool is_ignored_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return true;
  if (name == "pgfleet.sum") return true;
  std::string prefix(name.substr(0, 6));
  std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  });
  return prefix == "README";
}

bool is_valid_slug(std::string_view slug) {
  return !slug.empty() && std::all_of(slug.begin(), slug.end(), is_slug_char);
}

MigrationFilename parse_migration_filename(std::string_view name) {
  MigrationFilename parsed;
  std::string_view stem;
  if (ends_with(name, kUpSuffix)) {
    parsed.direction = MigrationDirection::up;
    stem = name.substr(0, name.size() - kUpSuffix.size());
  } else if (ends_with(name, kDownSuffix)) {
    parsed.direction = MigrationDirection::down;
    stem = name.substr(0, name.size() - kDownSuffix.size());
  } else if (ends_with(name, kVerifySuffix)) {
    parsed.direction = MigrationDirection::verify;
    stem = name.substr(0, name.size() - kVerifySuffix.size());
  } else {
    bad_name(name, "it must end in .up.sql, .down.sql or .verify.sql");
  }
  const std::size_t underscore = stem.find('_');
  if (underscore == std::string_view::npos) bad_name(name, "no '_' between version and name");
  const std::string_view digits = stem.substr(0, underscore);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit)) {
    bad_name(name, "the version must be decimal digits");
  }
  if (digits.size() > kMaxVersionDigits) bad_name(name, "the version has more than 18 digits");
  const std::string_view slug = stem.substr(underscore + 1);
  if (slug.empty()) bad_name(name, "the name after the version is empty");
  if (!is_valid_slug(slug)) bad_name(name, "the name may only contain A-Z, a-z, 0-9, '_' and '-'");
  parsed.version_digits = std::string(digits);
  parsed.version = 0;
  for (const char c : digits) parsed.version = parsed.version * 10 + (c - '0');
  if (parsed.version == 0)
    bad_name(name, "the version must be at least 1 (0 means nothing applied)");
  parsed.slug = std::string(slug);
  return parsed;
}

DirEntryRole classify_dir_entry(std::string_view name) {
  if (is_ignored_name(name)) return DirEntryRole::ignored;
  try {
    parse_migration_filename(name);
    return DirEntryRole::migration;
  } catch (const std::invalid_argument&) {
    return DirEntryRole::invalid;
  }
}

std::string migration_filename(std::string_view version_digits, std::string_view slug,
                               MigrationDirection direction) {
  std::string name(version_digits);
  name += '_';
  name += slug;
  switch (direction) {
    case MigrationDirection::up: name += kUpSuffix; break;
    case MigrationDirection::down: name += kDownSuffix; break;
    case MigrationDirection::verify: name += kVerifySuffix; break;
  }
  return name;
}

}  // namespace pgfleet
