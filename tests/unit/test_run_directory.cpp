#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "pgfleet/results/first_write_error.hpp"
#include "pgfleet/results/run_directory.hpp"

using namespace pgfleet;
namespace fs = std::filesystem;

namespace {

std::string fresh_dir() {
  std::string tmpl = (fs::temp_directory_path() / "pgfleet-rundir-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  return tmpl;
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("the run directory is private and created with its parents") {
  const std::string base = fresh_dir();
  const mode_t old = ::umask(0);  // even a permissive umask must not open it up
  const RunDirectory dir = RunDirectory::create(base + "/results/nested", "20261124T050607Z-a1b2");
  ::umask(old);
  CHECK(dir.path() == base + "/results/nested/20261124T050607Z-a1b2");
  CHECK(mode_of(dir.path()) == 0700);
  CHECK(mode_of(dir.rollback_dir()) == 0700);
  CHECK(mode_of(base + "/results") == 0700);
  CHECK(dir.file("summary.json") == dir.path() + "/summary.json");

  // The same run id twice is an error, not a merge of two runs.
  CHECK_THROWS_AS(RunDirectory::create(base + "/results/nested", "20261124T050607Z-a1b2"),
                  ResultsError);
  CHECK_NOTHROW(RunDirectory::open(base + "/results/nested", "20261124T050607Z-a1b2"));
  CHECK_THROWS_AS(RunDirectory::open(base + "/results/nested", "20261124T050607Z-ffff"),
                  ResultsError);
  CHECK_THROWS_AS(RunDirectory::create(base, "../escape"), std::invalid_argument);
  fs::remove_all(base);
}

TEST_CASE("a results directory that cannot be created is a ResultsError") {
  const std::string base = fresh_dir();
  std::ofstream(base + "/file") << "x";
  CHECK_THROWS_AS(RunDirectory::create(base + "/file/sub", "r1"), ResultsError);
  if (::geteuid() != 0) {  // root ignores permissions
    ::chmod(base.c_str(), 0500);
    CHECK_THROWS_AS(RunDirectory::create(base + "/new", "r1"), ResultsError);
    ::chmod(base.c_str(), 0700);
  }
  fs::remove_all(base);
}

TEST_CASE("atomic writes replace the file whole, mode 0600, leaving no temp files") {
  const std::string base = fresh_dir();
  const std::string path = base + "/summary.json";
  write_file_atomically(path, "first");
  CHECK(slurp(path) == "first");
  CHECK(mode_of(path) == 0600);
  write_file_atomically(path, std::string(100000, 'x'));
  CHECK(slurp(path) == std::string(100000, 'x'));
  int entries = 0;
  for (const auto& e : fs::directory_iterator(base)) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
  CHECK_THROWS_AS(write_file_atomically(base + "/missing/x", "y"), ResultsError);
  fs::remove_all(base);
}

TEST_CASE("tenant ids become safe, unique file names") {
  CHECK(safe_file_name("tenant_7") == "tenant_7");
  CHECK(safe_file_name("a.b-c") == "a.b-c");
  CHECK(safe_file_name("../../x") == "%2E.%2F..%2Fx");
  CHECK(safe_file_name("a/b") == "a%2Fb");
  CHECK(safe_file_name("a\\b") == "a%5Cb");
  CHECK(safe_file_name(std::string("a\0b", 3)) == "a%00b");
  CHECK(safe_file_name(".hidden") == "%2Ehidden");
  CHECK(safe_file_name("..") == "%2E.");
  CHECK(safe_file_name("50%") == "50%25");
  CHECK(safe_file_name("") == "%empty");
  CHECK(safe_file_name("é") == "%C3%A9");

  const std::string long_a(300, 'a');
  const std::string long_b = long_a + "b";
  CHECK(safe_file_name(long_a).size() <= 120);
  CHECK(safe_file_name(long_a) != safe_file_name(long_b));
  CHECK(safe_file_name(std::string(200, '/')).size() <= 120);

  std::set<std::string> names;
  const std::vector<std::string> ids = {"a/b",  "a%2Fb", "a_b", "A_b",  ".a",
                                        "%2Ea", "x",     "x.",  long_a, long_b};
  for (const auto& id : ids) names.insert(safe_file_name(id));
  CHECK(names.size() == ids.size());
}

TEST_CASE("tenant ids that differ only in case get names that differ ignoring case") {
  const auto folded = [](std::string name) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
  };
  std::set<std::string> names;
  const std::vector<std::string> ids = {"a", "A", "acme", "Acme", "ACME", "aCmE", "a/b", "A/B"};
  for (const auto& id : ids) names.insert(folded(safe_file_name(id)));
  CHECK(names.size() == ids.size());
  CHECK(safe_file_name("acme") == "acme");  // lower-case ids keep their plain names
  CHECK(safe_file_name("Acme").rfind("Acme~", 0) == 0);
  CHECK(safe_file_name(std::string(300, 'A')).size() <= 120);
}

TEST_CASE("a hostile tenant id cannot write outside the rollback directory") {
  const std::string base = fresh_dir();
  const RunDirectory dir = RunDirectory::create(base, "r1");
  for (const std::string id : {"../../x", "/etc/passwd", "..", "a/../../b", "..\\..\\x"}) {
    const std::string path = dir.rollback_file(id);
    write_file_atomically(path, "-- x\n");
    const fs::path canonical = fs::weakly_canonical(path);
    CHECK(canonical.parent_path() == fs::weakly_canonical(dir.rollback_dir()));
  }
  CHECK_FALSE(fs::exists(base + "/x"));
  fs::remove_all(base);
}

TEST_CASE("a result writer keeps its first write failure and throws none") {
  const std::string base = fresh_dir();
  FirstWriteError error;
  error.write_atomically(base + "/ok.json", "{}\n");
  CHECK_FALSE(error.get());
  CHECK(slurp(base + "/ok.json") == "{}\n");

  error.write_atomically(base + "/no-such-dir/first.json", "{}\n");
  REQUIRE(error.get());
  CHECK_THAT(*error.get(), Catch::Contains("no-such-dir/first.json"));
  error.attempt([] { throw ResultsError("second"); });
  error.keep("third");
  CHECK_THAT(*error.get(), Catch::Contains("first.json"));

  FirstWriteError from_attempt;
  from_attempt.attempt([] { throw std::invalid_argument("bad schema"); });
  CHECK(from_attempt.get() == std::optional<std::string>("bad schema"));
  fs::remove_all(base);
}
