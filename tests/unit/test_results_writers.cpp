#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/fleet/tenant_sources.hpp"
#include "pgfleet/migrations/migration_set.hpp"
#include "pgfleet/results/console_reporter.hpp"
#include "pgfleet/results/json_log_reporter.hpp"
#include "pgfleet/results/junit_writer.hpp"
#include "pgfleet/results/rollback_script.hpp"
#include "pgfleet/results/rollback_writer.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/results/summary_writer.hpp"
#include "pgfleet/results/tenants_jsonl_writer.hpp"

using namespace pgfleet;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kRunId = "20261124T050607Z-a1b2";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct TempRun {
  std::string base;
  std::optional<RunDirectory> dir;
  TempRun() {
    std::string tmpl = (fs::temp_directory_path() / "pgfleet-writers-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    base = tmpl;
    dir = RunDirectory::create(base, kRunId);
  }
  ~TempRun() { fs::remove_all(base); }
};

Migration migration(Version v, const std::string& name, std::optional<std::string> down,
                    TxKind down_tx = TxKind::transactional) {
  Migration m;
  m.version = v;
  m.name = name;
  m.checksum = "sum" + std::to_string(v);
  m.up = MigrationFile{name + ".up.sql", "CREATE TABLE t" + std::to_string(v) + " ();\n", {}};
  if (down) {
    Directives d;
    d.tx = down_tx;
    m.down = MigrationFile{name + ".down.sql", *down, d};
  }
  return m;
}

MigrationSet sample_set() {
  return MigrationSet(
      {migration(1, "create_users", std::string("DROP TABLE users;\n")),
       migration(2, "add_email", std::string("ALTER TABLE users DROP COLUMN email")),
       migration(3, "backfill", std::nullopt),
       migration(4, "index_email",
                 std::string("-- pgfleet: no-transaction\nDROP INDEX CONCURRENTLY users_email;\n"),
                 TxKind::no_transaction)});
}

TenantOutcome applied_outcome(const std::string& id, std::vector<Version> versions, long ms) {
  TenantOutcome o;
  o.tenant_id = id;
  o.status = TenantStatus::applied;
  o.from_version = versions.front() - 1;
  o.to_version = versions.back();
  for (Version v : versions) o.migrations.push_back({v, "m" + std::to_string(v), 10 * v, 1});
  o.host = "db1:5432";
  o.started_at = std::chrono::system_clock::from_time_t(1795496767);
  o.duration_ms = ms;
  return o;
}

TenantOutcome failed_outcome(const std::string& id, long ms) {
  TenantOutcome o;
  o.tenant_id = id;
  o.status = TenantStatus::failed;
  o.from_version = 1;
  o.to_version = 2;
  o.migrations = {{2, "add_email", 12, 2}};
  o.error = ErrorInfo::message_only(3, "relation \"x\" does not exist")
                .with_sqlstate("42P01")
                .with_detail("some <detail> & more")
                .with_line(2);
  o.host = "db2:5432";
  o.duration_ms = ms;
  return o;
}

RunInfo run_info(Command command, std::size_t tenants) {
  RunInfo info;
  info.run_id = kRunId;
  info.command = command;
  info.tenant_count = tenants;
  info.started_at = std::chrono::system_clock::from_time_t(1795496767);
  return info;
}

RunSummary run_summary(int exit_code) {
  RunSummary s;
  s.exit_code = exit_code;
  s.finished_at = std::chrono::system_clock::from_time_t(1795496767 + 12);
  return s;
}

}  // namespace

