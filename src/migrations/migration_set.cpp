#include "pgfleet/migrations/migration_set.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "pgfleet/migrations/directives.hpp"
#include "pgfleet/migrations/filename.hpp"
#include "pgfleet/migrations/placeholders.hpp"
#include "pgfleet/sql/splitter.hpp"
#include "pgfleet/util/sha256.hpp"
#include "sql_checks.hpp"

namespace pgfleet {
namespace fs = std::filesystem;

namespace {

std::string describe(const std::vector<FileProblem>& problems) {
  std::string text;
  for (const FileProblem& p : problems) {
    if (!text.empty()) text += '\n';
    text += p.file + ": " + p.message;
  }
  return text;
}

// The text as sent to the server and checksummed: leading BOM removed, CRLF read as LF.
std::string normalise_migration_text(std::string_view raw) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (raw.substr(0, kBom.size()) == kBom) raw.remove_prefix(kBom.size());
  std::string text;
  text.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    text.push_back(raw[i]);
  }
  return text;
}

// A migration file found in the directory, read and checked on its own.
struct FoundFile {
  std::string filename;  // the bare name, e.g. 0001_users.up.sql
  MigrationFilename name;
  MigrationFile file;
};

// Collects problems while the directory is read, so that all of them are reported at once.
class SetLoader {
 public:
  explicit SetLoader(std::string dir) : dir_(std::move(dir)) {}

  MigrationSet load() {
    for (const fs::directory_entry& entry : sorted_entries()) visit(entry);
    pair_up_and_down();
    if (!problems_.empty()) {
      std::stable_sort(problems_.begin(), problems_.end(),
                       [](const FileProblem& a, const FileProblem& b) { return a.file < b.file; });
      throw MigrationSetError(std::move(problems_));
    }
    return MigrationSet(std::move(migrations_));
  }

