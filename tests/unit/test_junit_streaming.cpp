// junit.xml written without holding its test cases in memory (README.md, "Results"): the cases
// wait in an unlinked scratch file and are copied into the final file at the end.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "outcome_builders.hpp"
#include "pgfleet/results/junit_writer.hpp"
#include "pgfleet/results/run_directory.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pgfleet-junit-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  return names;
}

RunInfo info_of(Command command) {
  RunInfo info;
  info.run_id = "20261124T050607Z-a1b2";
  info.command = command;
  info.started_at = std::chrono::system_clock::from_time_t(1795496767);
  return info;
}

}  // namespace

TEST_CASE("junit.xml of thousands of tenants is copied whole from its scratch file", "[junit]") {
  TempDir tmp;
  const std::string path = tmp.path + "/junit.xml";
  JunitWriter writer(path);
  writer.run_started(info_of(Command::apply));
  for (int i = 0; i < 5000; ++i) {
    if (i % 10 == 0) {
      writer.tenant_finished(failed_with("t" + std::to_string(i), 2, "42P01", "no <table>"));
    } else {
      writer.tenant_finished(applied_with("t" + std::to_string(i), {measured(1, "m", i % 7)}));
    }
  }
  // Only junit.xml's own file is visible: the scratch file was unlinked when made.
  CHECK(names_in(tmp.path).empty());
  RunSummary done;
  done.finished_at = info_of(Command::apply).started_at + std::chrono::seconds(3);
  done.exit_code = 1;
  const std::string expected = writer.to_xml(done);
  writer.run_finished(done);
  REQUIRE_FALSE(writer.write_error());
  CHECK(names_in(tmp.path) == std::vector<std::string>{"junit.xml"});
  const std::string xml = slurp(path);
  CHECK(xml == expected);
  CHECK_THAT(xml, Catch::Contains("tests=\"5000\" failures=\"500\" errors=\"0\" skipped=\"0\""));
  CHECK_THAT(xml, Catch::Contains("name=\"t0\" time=\"0.003\">"));
  CHECK_THAT(xml, Catch::Contains("<testcase classname=\"apply\" name=\"t4999\""));
  CHECK_THAT(xml, Catch::EndsWith("</testcase>\n</testsuite>\n</testsuites>\n") ||
                      Catch::EndsWith("/>\n</testsuite>\n</testsuites>\n"));
  CHECK(xml.find("no &lt;table&gt;") != std::string::npos);
}

TEST_CASE("cases reported before run_started are named by the run's command", "[junit]") {
  TempDir tmp;
  JunitWriter later(tmp.path + "/later.xml");  // command known at run_started only
  later.tenant_finished(applied_with("standing", {}));
  later.run_started(info_of(Command::verify));
  later.tenant_finished(applied_with("rerun", {}));
  RunSummary done;
  done.finished_at = info_of(Command::verify).started_at;
  const std::string xml = later.to_xml(done);
  CHECK_THAT(xml, Catch::Contains("<testcase classname=\"verify\" name=\"standing\""));
  CHECK_THAT(xml, Catch::Contains("<testcase classname=\"verify\" name=\"rerun\""));
  CHECK(xml.find("\"standing\"") < xml.find("\"rerun\""));  // in the order they finished
  CHECK_THAT(xml, Catch::Contains("tests=\"2\""));

  JunitWriter known(tmp.path + "/known.xml", Command::apply);
  known.tenant_finished(applied_with("standing", {}));
  known.run_started(info_of(Command::apply));
  CHECK_THAT(known.to_xml(done),
             Catch::Contains("<testcase classname=\"apply\" name=\"standing\""));
}

TEST_CASE("a file written piece by piece appears whole or not at all", "[junit]") {
  TempDir tmp;
  const std::string path = tmp.path + "/out.txt";
  write_file_atomically_from(path, [](const FileAppend& append) {
    append("ab", 2);
    append("cd", 2);
  });
  CHECK(slurp(path) == "abcd");
  CHECK_THROWS_AS(write_file_atomically_from(path,
                                             [](const FileAppend& append) {
                                               append("xy", 2);
                                               throw ResultsError("disk full");
                                             }),
                  ResultsError);
  CHECK(slurp(path) == "abcd");  // the old file stays, and no temporary is left
  CHECK(names_in(tmp.path) == std::vector<std::string>{"out.txt"});
}
