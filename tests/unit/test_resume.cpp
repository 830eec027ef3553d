// pgfleet resume's pure parts (docs/SCALING.md, "Resume without a ledger"): which tenants run
// again, how a rerun outcome keeps what the run did before, tenants.jsonl read back and compacted,
// run.json and the recorded options written and read.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "pgfleet/cli/recorded_options.hpp"
#include "pgfleet/cli/resume.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/results/outcome_reading.hpp"
#include "pgfleet/results/resumed_outcome.hpp"
#include "pgfleet/results/run_lock.hpp"
#include "pgfleet/results/run_manifest.hpp"
#include "pgfleet/results/tenants_jsonl_file.hpp"

using namespace pgfleet;
using namespace pgfleet::cli;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string fresh_dir() {
  std::string tmpl = (fs::temp_directory_path() / "pgfleet-resume-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  return tmpl;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TenantOutcome outcome(const std::string& id, TenantStatus status) {
  TenantOutcome o;
  o.tenant_id = id;
  o.status = status;
  return o;
}

std::string line(const std::string& id, TenantStatus status) {
  return dump_json_line(outcome_to_json(outcome(id, status))) + "\n";
}

}  // namespace

TEST_CASE("resume runs again cancelled and skipped tenants and failed ones with --retry-failed") {
  CHECK(runs_again(TenantStatus::cancelled, RetryFailed::no));
  CHECK(runs_again(TenantStatus::skipped, RetryFailed::no));
  CHECK_FALSE(runs_again(TenantStatus::failed, RetryFailed::no));
  CHECK_FALSE(runs_again(TenantStatus::unreachable, RetryFailed::no));
  CHECK(runs_again(TenantStatus::failed, RetryFailed::yes));
  CHECK(runs_again(TenantStatus::unreachable, RetryFailed::yes));
  for (TenantStatus done : {TenantStatus::applied, TenantStatus::up_to_date, TenantStatus::drift,
                            TenantStatus::dirty, TenantStatus::invalid}) {
    CHECK_FALSE(runs_again(done, RetryFailed::yes));
  }

  ResumeSource source;
  source.record.tenant_ids = {"a", "b", "c", "d", "e", "a"};  // "a" twice: one tenant here
  source.last_outcomes = {{"a", outcome("a", TenantStatus::applied)},
                          {"b", outcome("b", TenantStatus::cancelled)},
                          {"c", outcome("c", TenantStatus::failed)},
                          {"e", outcome("e", TenantStatus::skipped)}};  // "d": no line
  const ResumePlan plain = plan_resume(source, RetryFailed::no);
  CHECK(plain.rerun_ids == std::vector<std::string>{"b", "d", "e"});
  CHECK(plain.standing.size() == 2);  // a, c
  CHECK(plain.earlier.count("b") == 1);
  CHECK(plain.earlier.count("d") == 0);
  const ResumePlan retry = plan_resume(source, RetryFailed::yes);
  CHECK(retry.rerun_ids == std::vector<std::string>{"b", "c", "d", "e"});
  CHECK(retry.standing.size() == 1);
}

TEST_CASE("a rerun outcome keeps the migrations the run applied before") {
  TenantOutcome earlier = outcome("t", TenantStatus::cancelled);
  earlier.from_version = 1;
  earlier.to_version = 2;
  earlier.migrations = {{2, "two", 10, 1}};
  TenantOutcome now = outcome("t", TenantStatus::applied);
  now.from_version = 2;
  now.to_version = 3;
  now.migrations = {{3, "three", 20, 1}};
  const TenantOutcome merged = merge_with_earlier(earlier, now);
  REQUIRE(merged.migrations.size() == 2);
  CHECK(merged.migrations[0].version == 2);
  CHECK(merged.migrations[1].version == 3);
  CHECK(merged.from_version == 1);
  CHECK(merged.to_version == 3);
  CHECK(merged.status == TenantStatus::applied);

  // Nothing left to do now: still `applied` by this run. Never connected: the version stays.
  CHECK(merge_with_earlier(earlier, outcome("t", TenantStatus::up_to_date)).status ==
        TenantStatus::applied);
  const TenantOutcome stopped = merge_with_earlier(earlier, outcome("t", TenantStatus::cancelled));
  CHECK(stopped.to_version == 2);
  CHECK(stopped.migrations.size() == 1);
  // An earlier attempt that applied nothing changes nothing.
  const TenantOutcome plain = merge_with_earlier(outcome("t", TenantStatus::failed),
                                                 outcome("t", TenantStatus::up_to_date));
  CHECK(plain.status == TenantStatus::up_to_date);
}

TEST_CASE("a tenants.jsonl record reads back as the outcome it was written from") {
  TenantOutcome o = outcome("acme", TenantStatus::failed);
  o.from_version = 1;
  o.to_version = 2;
  o.migrations = {{2, "two", 15, 3}};
  o.error = ErrorInfo::message_only(3, "relation \"x\" does not exist")
                .with_sqlstate("42P01")
                .with_line(4)
                .with_phase(ErrorPhase::migrate);
  o.host = "db1:5432";
  o.tls = true;
  o.duration_ms = 42;
  o.reason = "why";
  const json written = outcome_to_json(o);
  CHECK(outcome_to_json(*outcome_from_json_line(written.dump())) == written);
  CHECK_FALSE(outcome_from_json_line(json{{"status", "applied"}}.dump()));
  CHECK_FALSE(outcome_from_json_line(json{{"tenant_id", "a"}, {"status", "great"}}.dump()));
}

