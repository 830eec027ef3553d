// The Kubernetes manifest's command line (deploy/kubernetes/job.yaml, docs/SCALING.md
// "Kubernetes") run as the Job's pods would run it, but as local processes: the container's
// command, args and env are read from the manifest itself (decoded by kubectl offline), so the
// test follows the manifest when it changes. One pod is SIGKILLed mid-run; the others finish its
// tenants after the lease, and a pod started again in its place finds nothing left to do.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <map>
#include <optional>
#include <thread>

#include "fleet_fixture.hpp"
#include "ledger_support.hpp"
#include "test_env.hpp"

using namespace pgfleet;
using namespace pgfleet::test;
using nlohmann::json;

namespace {

// The Job as kubectl decodes it offline (`annotate --local` changes only metadata); fails the
// test when kubectl is missing or refuses the manifest.
json decoded_job() {
  const std::string job = std::string(PGFLEET_SOURCE_DIR) + "/deploy/kubernetes/job.yaml";
  const std::string command =
      "kubectl annotate --local -f " + sh_quote(job) + " pgfleet/test=1 -o json 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  INFO("kubectl (Debian's kubernetes-client, scripts/install-deps.sh): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return json::parse(out);
}

// What one pod of the Job runs: its words after `pgfleet` and its environment.
struct PodCommand {
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // values as the test's "Secret" and Job supply them
  int parallelism = 0;
};

// The value the Job gives env entry `e`: a literal, the Job's name (the run id) or a key of the
// Secret, here the test's scratch databases. An optional key the test has no value for is unset.
std::optional<std::string> env_value(const json& e, const std::string& run_id,
                                     const std::map<std::string, std::string>& secret) {
  if (e.contains("value")) return e["value"].get<std::string>();
  const json from = e.value("valueFrom", json::object());
  if (from.contains("fieldRef")) {
    CHECK(from["fieldRef"]["fieldPath"] == "metadata.labels['job-name']");
    return run_id;
  }
  const json ref = from.value("secretKeyRef", json::object());
  const auto it = secret.find(ref.value("key", ""));
  if (it != secret.end()) return it->second;
  INFO("the test has no value for env " << e.dump());
  CHECK(ref.value("optional", false));
  return std::nullopt;
}

// $(NAME) of the container's env, expanded as Kubernetes does in args.
std::string expand(std::string word, const std::map<std::string, std::string>& env) {
  for (const auto& [name, value] : env) {
    const std::string ref = "$(" + name + ")";
    for (auto at = word.find(ref); at != std::string::npos;
         at = word.find(ref, at + value.size())) {
      word.replace(at, ref.size(), value);
    }
  }
  return word;
}

PodCommand pod_command(const std::string& run_id,
                       const std::map<std::string, std::string>& secret) {
  const json job = decoded_job();
  PodCommand pod;
  pod.parallelism = job["spec"]["parallelism"].get<int>();
  CHECK(job["spec"]["completions"].get<int>() == pod.parallelism);
  const json containers = job["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 1);
  for (const json& e : containers[0].value("env", json::array())) {
    if (const auto value = env_value(e, run_id, secret)) pod.env[e["name"]] = *value;
  }
  std::vector<std::string> words = containers[0]["command"].get<std::vector<std::string>>();
  for (const json& arg : containers[0]["args"]) words.push_back(expand(arg, pod.env));
  REQUIRE(words.front() == "pgfleet");
  pod.args.assign(words.begin() + 1, words.end());
  return pod;
}

// The pod's command line for this machine: the manifest's paths mapped to test directories
// (every absolute path must be one the test maps), its env plus JOB_COMPLETION_INDEX and `extra`.
struct LocalPod {
  std::string args, env;
};
LocalPod local_pod(const PodCommand& pod, const std::map<std::string, std::string>& paths,
                   int index, const std::map<std::string, std::string>& extra) {
  LocalPod local;
  for (const auto& word : pod.args) {
    const auto mapped = paths.find(word);
    INFO("an absolute path of the manifest the test does not map: " << word);
    CHECK((mapped != paths.end() || word.empty() || word.front() != '/'));
    local.args += sh_quote(mapped != paths.end() ? mapped->second : word) + " ";
  }
  auto env = pod.env;
  env["JOB_COMPLETION_INDEX"] = std::to_string(index);
  for (const auto& [name, value] : extra) env[name] = value;
  for (const auto& [name, value] : env) local.env += name + "=" + sh_quote(value) + " ";
  return local;
}

// Rows of every tenant's history table with `where`, summed over the fleet.
long history_rows(const LedgerFleet& fleet, const std::string& where) {
  long rows = 0;
  for (const auto& id : fleet.ids) {
    rows += std::stol(scalar(
        fleet.db, "SELECT count(*) FROM " + id + ".pgfleet_schema_migrations WHERE " + where));
  }
  return rows;
}

// A control-plane database whose `tenants` table lists the fleet's schemas.
std::string control_plane_for(const LedgerFleet& fleet) {
  const std::string cp = create_database("manifest_cp");
  query(cp,
        "CREATE TABLE tenants (id text PRIMARY KEY, connection_string text NOT NULL, schema "
        "text, active boolean NOT NULL DEFAULT true)");
  for (const auto& id : fleet.ids) {
    query(cp, "INSERT INTO tenants VALUES ('" + id + "', '" + dsn_for(fleet.db) + "', '" + id +
                  "', true)");
  }
  return dsn_for(cp);
}

// The pod that holds running tenants in the ledger first (waits up to 30 s), or -1: whichever
// pods start first may claim the whole fleet, so the test cannot choose the victim beforehand.
int pod_holding_tenants(const LedgerFleet& fleet, const std::vector<long>& pids) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ledger_scalar(fleet, "SELECT to_regclass('pgfleet_ledger.tenants') IS NOT NULL") == "t") {
      const std::string worker = ledger_scalar(
          fleet, "SELECT worker FROM pgfleet_ledger.tenants WHERE state = 'running' LIMIT 1");
      for (std::size_t k = 0; k < pids.size() && !worker.empty(); ++k) {
        if (worker.substr(worker.rfind(':') + 1) == std::to_string(pids[k])) {
          return static_cast<int>(k);
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

}  // namespace

TEST_CASE(
    "manifest: the Job's command line as local pods with one SIGKILLed migrates every "
    "tenant once",
    "[ledger][manifest]") {
  const LedgerFleet fleet = make_ledger_fleet("manifest_pods", 60);
  fleet.ws.migration("0001_slow.up.sql", "SELECT pg_sleep(0.3);\nCREATE TABLE items (id int);\n");
  fleet.ws.migration("0002_more.up.sql", "ALTER TABLE items ADD x int;\n");
  const std::string run = "manifest-release-0001";
  const PodCommand pod = pod_command(
      run, {{"ledger-url", fleet.ledger_url}, {"control-plane-url", control_plane_for(fleet)}});
  REQUIRE(pod.parallelism >= 2);  // one pod is killed: another must be left to finish its tenants
  CHECK(pod.env.count("PGFLEET_LEDGER") == 1);
  CHECK(pod.env.count("PGFLEET_CONTROL_PLANE") == 1);
  // Not in the manifest: a short lease (through its env twin, so the manifest's args stay as
  // written), and a tenant query that also reads the schema (the test's fleet is one database,
  // one schema per tenant; the default query reads id and connection_string only).
  const std::map<std::string, std::string> extra{
      {"PGFLEET_LEASE", "2s"},
      {"PGFLEET_TENANT_QUERY",
       "SELECT id, connection_string, schema FROM tenants WHERE active ORDER BY id"}};
  const auto paths_of = [&](const std::string& pod_name) {
    return std::map<std::string, std::string>{{"/migrations", fleet.ws.migrations},
                                              {"/results", fleet.ws.results(pod_name)}};
  };
  std::vector<BackgroundRun> pods;
  for (int k = 0; k < pod.parallelism; ++k) {
    const LocalPod local = local_pod(pod, paths_of("pod-" + std::to_string(k)), k, extra);
    pods.push_back(start_cli(fleet.ws, local.args, "pod-" + std::to_string(k), local.env));
  }
  std::vector<long> pids;
  for (const auto& p : pods) pids.push_back(p.pid());
  const int victim = pod_holding_tenants(fleet, pids);
  REQUIRE(victim >= 0);
  REQUIRE(::kill(static_cast<pid_t>(pids[victim]), SIGKILL) == 0);
  for (int k = 0; k < pod.parallelism; ++k) {
    const CliRun done = pods[k].done.get();
    INFO("pod " << k << " (killed: pod " << victim << "): " << done.all());
    CHECK(done.code == (k == victim ? 128 + SIGKILL : 0));
  }
  // Kubernetes starts the killed pod again with the same command line and index: it rejoins
  // the run, which the others have finished.
  const LocalPod again = local_pod(pod, paths_of("pod-again"), victim, extra);
  const CliRun restarted = run_cli(again.args, fleet.ws.dir, again.env);
  INFO("restarted pod: " << restarted.all());
  CHECK(restarted.code == 0);

  CHECK(ledger_scalar(fleet, "SELECT options->>'lease' FROM pgfleet_ledger.runs") == "2s");
  CHECK(ledger_scalar(fleet, "SELECT count(*) FROM pgfleet_ledger.tenants WHERE run_id = '" + run +
                                 "' AND state = 'done' AND status = 'applied'") == "60");
  CHECK(ledger_scalar(fleet, "SELECT count(*) FROM pgfleet_ledger.tenants WHERE attempts > 1") !=
        "0");
  // Every tenant migrated exactly once, by this run: no pending row, no lock left.
  CHECK(history_rows(fleet, "state = 'applied' AND run_id = '" + run + "'") == 120);
  CHECK(history_rows(fleet, "true") == 120);
  CHECK(history_rows(fleet, "state <> 'applied'") == 0);
  CHECK(scalar(fleet.db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == "0");

  const json progress = ledger_status(fleet, run);
  CHECK(progress["tenant_count"] == 60);
  CHECK(progress["done"] == 60);
  // A tenant the killed pod finished before its line reached the ledger is still `applied` when
  // another pod claims it again (its history rows carry this run's id, checked above).
  CHECK(progress["per_status"].value("applied", 0) == 60);
  CHECK(progress["per_status"].value("up_to_date", 0) == 0);
  CHECK_FALSE(progress["finished_at"].is_null());
}
