#include "pgfleet/migrations/scaffold.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "pgfleet/migrations/filename.hpp"

namespace pgfleet {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxSequentialDigits = 6;

Version to_version(const std::string& digits) {
  Version v = 0;
  for (const char c : digits) v = v * 10 + (c - '0');
  return v;
}

std::string utc_timestamp(std::chrono::system_clock::time_point now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &utc);
  return text;
}

std::string up_template(const std::string& filename) {
  return "-- " + filename +
         "\n"
         "-- Directives go in this leading comment block, e.g.:\n"
         "--   -- pgfleet: no-transaction\n"
         "--   -- pgfleet: lock-timeout=5s statement-timeout=10min\n"
         "\n";
}

std::string down_template(const std::string& filename, const std::string& up_filename) {
  return "-- " + filename + "\n-- Reverts " + up_filename + "; run by `pgfleet rollback`.\n\n";
}

// Creates `path` holding `text`; refuses to replace an existing file.
void write_new_file(const std::string& path, const std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "wx");
  if (!file) {
    const int error = errno;
    if (error == EEXIST) throw std::runtime_error(path + " already exists; not overwriting it");
    throw std::runtime_error("cannot create " + path + ": " + std::strerror(error));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written) throw std::runtime_error("cannot write " + path);
}

}  // namespace

std::string next_version_digits(const std::vector<std::string>& existing_digits,
                                std::chrono::system_clock::time_point now) {
  Version max_version = 0;
  std::string max_spelling;
  bool sequential = !existing_digits.empty();
  for (const std::string& digits : existing_digits) {
    const Version v = to_version(digits);
    if (v > max_version) {
      max_version = v;
      max_spelling = digits;
    }
    if (digits.size() > kMaxSequentialDigits) sequential = false;
  }
  if (sequential) {
    std::string next = std::to_string(max_version + 1);
    if (next.size() < max_spelling.size()) next.insert(0, max_spelling.size() - next.size(), '0');
    return next;
  }
  const std::string stamp = utc_timestamp(now);
  return to_version(stamp) > max_version ? stamp : std::to_string(max_version + 1);
}

ScaffoldedMigration scaffold_migration(const std::string& dir, const std::string& name,
                                       std::chrono::system_clock::time_point now) {
  if (!is_valid_slug(name)) {
    throw std::invalid_argument("invalid migration name '" + name +
                                "': use only A-Z, a-z, 0-9, '_' and '-'");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("cannot create migrations directory " + dir + ": " + ec.message());
  std::vector<std::string> existing;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string filename = it->path().filename().string();
    if (classify_dir_entry(filename) == DirEntryRole::migration) {
      existing.push_back(parse_migration_filename(filename).version_digits);
    }
  }
  if (ec) throw std::runtime_error("cannot read migrations directory " + dir + ": " + ec.message());
  const std::string digits = next_version_digits(existing, now);
  const std::string up_name = migration_filename(digits, name, MigrationDirection::up);
  const std::string down_name = migration_filename(digits, name, MigrationDirection::down);
  ScaffoldedMigration result{to_version(digits), (fs::path(dir) / up_name).string(),
                             (fs::path(dir) / down_name).string()};
  if (fs::exists(result.down_path))
    throw std::runtime_error(result.down_path + " already exists; not overwriting it");
  write_new_file(result.up_path, up_template(up_name));
  write_new_file(result.down_path, down_template(down_name, up_name));
  return result;
}

}  // namespace pgfleet