TEST_CASE("tenants.jsonl compaction keeps the last line of each resumed tenant only") {
  const std::string path = fresh_dir() + "/tenants.jsonl";
  CHECK(read_tenants_jsonl(path).last_outcomes.empty());  // no file yet: no lines
  CHECK(compact_tenants_jsonl(path, {"a"}) == 0);
  CHECK_FALSE(fs::exists(path));
  std::ofstream(path) << line("a", TenantStatus::cancelled) << line("dup", TenantStatus::applied)
                      << "{\"tenant_id\": \"b\", \"sta\n"
                      << line("dup", TenantStatus::invalid) << line("a", TenantStatus::applied)
                      << "{\"cut\": ";  // killed mid-line, no newline
  const TenantsJsonl before = read_tenants_jsonl(path);
  CHECK(before.last_outcomes.at("a").status == TenantStatus::applied);
  CHECK(before.damaged_lines == std::vector<int>{3, 6});

  CHECK(compact_tenants_jsonl(path, {"a"}) == 1);
  CHECK(read(path) == line("dup", TenantStatus::applied) + "{\"tenant_id\": \"b\", \"sta\n" +
                          line("dup", TenantStatus::invalid) + line("a", TenantStatus::applied) +
                          "{\"cut\": \n");
  const std::string compacted = read(path);
  CHECK(compact_tenants_jsonl(path, {"a"}) == 0);  // nothing more to do
  CHECK(read(path) == compacted);
}

TEST_CASE("run.json reads back as written and refuses a damaged record") {
  const std::string dir_path = fresh_dir();
  const RunDirectory dir = RunDirectory::create(dir_path, "20260101T000000Z-abcd");
  RunManifest record;
  record.run_id = dir.run_id();
  record.command = "apply";
  record.started_at = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
  record.migrations = {{1, "one", "aa"}, {2, "two", "bb"}};
  record.options = json{{"concurrency", 4}};
  record.tenant_source = "control-plane";
  record.tenant_ids = {"a", "b"};
  record.resumes.push_back(json{{"tenants", {"b"}}});
  write_run_manifest(dir, record);
  const RunManifest back = read_run_manifest(dir);
  CHECK(run_manifest_to_json(back) == run_manifest_to_json(record));
  CHECK(resumed_tenant_ids(back) == std::set<std::string>{"b"});

  std::ofstream(dir.file("run.json")) << "{\"run_id\": 3}";
  CHECK_THROWS_WITH(read_run_manifest(dir), Catch::Contains("run_id"));
  fs::remove(dir.file("run.json"));
  CHECK_THROWS_WITH(read_run_manifest(dir), Catch::Contains("missing"));
}

TEST_CASE("a run directory is locked while a process writes it") {
  const RunDirectory dir = RunDirectory::create(fresh_dir(), "20260101T000000Z-beef");
  {
    const RunLock held = RunLock::acquire(dir);
    // flock locks belong to the open file: a second open in this process is refused too.
    CHECK_THROWS_WITH(RunLock::acquire(dir), Catch::Contains("still going"));
  }
  CHECK_NOTHROW(RunLock::acquire(dir));
}

TEST_CASE("recorded options restore the run flags and never the tenant source's URL") {
  Options o;
  o.control_plane = "postgres://u:secret@cp/db";
  o.concurrency = 7;
  o.tx_mode = "tenant";
  o.target = "0003";
  o.require_tls = true;
  o.migrations_dir = "/abs/migrations";
  o.only = {"a"};
  const json recorded = recorded_options(o);
  CHECK(recorded.dump().find("secret") == std::string::npos);
  CHECK(tenant_source_kind(o) == "control-plane");

  Options given;
  given.control_plane = "postgres://u:secret@cp/db";
  given.migrations_dir.clear();
  const Options run = with_recorded_options(given, recorded);
  CHECK(run.concurrency == 7);
  CHECK(run.tx_mode == "tenant");
  CHECK(run.target == "0003");
  CHECK(run.require_tls);
  CHECK(run.migrations_dir == "/abs/migrations");
  CHECK(run.only.empty());  // the run's tenant ids decide, not the selection flags
  CHECK_THROWS_AS(with_recorded_options(given, json{{"concurrency", "many"}}), UsageError);
}

TEST_CASE(
    "recorded options keep the lease and read a ledger run's options stored before the fold") {
  Options o;
  o.lease = "2s";
  CHECK(with_recorded_options(Options(), recorded_options(o)).lease == "2s");
  // runs.options as ledger workers stored it before it became recorded_options (docs/LEDGER.md).
  const json stored = json::parse(
      R"({"concurrency": 3, "per-host": 2, "connect-timeout": "4s", "lock-timeout": "2s",
          "lock-wait": "30s", "statement-timeout": "0", "tx-mode": "tenant", "retries": 1,
          "max-failures": 5, "max-failure-rate": "10%", "canary": 2, "grace": "10s",
          "tenant-timeout": "1m", "lease": "5s", "require-tls": true, "keep-pooler": false})");
  const Options run = with_recorded_options(Options(), stored);
  CHECK(run.concurrency == 3);
  CHECK(run.per_host == 2);
  CHECK(run.connect_timeout == "4s");
  CHECK(run.tx_mode == "tenant");
  CHECK(run.max_failures == 5);
  CHECK(run.max_failure_rate == "10%");
  CHECK(run.tenant_timeout == "1m");
  CHECK(run.lease == "5s");
  CHECK(run.require_tls);
}