 private:
  std::vector<fs::directory_entry> sorted_entries() const {
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) {
      throw std::runtime_error("migrations directory '" + dir_ +
                               "' does not exist or is not a directory");
    }
    std::vector<fs::directory_entry> entries;
    fs::directory_iterator it(dir_, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) entries.push_back(*it);
    if (ec)
      throw std::runtime_error("cannot read migrations directory '" + dir_ + "': " + ec.message());
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return a.path().filename() < b.path().filename();
    });
    return entries;
  }

  std::string path_of(const std::string& filename) const {
    return (fs::path(dir_) / filename).string();
  }

  void problem(const std::string& filename, std::string message) {
    problems_.push_back(FileProblem{path_of(filename), std::move(message)});
  }

  void visit(const fs::directory_entry& entry) {
    const std::string filename = entry.path().filename().string();
    if (!filename.empty() && filename.front() == '.') return;  // dotfiles and dot-directories
    std::error_code ec;
    if (entry.is_directory(ec)) {
      problem(filename, "subdirectories are not allowed in the migrations directory");
      return;
    }
    if (is_ignored_name(filename)) return;
    if (!entry.is_regular_file(ec)) {
      problem(filename, "not a regular file");
      return;
    }
    MigrationFilename name;
    try {
      name = parse_migration_filename(filename);
    } catch (const std::invalid_argument& e) {
      problem(filename, e.what());
      return;
    }
    FoundFile found{filename, name, MigrationFile{path_of(filename), "", Directives{}}};
    read_and_check(found);
    bucket_of(name.direction)[name.version].push_back(std::move(found));
  }

  // Reads the text, normalises it and checks what can be checked in one file alone, reporting
  // every problem (README.md, "Migrations": load errors).
  void read_and_check(FoundFile& found) {
    std::ifstream in(found.file.path, std::ios::binary);
    std::ostringstream raw;
    raw << in.rdbuf();
    if (!in) {
      problem(found.filename, "cannot read the file");
      return;
    }
    const std::string bytes = raw.str();
    for (std::string& message : byte_problems(bytes)) problem(found.filename, std::move(message));
    found.file.sql = normalise_migration_text(bytes);
    std::optional<TxKind> tx;
    try {
      found.file.directives = parse_directives(found.file.sql);
      tx = found.file.directives.tx;
    } catch (const DirectiveError& e) {
      problem(found.filename, e.what());
    }
    if (found.name.direction == MigrationDirection::verify && tx == TxKind::no_transaction) {
      problem(found.filename,
              "a verify script runs read-only inside a transaction (docs/PREFLIGHT.md \"Verify "
              "scripts\"): remove `-- pgfleet: no-transaction`");
    }
    const SqlScan scan = scan_sql(found.file.sql, send_mode_of(tx.value_or(TxKind::transactional)));
    if (found.name.direction == MigrationDirection::up && scan.statements.empty()) {
      problem(found.filename,
              "empty migration: the .up file has no SQL statement, only blanks or comments");
    }
    for (std::string& message : sql_problems(found.file.sql, scan, tx)) {
      problem(found.filename, std::move(message));
    }
    if (found.file.directives.placeholders == PlaceholderMode::on) {
      for (std::string& message : scan_placeholders(found.file.sql).problems)
        problem(found.filename, std::move(message));
    }
  }

  using Bucket = std::map<Version, std::vector<FoundFile>>;

  Bucket& bucket_of(MigrationDirection direction) {
    switch (direction) {
      case MigrationDirection::down: return downs_;
      case MigrationDirection::verify: return verifies_;
      case MigrationDirection::up: break;
    }
    return ups_;
  }

  // A .down or .verify file needs the .up of its version, under the same name.
  void check_companions(Bucket& companions, const char* kind) {
    for (auto& [version, files] : companions) {
      report_duplicates(version, files);
      const auto up = ups_.find(version);
      for (const FoundFile& file : files) {
        if (up == ups_.end()) {
          problem(file.filename, std::string(kind) + " file without a matching .up file (version " +
                                     std::to_string(version) + ")");
        } else if (up->second.front().name.slug != file.name.slug) {
          problem(file.filename, "name does not match its .up file " + up->second.front().filename);
        }
      }
    }
  }

  void pair_up_and_down() {
    for (auto& [version, files] : ups_) report_duplicates(version, files);
    check_companions(downs_, ".down");
    check_companions(verifies_, ".verify");
    for (auto& [version, files] : ups_) {
      FoundFile& up = files.front();
      Migration migration;
      migration.version = version;
      migration.name = up.name.slug;
      migration.checksum = util::sha256_hex(up.file.sql);
      if (up.file.directives.placeholders == PlaceholderMode::off)
        migration.rendered_checksum = migration.checksum;  // sent as written
      migration.up = std::move(up.file);
      const auto down = downs_.find(version);
      if (down != downs_.end()) migration.down = std::move(down->second.front().file);
      const auto verify = verifies_.find(version);
      if (verify != verifies_.end()) {
        migration.verify = std::move(verify->second.front().file);
        migration.verify_checksum = util::sha256_hex(migration.verify->sql);
      }
      migrations_.push_back(std::move(migration));
    }
  }

  void report_duplicates(Version version, const std::vector<FoundFile>& files) {
    if (files.size() < 2) return;
    for (const FoundFile& file : files) {
      std::string others;
      for (const FoundFile& other : files) {
        if (&other == &file) continue;
        others += (others.empty() ? "" : ", ") + other.filename;
      }
      problem(file.filename,
              "duplicate version " + std::to_string(version) + " (also " + others + ")");
    }
  }

  std::string dir_;
  Bucket ups_;
  Bucket downs_;
  Bucket verifies_;
  std::vector<Migration> migrations_;
  std::vector<FileProblem> problems_;
};

}  // namespace

MigrationSetError::MigrationSetError(std::vector<FileProblem> problems)
    : std::runtime_error(describe(problems)), problems_(std::move(problems)) {}

MigrationSet::MigrationSet(std::vector<Migration> migrations) : migrations_(std::move(migrations)) {
  std::sort(migrations_.begin(), migrations_.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
}

MigrationSet MigrationSet::load(const std::string& dir) { return SetLoader(dir).load(); }

const Migration* MigrationSet::find(Version v) const {
  const auto it =
      std::lower_bound(migrations_.begin(), migrations_.end(), v,
                       [](const Migration& m, Version version) { return m.version < version; });
  return it != migrations_.end() && it->version == v ? &*it : nullptr;
}

Version MigrationSet::latest() const {
  return migrations_.empty() ? 0 : migrations_.back().version;
}

}  // namespace pgfleet
