// rollback/<tenant>.sql read back: what the writer wrote, and what a damaged file gives.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "migration_builders.hpp"
#include "pgfleet/results/rollback_script.hpp"
#include "pgfleet/results/run_directory.hpp"

using namespace pgfleet;
namespace fs = std::filesystem;

namespace {

const std::string kRunId = "20261124T050607Z-a1b2";
const auto kGeneratedAt = std::chrono::system_clock::from_time_t(1795496767);

MigrationSet mixed_set() {
  return MigrationSet({
      test::make_migration(1, "create_users", "CREATE TABLE users (id int);\n",
                           std::string("DROP TABLE users;\n")),
      test::make_migration(2, "add_email", "ALTER TABLE users ADD email text;\n",
                           std::string("-- version one of the cleanup (keep)\n"
                                       "ALTER TABLE users DROP COLUMN email")),
      test::make_migration(3, "backfill", "UPDATE users SET email = '';\n"),
      test::make_migration(
          4, "index_email", "CREATE INDEX CONCURRENTLY users_email ON users (email);\n",
          std::string("-- pgfleet: no-transaction\nDROP INDEX CONCURRENTLY users_email;\n")),
  });
}

TenantOutcome applied(const std::string& id, std::optional<Version> from,
                      const std::vector<Version>& versions) {
  TenantOutcome o;
  o.tenant_id = id;
  o.status = TenantStatus::applied;
  o.from_version = from;
  o.to_version = versions.back();
  for (Version v : versions) o.migrations.push_back({v, "m" + std::to_string(v), 1, 1});
  return o;
}

}  // namespace

TEST_CASE("a rollback script reads back what the writer wrote") {
  const std::string text = format_rollback_script(applied("acme", 1, {2, 3, 4}), mixed_set(),
                                                  std::nullopt, kRunId, kGeneratedAt);
  const RollbackScript script = parse_rollback_script(text);
  CHECK(script.damage.empty());
  CHECK(script.text == text);
  CHECK(script.tenant_id == "acme");
  CHECK(script.run_id == kRunId);
  CHECK(script.from_version == std::optional<Version>(1));
  CHECK(script.to_version == std::optional<Version>(4));
  CHECK(script.steps == RollbackSteps::one_at_a_time);
  // The .down line "-- version one of the cleanup (keep)" is .down text, not a heading.
  CHECK(script.versions == std::vector<Version>{4, 3, 2});
  CHECK(script.missing_downs == std::vector<Version>{3});
  CHECK(why_not_runnable(script, mixed_set()) ==
        "rollback script cannot be run: version 3 (3_backfill) has no .down file");
  CHECK(is_script_of(script, "acme"));
  CHECK_FALSE(is_script_of(script, "ACME"));
}

TEST_CASE("a version without .down is named with its file, or its heading once the file is gone") {
  Migration padded = test::make_migration(10, "add_users", "CREATE TABLE users (id int);\n");
  padded.up.path = "migrations/0010_add_users.up.sql";
  const MigrationSet set({padded});
  const std::string text =
      format_rollback_script(applied("acme", 9, {10}), set, std::nullopt, kRunId, kGeneratedAt);
  const RollbackScript script = parse_rollback_script(text);
  CHECK(why_not_runnable(script, set) ==
        "rollback script cannot be run: version 10 (0010_add_users) has no .down file");
  CHECK(why_not_runnable(script, MigrationSet{}) ==
        "rollback script cannot be run: version 10 (add_users) has no .down file");
}

TEST_CASE("a transactional rollback script reads back as runnable in one transaction") {
  const MigrationSet set = mixed_set();
  const std::string text = format_rollback_script(applied("Tenant\nTwo", std::nullopt, {1, 2}), set,
                                                  std::string("t2"), kRunId, kGeneratedAt);
  const RollbackScript script = parse_rollback_script(text);
  CHECK(script.damage.empty());
  CHECK(script.tenant_id == "Tenant?Two");
  CHECK_FALSE(script.from_version);
  CHECK(script.to_version == std::optional<Version>(2));
  CHECK(script.steps == RollbackSteps::one_transaction);
  CHECK(script.versions == std::vector<Version>{2, 1});
  CHECK(script.missing_downs.empty());
  CHECK(why_not_runnable(script, set).empty());
  CHECK(is_script_of(script, "Tenant\nTwo"));

  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  const RollbackScript saved_with_crlf = parse_rollback_script(crlf);
  CHECK(saved_with_crlf.damage.empty());
  CHECK(saved_with_crlf.versions == std::vector<Version>{2, 1});
}

TEST_CASE("a damaged rollback script is refused and says why") {
  const std::string text = format_rollback_script(applied("acme", 1, {2}), mixed_set(),
                                                  std::nullopt, kRunId, kGeneratedAt);

  const RollbackScript empty = parse_rollback_script("");
  CHECK_THAT(empty.damage, Catch::Contains("-- pgfleet rollback script"));
  CHECK_THAT(why_not_runnable(empty, MigrationSet{}),
             Catch::StartsWith("rollback script cannot be run: not a pgfleet rollback script"));

  const RollbackScript headless = parse_rollback_script(text.substr(text.find('\n') + 1));
  CHECK_FALSE(headless.damage.empty());
  CHECK_FALSE(why_not_runnable(headless, MigrationSet{}).empty());

  std::string bad_version = text;
  const std::string to_line = "-- to_version: 2 (after the run)";
  REQUIRE(bad_version.find(to_line) != std::string::npos);
  bad_version.replace(bad_version.find(to_line), to_line.size(), "-- to_version: two");
  const RollbackScript garbled = parse_rollback_script(bad_version);
  CHECK_THAT(garbled.damage, Catch::Contains("-- to_version: two"));
  CHECK_THAT(why_not_runnable(garbled, MigrationSet{}),
             Catch::Contains("not a pgfleet rollback script"));
}

TEST_CASE("a rollback script file is read from disk or named in the error") {
  std::string dir = (fs::temp_directory_path() / "pgfleet-rbscript-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  const std::string text = format_rollback_script(applied("acme", 1, {2}), mixed_set(),
                                                  std::nullopt, kRunId, kGeneratedAt);
  write_file_atomically(dir + "/acme.sql", text);
  const RollbackScript script = read_rollback_script(dir + "/acme.sql");
  CHECK(script.text == text);
  CHECK(script.versions == std::vector<Version>{2});
  CHECK_THROWS_WITH(read_rollback_script(dir + "/gone.sql"),
                    Catch::Contains("cannot read " + dir + "/gone.sql"));
  fs::remove_all(dir);
}
