#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "pgfleet/migrations/migration_set.hpp"
#include "pgfleet/migrations/scaffold.hpp"

using namespace pgfleet;
namespace fs = std::filesystem;

namespace {

class ScratchDir {
 public:
  ScratchDir() {
    std::random_device entropy;
    path_ = fs::temp_directory_path() / ("pgfleet-scaffold-" + std::to_string(entropy()));
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  void touch(const std::string& name) const {
    fs::create_directories(path_);
    std::ofstream(path_ / name) << "SELECT 1;\n";
  }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

// 2026-11-24 05:06:07 UTC
const auto kNow = std::chrono::system_clock::from_time_t(1795496767);

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("scaffold: next version follows sequential numbering at the same width") {
  CHECK(next_version_digits({"0001", "0042", "0007"}, kNow) == "0043");
  CHECK(next_version_digits({"1", "2"}, kNow) == "3");
  CHECK(next_version_digits({"0099"}, kNow) == "0100");
  CHECK(next_version_digits({"9999"}, kNow) == "10000");
  CHECK(next_version_digits({"007", "0008"}, kNow) == "0009");
}

TEST_CASE("scaffold: otherwise the UTC timestamp, bumped past the highest version") {
  CHECK(next_version_digits({}, kNow) == "20261124050607");
  CHECK(next_version_digits({"20240101000000"}, kNow) == "20261124050607");
  CHECK(next_version_digits({"20300101000000"}, kNow) == "20300101000001");
  CHECK(next_version_digits({"0001", "20240101000000"}, kNow) == "20261124050607");
}

TEST_CASE("scaffold: writes the pair, which loads once it has SQL") {
  ScratchDir dir;
  dir.touch("0001_first.up.sql");
  dir.touch("README.md");
  const ScaffoldedMigration made = scaffold_migration(dir.str(), "add_users", kNow);
  CHECK(made.version == 2);
  CHECK(fs::path(made.up_path).filename() == "0002_add_users.up.sql");
  CHECK(fs::path(made.down_path).filename() == "0002_add_users.down.sql");
  CHECK_THAT(read_all(made.up_path), Catch::StartsWith("-- 0002_add_users.up.sql\n"));
  CHECK_THAT(read_all(made.down_path), Catch::Contains("0002_add_users.up.sql"));
  // Only comments so far: the loader refuses an empty .up until the author writes SQL.
  CHECK_THROWS_WITH(MigrationSet::load(dir.str()), Catch::Contains("empty migration"));
  std::ofstream(made.up_path, std::ios::app) << "CREATE TABLE users (id int);\n";
  const MigrationSet set = MigrationSet::load(dir.str());
  CHECK(set.latest() == 2);
  CHECK(set.find(2)->up.directives.tx == TxKind::transactional);
}

TEST_CASE("scaffold: creates a missing directory and uses a timestamp there") {
  ScratchDir dir;
  const ScaffoldedMigration made = scaffold_migration(dir.str() + "/migrations", "init", kNow);
  CHECK(made.version == 20261124050607LL);
  CHECK(fs::exists(made.up_path));
  CHECK(fs::exists(made.down_path));
}

TEST_CASE("scaffold: rejects bad names and steps past every existing version") {
  ScratchDir dir;
  CHECK_THROWS_AS(scaffold_migration(dir.str(), "bad name", kNow), std::invalid_argument);
  CHECK_THROWS_AS(scaffold_migration(dir.str(), "../escape", kNow), std::invalid_argument);
  CHECK_THROWS_AS(scaffold_migration(dir.str(), "", kNow), std::invalid_argument);
  dir.touch("20261124050607_other.down.sql");  // a stray .down at the version the clock gives
  const auto later = kNow - std::chrono::hours(24 * 365 * 10);  // clock behind: bumped past the max
  const ScaffoldedMigration made = scaffold_migration(dir.str(), "x", later);
  CHECK(made.version == 20261124050608LL);
  CHECK(fs::exists(dir.str() + "/20261124050607_other.down.sql"));  // untouched
}
