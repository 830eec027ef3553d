// The lint corpus (tests/data/lint/): a bad and a good file per rule, real-world migrations
// that must stay clean, and the repository's own migrations/.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pgfleet/migrations/directives.hpp"
#include "pgfleet/migrations/lint.hpp"

using namespace pgfleet;
namespace fs = std::filesystem;

namespace {

const std::string kRules = std::string(PGFLEET_TEST_DATA) + "/lint/rules/";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kVerifyMarker = "-- verify file\n";

// A corpus file is one migration, or several separated by `-- next migration` lines.
MigrationSet corpus_set(const std::string& file) {
  std::vector<Migration> migrations;
  std::string text = read_text(kRules + file);
  const std::string marker = "-- next migration\n";
  while (true) {
    const std::size_t at = text.find(marker);
    Migration m;
    m.version = static_cast<Version>(migrations.size() + 1);
    m.name = "m";
    const std::string sql = text.substr(0, at);
    // A `-- verify file` line starts the migration's .verify file.
    const std::size_t verify_at = sql.find(kVerifyMarker);
    const std::string up = sql.substr(0, verify_at);
    m.up = MigrationFile{file + "#" + std::to_string(m.version), up, parse_directives(up)};
    if (verify_at != std::string::npos) {
      const std::string verify = sql.substr(verify_at + kVerifyMarker.size());
      m.verify = MigrationFile{file + "#verify", verify, parse_directives(verify)};
    }
    m.down = MigrationFile{"down.sql", "SELECT 1;", {}};
    migrations.push_back(m);
    if (at == std::string::npos) break;
    text = text.substr(at + marker.size());
  }
  return MigrationSet(migrations);
}

// The default rules and `id` (which may be opt-in), in the setting the file's `-- corpus:` lines
// ask for: `schema-per-tenant`, `server_version_num=N` (a fleet of one tenant on that version).
LintConfig with_rule(const std::string& id, const std::string& file) {
  LintConfig config;
  config.include.push_back(id);
  const std::string text = read_text(kRules + file);
  if (text.find("-- corpus: schema-per-tenant\n") != std::string::npos) {
    config.tenancy = Tenancy::schema_per_tenant;
  }
  const std::string version = "-- corpus: server_version_num=";
  const std::size_t at = text.find(version);
  if (at != std::string::npos) {
    LintFleet fleet;
    fleet.server_versions[std::stoi(text.substr(at + version.size()))] = {1, "corpus"};
    config.fleet = fleet;
  }
  return config;
}

// Rules about a migration's pair of files, tested in test_lint.cpp instead.
bool about_pairs(std::string_view id) { return id == "missing-down" || id == "empty-down"; }

}  // namespace

TEST_CASE("lint corpus: every rule has a bad file that trips it and a good file that is clean") {
  for (const LintRule& rule : lint_rules()) {
    if (about_pairs(rule.id)) continue;
    const std::string id(rule.id);
    INFO(id);
    REQUIRE(fs::exists(kRules + id + ".bad.sql"));
    REQUIRE(fs::exists(kRules + id + ".good.sql"));
    bool tripped = false;
    for (const LintFinding& f : lint(corpus_set(id + ".bad.sql"), with_rule(id, id + ".bad.sql"))) {
      tripped = tripped || (f.rule == id && !f.suppressed());
    }
    CHECK(tripped);
    for (const LintFinding& f :
         lint(corpus_set(id + ".good.sql"), with_rule(id, id + ".good.sql"))) {
      INFO(f.file << ":" << f.line << " " << f.rule << ": " << f.message);
      CHECK((f.suppressed() || f.severity == LintSeverity::info));
    }
  }
}

TEST_CASE("lint corpus: real-world style migrations stay clean") {
  const MigrationSet set = MigrationSet::load(std::string(PGFLEET_TEST_DATA) + "/lint/clean");
  REQUIRE(set.all().size() >= 10);
  int suppressed = 0;
  for (const LintFinding& f : lint(set)) {
    INFO(f.file << ":" << f.line << " " << f.rule << ": " << f.message);
    CHECK(f.suppressed());
    suppressed += f.suppressed();
  }
  CHECK(suppressed == 1);  // the DROP COLUMN its lint-ignore explains
}

TEST_CASE("lint corpus: the repository's own migrations have no error") {
  const MigrationSet set = MigrationSet::load(std::string(PGFLEET_TEST_DATA) + "/../../migrations");
  REQUIRE_FALSE(set.empty());
  for (const LintFinding& f : lint(set)) {
    INFO(f.file << ":" << f.line << " " << f.rule << ": " << f.message);
    CHECK(f.severity != LintSeverity::error);
  }
}

TEST_CASE("lint corpus: docs/LINT.md has a section for every rule") {
  const std::string docs = read_text(std::string(PGFLEET_TEST_DATA) + "/../../docs/LINT.md");
  for (const LintRule& rule : lint_rules()) {
    INFO(rule.id);
    CHECK(docs.find("### " + std::string(rule.id) + "\n") != std::string::npos);
  }
}