TEST_CASE("tenants.jsonl gets one parseable line per tenant, on disk as soon as it finishes") {
  TempRun run;
  const std::string path = run.dir->file("tenants.jsonl");
  TenantsJsonlWriter writer(path);
  writer.tenant_finished(applied_outcome("t1", {2, 3}, 120));
  CHECK(lines_of(slurp(path)).size() == 1);  // flushed before the next tenant finishes

  TenantOutcome plan;
  plan.tenant_id = "t2";
  plan.status = TenantStatus::pending;
  plan.pending = {3, 4};
  writer.tenant_finished(plan);
  writer.tenant_finished(failed_outcome("t3", 50));
  TenantOutcome drift;
  drift.tenant_id = "t4";
  drift.status = TenantStatus::drift;
  drift.reason = "checksum differs for 3";
  writer.tenant_finished(drift);

  const auto lines = lines_of(slurp(path));
  REQUIRE(lines.size() == 4);
  const json first = json::parse(lines[0]);
  CHECK(first["tenant_id"] == "t1");
  CHECK(first["status"] == "applied");
  CHECK(first["from_version"] == 1);
  CHECK(first["to_version"] == 3);
  CHECK(first["migrations"].size() == 2);
  CHECK(first["migrations"][1] == json{{"version", 3},
                                       {"name", "m3"},
                                       {"duration_ms", 30},
                                       {"attempts", 1},
                                       {"locks", json::array()},
                                       {"verify_ms", nullptr}});
  CHECK(first["error"].is_null());
  CHECK(first["host"] == "db1:5432");
  CHECK(first["started_at"] == "2026-11-24T05:06:07.000Z");
  CHECK(first["duration_ms"] == 120);
  CHECK_FALSE(first.contains("pending"));
  CHECK_FALSE(first.contains("reason"));

  const json second = json::parse(lines[1]);
  CHECK(second["pending"] == json::array({3, 4}));
  CHECK(second["from_version"].is_null());

  const json third = json::parse(lines[2]);
  CHECK(third["error"]["sqlstate"] == "42P01");
  CHECK(third["error"]["version"] == 3);
  CHECK(third["error"]["statement_line"] == 2);
  CHECK(third["error"]["message"] == "relation \"x\" does not exist");
  CHECK(third["error"]["hint"].is_null());
  CHECK(json::parse(lines[3])["reason"] == "checksum differs for 3");

  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(writer.write_error());
}

TEST_CASE("tenants.jsonl lines from many threads never interleave") {
  TempRun run;
  const std::string path = run.dir->file("tenants.jsonl");
  TenantsJsonlWriter writer(path);
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&writer, w] {
      for (int i = 0; i < 100; ++i) {
        auto o = failed_outcome("w" + std::to_string(w) + "_" + std::to_string(i), i);
        o.error->message = std::string(500, 'x');
        writer.tenant_finished(o);
      }
    });
  }
  for (auto& t : workers) t.join();
  const auto lines = lines_of(slurp(path));
  CHECK(lines.size() == 800);
  for (const auto& line : lines) CHECK_NOTHROW(json::parse(line));
}

TEST_CASE("tenants.jsonl on a full disk keeps the failure and never throws") {
  TenantsJsonlWriter writer("/dev/full");  // every write fails with ENOSPC
  CHECK_NOTHROW(writer.tenant_finished(failed_outcome("t1", 1)));
  REQUIRE(writer.write_error());
  CHECK_THAT(*writer.write_error(), Catch::Contains("No space left on device"));
}

TEST_CASE("invalid UTF-8 in a server message does not break the JSON line") {
  TempRun run;
  TenantsJsonlWriter writer(run.dir->file("tenants.jsonl"));
  auto o = failed_outcome("t1", 1);
  o.error->message = "bad \xC3\x28 byte";
  writer.tenant_finished(o);
  const auto lines = lines_of(slurp(run.dir->file("tenants.jsonl")));
  REQUIRE(lines.size() == 1);
  CHECK_NOTHROW(json::parse(lines[0]));
}

