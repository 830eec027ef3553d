#include <catch2/catch.hpp>

#include "pgfleet/migrations/filename.hpp"

using namespace pgfleet;

TEST_CASE("filename: good names are taken apart") {
  const auto up = parse_migration_filename("0007_add_users.up.sql");
  CHECK(up.version == 7);
  CHECK(up.version_digits == "0007");
  CHECK(up.slug == "add_users");
  CHECK(up.direction == MigrationDirection::up);

  const auto down = parse_migration_filename("20261123120000_Add-Index_2.down.sql");
  CHECK(down.version == 20261123120000LL);
  CHECK(down.slug == "Add-Index_2");
  CHECK(down.direction == MigrationDirection::down);

  CHECK(parse_migration_filename("999999999999999999_max.up.sql").version == 999999999999999999LL);
  CHECK(parse_migration_filename("1_x.up.sql").version == 1);
}

TEST_CASE("filename: bad names say what is wrong") {
  for (const char* bad : {"0001_users.sql", "0001_users.UP.SQL", "0001users.up.sql",
                          "v1_users.up.sql", "_users.up.sql", "0001_.up.sql", "0001_us ers.up.sql",
                          "0001_us.ers.up.sql", "1234567890123456789_too_long.up.sql",
                          "0000_zero.up.sql", "0001_users.up.sql.bak", ".up.sql"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_migration_filename(bad), std::invalid_argument);
    CHECK(classify_dir_entry(bad) ==
          (std::string(bad).front() == '.' ? DirEntryRole::ignored : DirEntryRole::invalid));
  }
  CHECK_THROWS_WITH(parse_migration_filename("1234567890123456789_x.up.sql"),
                    Catch::Contains("18 digits"));
  CHECK_THROWS_WITH(parse_migration_filename("0001_a b.up.sql"),
                    Catch::Contains("0001_a b.up.sql"));
}

TEST_CASE("filename: README, dotfiles and pgfleet.sum are ignored") {
  CHECK(is_ignored_name("README"));
  CHECK(is_ignored_name("README.md"));
  CHECK(is_ignored_name("readme.txt"));
  CHECK(is_ignored_name(".gitkeep"));
  CHECK(is_ignored_name(".DS_Store"));
  CHECK(is_ignored_name("pgfleet.sum"));
  CHECK_FALSE(is_ignored_name("pgfleet.sum.bak"));
  CHECK_FALSE(is_ignored_name("notes.txt"));
  CHECK_FALSE(is_ignored_name("0001_a.up.sql"));
  CHECK(classify_dir_entry("README.md") == DirEntryRole::ignored);
  CHECK(classify_dir_entry("0001_a.down.sql") == DirEntryRole::migration);
}

TEST_CASE("filename: slugs and formatting") {
  CHECK(is_valid_slug("add_users-2"));
  CHECK_FALSE(is_valid_slug(""));
  CHECK_FALSE(is_valid_slug("a/b"));
  CHECK_FALSE(is_valid_slug("a.b"));
  CHECK_FALSE(is_valid_slug("caf\xC3\xA9"));
  CHECK(migration_filename("0042", "x", MigrationDirection::up) == "0042_x.up.sql");
  CHECK(migration_filename("0042", "x", MigrationDirection::down) == "0042_x.down.sql");
}

TEST_CASE("migration filename: a .verify.sql file is the verify of its version") {
  const MigrationFilename verify = parse_migration_filename("0003_add_index.verify.sql");
  CHECK(verify.version == 3);
  CHECK(verify.slug == "add_index");
  CHECK(verify.direction == MigrationDirection::verify);
  CHECK(migration_filename("0003", "add_index", MigrationDirection::verify) ==
        "0003_add_index.verify.sql");
  CHECK(classify_dir_entry("0003_x.check.sql") == DirEntryRole::invalid);
}