TEST_CASE("summary.json has every status count, percentiles, migrations and neon") {
  TempRun run;
  const MigrationSet set = sample_set();
  SummaryWriter writer(run.dir->file("summary.json"), set);
  writer.run_started(run_info(Command::apply, 101));
  for (long ms = 1; ms <= 100; ++ms)
    writer.tenant_finished(applied_outcome("t" + std::to_string(ms), {1}, ms));
  writer.tenant_finished(failed_outcome("bad", 1000));
  writer.set_neon(json{{"project", "proj-1"}, {"branch_id", "br-1"}, {"deleted", true}});
  RunSummary s = run_summary(1);
  s.stop_reason = "max-failures reached";
  writer.run_finished(s);
  REQUIRE_FALSE(writer.write_error());

  const json doc = json::parse(slurp(run.dir->file("summary.json")));
  CHECK(doc["run_id"] == kRunId);
  CHECK(doc["command"] == "apply");
  CHECK(doc["pgfleet_version"] == PGFLEET_VERSION);
  CHECK(doc["started_at"] == "2026-11-24T05:06:07.000Z");
  CHECK(doc["finished_at"] == "2026-11-24T05:06:19.000Z");
  CHECK(doc["target"].is_null());
  REQUIRE(doc["migrations"].size() == 4);
  CHECK(doc["migrations"][3] ==
        json{{"version", 4}, {"name", "index_email"}, {"checksum", "sum4"}});
  CHECK(doc["counts"].size() == 11);  // every status, `verified` included
  CHECK(doc["counts"]["applied"] == 100);
  CHECK(doc["counts"]["failed"] == 1);
  CHECK(doc["counts"]["cancelled"] == 0);
  CHECK(doc["counts"]["up_to_date"] == 0);
  CHECK(doc["counts"]["verified"] == 0);
  CHECK(doc["duration_ms"]["p50"] == 51);
  CHECK(doc["duration_ms"]["p90"] == 91);
  CHECK(doc["duration_ms"]["p99"] == 100);
  CHECK(doc["duration_ms"]["max"] == 1000);
  CHECK(doc["exit_code"] == 1);
  CHECK(doc["stop_reason"] == "max-failures reached");
  CHECK(doc["neon"]["branch_id"] == "br-1");
}

TEST_CASE("summary.json of an empty run has null percentiles and no neon key") {
  TempRun run;
  SummaryWriter writer(run.dir->file("summary.json"), MigrationSet{});
  writer.run_started(run_info(Command::plan, 0));
  writer.run_finished(run_summary(0));
  const json doc = json::parse(slurp(run.dir->file("summary.json")));
  CHECK(doc["duration_ms"]["p50"].is_null());
  CHECK(doc["counts"]["applied"] == 0);
  CHECK_FALSE(doc.contains("neon"));
  CHECK(doc["stop_reason"].is_null());
}

TEST_CASE("junit.xml is one well-formed testsuite with escaped text") {
  TempRun run;
  JunitWriter writer(run.dir->file("junit.xml"));
  writer.run_started(run_info(Command::apply, 4));
  writer.tenant_finished(applied_outcome("ok_<1>", {1}, 1500));
  auto f = failed_outcome("a&\"b'", 20);
  f.error->message = "bad \x01 char <x> & \"y\"";
  writer.tenant_finished(f);
  TenantOutcome skipped;
  skipped.tenant_id = "s";
  skipped.status = TenantStatus::skipped;
  skipped.reason = "canary failed";
  writer.tenant_finished(skipped);
  TenantOutcome unreachable;
  unreachable.tenant_id = "u";
  unreachable.status = TenantStatus::unreachable;
  unreachable.error = ErrorInfo::message_only(std::nullopt, "connection refused");
  writer.tenant_finished(unreachable);
  writer.run_finished(run_summary(1));
  REQUIRE_FALSE(writer.write_error());

  const std::string xml = slurp(run.dir->file("junit.xml"));
  CHECK_THAT(xml, Catch::Contains("<testsuite name=\"pgfleet-apply\" tests=\"4\" failures=\"2\" "
                                  "errors=\"0\" skipped=\"1\" time=\"12.000\""));
  CHECK_THAT(
      xml, Catch::Contains("<testcase classname=\"apply\" name=\"ok_&lt;1&gt;\" time=\"1.500\"/>"));
  CHECK_THAT(xml, Catch::Contains("name=\"a&amp;&quot;b&apos;\""));
  CHECK_THAT(xml, Catch::Contains("<failure type=\"failed\" message=\"42P01 bad \xEF\xBF\xBD char "
                                  "&lt;x&gt; &amp; &quot;y&quot; (version 3, line 2)\""));
  CHECK_THAT(xml, Catch::Contains("DETAIL: some &lt;detail&gt; &amp; more"));
  CHECK_THAT(xml, Catch::Contains("<skipped message=\"canary failed\"/>"));
  CHECK_THAT(xml, Catch::Contains("<failure type=\"unreachable\" message=\"connection refused\""));
  CHECK(xml.find('\x01') == std::string::npos);

  // A real XML parser accepts it (python3's stdlib is part of the toolchain).
  const std::string cmd =
      "python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
      "sys.exit(0 if len(d.getElementsByTagName(\"testcase\")) == 4 else 1)' " +
      run.dir->file("junit.xml");
  CHECK(std::system(cmd.c_str()) == 0);
}

TEST_CASE("xml_escape replaces what XML 1.0 cannot hold") {
  CHECK(xml_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;");
  CHECK(xml_escape("tab\tnl\n") == "tab&#9;nl&#10;");
  CHECK(xml_escape(std::string("nul\0x", 5)) == "nul\xEF\xBF\xBDx");
  CHECK(xml_escape("\xFF") == "\xEF\xBF\xBD");
  CHECK(xml_escape("caf\xC3\xA9 \xE2\x86\x92") == "caf\xC3\xA9 \xE2\x86\x92");
}

TEST_CASE("a rollback script lists the run's downs newest first, each with its history delete") {
  const MigrationSet set = sample_set();
  auto o = applied_outcome("acme", {2, 3, 4}, 10);
  std::reverse(o.migrations.begin(), o.migrations.end());  // order given must not matter
  std::reverse(o.migrations.begin(), o.migrations.end());
  const std::string script = format_rollback_script(
      o, set, std::nullopt, kRunId, std::chrono::system_clock::from_time_t(1795496767));
  const auto header_end = script.find("\n\n");
  REQUIRE(header_end != std::string::npos);
  const std::string header = script.substr(0, header_end);
  CHECK_THAT(header, Catch::Contains("-- tenant: acme"));
  CHECK_THAT(header, Catch::Contains("-- run: " + kRunId));
  CHECK_THAT(header, Catch::Contains("-- generated_at: 2026-11-24T05:06:07.000Z"));
  CHECK_THAT(header, Catch::Contains("-- from_version: 1"));
  CHECK_THAT(header, Catch::Contains("-- to_version: 4"));
  CHECK_THAT(header, Catch::Contains("-- pgfleet: no-transaction"));
  for (const auto& line : lines_of(header)) CHECK(line.rfind("--", 0) == 0);

  const auto v4 = script.find("-- version 4 (index_email)");
  const auto v3 = script.find("-- version 3 (backfill)");
  const auto v2 = script.find("-- version 2 (add_email)");
  REQUIRE(v4 != std::string::npos);
  REQUIRE(v3 != std::string::npos);
  REQUIRE(v2 != std::string::npos);
  CHECK(v4 < v3);
  CHECK(v3 < v2);
  CHECK(script.find("-- version 1") == std::string::npos);
  CHECK_THAT(script, Catch::Contains("DROP INDEX CONCURRENTLY users_email;\n"
                                     "DELETE FROM pgfleet.schema_migrations WHERE version = 4;\n"));
  CHECK_THAT(script, Catch::Contains("-- version 3 (backfill)\n-- pgfleet: missing-down 3\n"));
  CHECK(script.find("WHERE version = 3;") == std::string::npos);
  // A down without a final ';' is terminated before the delete.
  CHECK_THAT(script, Catch::Contains("ALTER TABLE users DROP COLUMN email\n;\n"
                                     "DELETE FROM pgfleet.schema_migrations WHERE version = 2;\n"));
}

TEST_CASE("a transactional rollback script for a schema tenant deletes from its schema's table") {
  const MigrationSet set = sample_set();
  const std::string script =
      format_rollback_script(applied_outcome("acme", {1, 2}, 10), set, std::string("Acme_1"),
                             kRunId, std::chrono::system_clock::now());
  CHECK(script.find("no-transaction") == std::string::npos);
  CHECK(script.find("missing-down") == std::string::npos);
  CHECK_THAT(script, Catch::Contains(
                         "DELETE FROM \"Acme_1\".pgfleet_schema_migrations WHERE version = 1;"));
  CHECK(script.find("-- version 2") < script.find("-- version 1"));
  CHECK(HistoryTable(std::nullopt).qualified_name() == "pgfleet.schema_migrations");
}

TEST_CASE("the rollback writer writes one file per changed tenant, only for apply") {
  TempRun run;
  const MigrationSet set = sample_set();
  {
    RollbackWriter writer(run.dir->rollback_dir(), set, [](const std::string& id) {
      return id == "s1" ? std::optional<std::string>("s1") : std::nullopt;
    });
    writer.run_started(run_info(Command::apply, 4));
    writer.tenant_finished(applied_outcome("t1", {1, 2}, 1));
    writer.tenant_finished(applied_outcome("s1", {2}, 1));
    writer.tenant_finished(applied_outcome("../../evil\nDROP TABLE x;", {1}, 1));
    TenantOutcome nothing;
    nothing.tenant_id = "t2";
    nothing.status = TenantStatus::up_to_date;
    writer.tenant_finished(nothing);
    writer.tenant_finished(failed_outcome("t3", 1));  // 2 applied before 3 failed
    REQUIRE_FALSE(writer.write_error());
  }
  const std::string t1 = slurp(run.dir->rollback_file("t1"));
  CHECK_THAT(t1, Catch::Contains("DELETE FROM pgfleet.schema_migrations WHERE version = 1;"));
  CHECK_THAT(slurp(run.dir->rollback_file("s1")),
             Catch::Contains("\"s1\".pgfleet_schema_migrations"));
  CHECK_THAT(slurp(run.dir->rollback_file("t3")), Catch::Contains("WHERE version = 2;"));
  CHECK_FALSE(fs::exists(run.dir->rollback_file("t2")));
  const std::string evil = slurp(run.dir->rollback_file("../../evil\nDROP TABLE x;"));
  CHECK_THAT(evil, Catch::Contains("-- tenant: ../../evil?DROP TABLE x;\n"));
  int files = 0;
  for (const auto& e : fs::directory_iterator(run.dir->rollback_dir())) {
    (void)e;
    ++files;
  }
  CHECK(files == 4);
  struct stat st {};
  REQUIRE(::stat(run.dir->rollback_file("t1").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  TempRun other;
  RollbackWriter rollback_run(other.dir->rollback_dir(), set, nullptr);
  rollback_run.run_started(run_info(Command::rollback, 1));
  rollback_run.tenant_finished(applied_outcome("t1", {1}, 1));
  CHECK_FALSE(fs::exists(other.dir->rollback_file("t1")));
}

TEST_CASE("plain console lines say what happened to each tenant") {
  CHECK(ConsoleReporter::tenant_line(applied_outcome("tenant_7", {2, 3, 4}, 120), 12, 40) ==
        "[12/40] tenant_7 applied 3 migrations (1 → 4) 120ms");
  CHECK(ConsoleReporter::tenant_line(failed_outcome("tenant_8", 2500), 13, 40) ==
        "[13/40] tenant_8 failed: 42P01 relation \"x\" does not exist (version 3, line 2) 2.5s");
  TenantOutcome up;
  up.tenant_id = "t";
  up.status = TenantStatus::up_to_date;
  up.from_version = up.to_version = 4;
  CHECK(ConsoleReporter::tenant_line(up, 1, 1) == "[1/1] t up to date at 4 0ms");
  TenantOutcome plan;
  plan.tenant_id = "p";
  plan.status = TenantStatus::pending;
  plan.pending = {5};
  plan.from_version = 4;
  CHECK(ConsoleReporter::tenant_line(plan, 1, 1) == "[1/1] p pending 1 migration (4 → 5): 5 0ms");
  plan.pending = {5, 6, 7, 8, 9, 10, 11, 12, 13};
  CHECK(ConsoleReporter::tenant_line(plan, 1, 1) ==
        "[1/1] p pending 9 migrations (4 → 13): 5, 6, 7, 8, 9, 10, 11, 12, … 0ms");
}

TEST_CASE("plain console lines of verify say what was checked") {
  TenantOutcome v;
  v.tenant_id = "v";
  v.status = TenantStatus::verified;
  v.reason = "verified version(s) 1, 3";
  CHECK(ConsoleReporter::tenant_line(v, 1, 2) == "[1/2] v verified version(s) 1, 3 0ms");
  v.reason.clear();
  CHECK(ConsoleReporter::tenant_line(v, 2, 2) == "[2/2] v verified 0ms");
}

TEST_CASE("console: plain mode prints a line per tenant and a grouped summary") {
  std::ostringstream out;
  auto clock = ConsoleReporter::Clock::time_point{};
  ConsoleReporter console(out, ConsoleOptions{ConsoleMode::plain, Verbosity::normal, "/r/run1"},
                          [&clock] { return clock; });
  console.run_started(run_info(Command::apply, 8));
  for (int i = 0; i < 6; ++i)
    console.tenant_finished(applied_outcome("ok" + std::to_string(i), {1}, 100 * i));
  console.tenant_finished(failed_outcome("bad1", 5));
  console.tenant_finished(failed_outcome("bad2", 7));
  console.log("hidden without -v");
  clock += std::chrono::seconds(3);
  console.run_finished(run_summary(1));
  const std::string text = out.str();
  CHECK_THAT(text, Catch::Contains("[8/8] bad2 failed: 42P01"));
  CHECK_THAT(text, Catch::Contains("apply finished in 3.0s: 8 tenants (6 applied, 2 failed)"));
  CHECK_THAT(text,
             Catch::Contains("slowest: ok5 500ms, ok4 400ms, ok3 300ms, ok2 200ms, ok1 100ms"));
  CHECK_THAT(
      text,
      Catch::Contains(
          "2 × failed: 42P01 relation \"x\" does not exist (version 3, line 2) — bad1, bad2"));
  CHECK_THAT(text, Catch::Contains("results: /r/run1"));
  CHECK(text.find("hidden") == std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
}

TEST_CASE("console: tty mode rewrites one progress line, throttled") {
  std::ostringstream out;
  auto clock = ConsoleReporter::Clock::time_point{};
  ConsoleReporter console(out, ConsoleOptions{ConsoleMode::tty, Verbosity::verbose, ""},
                          [&clock] { return clock; });
  console.run_started(run_info(Command::apply, 100));
  const auto draws = [&out] {
    const std::string s = out.str();
    return std::count(s.begin(), s.end(), '\r');
  };
  const auto before = draws();
  for (int i = 0; i < 50; ++i) {
    clock += std::chrono::milliseconds(10);  // 50 tenants in 0.5 s
    console.tenant_finished(applied_outcome("t" + std::to_string(i), {1}, 1));
  }
  CHECK(draws() - before <= 4);
  CHECK_THAT(out.str(), Catch::Contains("tenants/s"));
  CHECK_THAT(out.str(), Catch::Contains("ETA"));
  console.tenant_finished(failed_outcome("bad", 1));
  CHECK_THAT(out.str(), Catch::Contains("\r\x1b[K[51/100] bad failed: 42P01"));
  console.log("a verbose line");
  CHECK_THAT(out.str(), Catch::Contains("a verbose line\n"));
}

TEST_CASE("console: quiet mode is silent unless something failed") {
  std::ostringstream ok_out;
  ConsoleReporter ok(ok_out, ConsoleOptions{ConsoleMode::quiet, Verbosity::verbose, "/r"});
  ok.run_started(run_info(Command::apply, 1));
  ok.tenant_finished(applied_outcome("t1", {1}, 1));
  ok.log("x");
  ok.run_finished(run_summary(0));
  CHECK(ok_out.str().empty());

  std::ostringstream bad_out;
  ConsoleReporter bad(bad_out, ConsoleOptions{ConsoleMode::quiet, Verbosity::normal, "/r"});
  bad.run_started(run_info(Command::apply, 1));
  bad.tenant_finished(failed_outcome("t1", 1));
  bad.run_finished(run_summary(1));
  CHECK_THAT(bad_out.str(), Catch::Contains("1 × failed: 42P01"));
}

TEST_CASE("the JSON log has one parseable object per event") {
  std::ostringstream out;
  JsonLogReporter log(out);
  log.run_started(run_info(Command::apply, 1));
  log.tenant_started("t1");
  log.migration_finished("t1", MigrationResult{1, "create_users", 5, 1});
  log.tenant_finished(applied_outcome("t1", {1}, 9));
  log.log("hello");
  log.run_finished(run_summary(0));
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 6);
  const std::vector<std::string> events = {
      "run_started", "tenant_started", "migration_finished", "tenant_finished",
      "log",         "run_finished"};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json j = json::parse(lines[i]);
    CHECK(j["event"] == events[i]);
    CHECK(j.contains("ts"));
  }
  CHECK(json::parse(lines[3])["tenant_id"] == "t1");
  CHECK(json::parse(lines[2])["version"] == 1);
}

TEST_CASE("a connection-string password never reaches any result file or output") {
  const std::string canary = "p@ss:/%#' word";
  const std::string encoded = "p%40ss%3A%2F%25%23%27%20word";
  std::vector<Tenant> tenants = {
      {"good", "postgresql://app:" + encoded + "@db1.example:5433/good", std::nullopt, std::nullopt,
       ""},
      {"nohost", "postgresql://app:" + encoded + "@/nohost", std::nullopt, std::nullopt, ""},
      {"kv", "user=app password='p@ss:/%#\\' word' dbname=kv", std::nullopt, std::nullopt, ""},
      {"broken", "postgresql://app:" + encoded + "@db1:notaport/x", std::nullopt, std::nullopt, ""},
  };
  validate_tenants(tenants);
  CHECK(tenants[0].invalid_reason.empty());

  TempRun run;
  const MigrationSet set = sample_set();
  std::ostringstream console_out, json_out;
  ReporterFanout fanout;
  fanout.add(std::make_shared<TenantsJsonlWriter>(run.dir->file("tenants.jsonl")));
  fanout.add(std::make_shared<SummaryWriter>(run.dir->file("summary.json"), set));
  fanout.add(std::make_shared<JunitWriter>(run.dir->file("junit.xml")));
  fanout.add(std::make_shared<RollbackWriter>(run.dir->rollback_dir(), set, nullptr));
  fanout.add(std::make_shared<ConsoleReporter>(
      console_out, ConsoleOptions{ConsoleMode::plain, Verbosity::verbose, run.dir->path()}));
  fanout.add(std::make_shared<JsonLogReporter>(json_out));
  fanout.run_started(run_info(Command::apply, tenants.size()));
  for (const Tenant& t : tenants) {
    TenantOutcome o;
    o.tenant_id = t.id;
    if (!t.invalid_reason.empty()) {
      o.status = TenantStatus::invalid;
      o.reason = t.invalid_reason;
    } else {
      o = applied_outcome(t.id, {1, 2}, 10);
      o.host = ConnInfo::parse(t.connection_string).host_port();
    }
    fanout.tenant_finished(o);
  }
  fanout.run_finished(run_summary(1));

  std::string everything = console_out.str() + json_out.str();
  for (const auto& entry : fs::recursive_directory_iterator(run.dir->path())) {
    if (entry.is_regular_file()) everything += slurp(entry.path().string());
  }
  CHECK_THAT(everything, Catch::Contains("db1.example:5433"));
  CHECK_THAT(everything, Catch::Contains("invalid"));
  for (const std::string& form :
       {canary, encoded, std::string("p@ss"), std::string("ss:/%#"), std::string("p%40ss")}) {
    INFO(form);
    CHECK(everything.find(form) == std::string::npos);
  }
}
