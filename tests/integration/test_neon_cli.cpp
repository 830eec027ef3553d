// End-to-end tests of `pgfleet apply|plan --neon-branch` and `pgfleet neon cleanup` through the
// binary, against the Neon emulator: real branch copies (pg_basebackup), endpoint names resolved
// through nss_wrapper, and a parent cluster whose log proves that pgfleet never connected to it.
#include <signal.h>
#include <sys/types.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "cli_support.hpp"
#include "neon_cli_support.hpp"
#include "neon_fixture.hpp"
#include "pgfleet/neon/http_transport.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
using nlohmann::json;
namespace fs = std::filesystem;
namespace neon = pgfleet::neon;

namespace {

const std::string kPrefix = "pgfleet-preflight-";

std::string read_from(const std::string& path, std::uintmax_t offset = 0) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(static_cast<std::streamoff>(offset));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

// Switches log_connections on in the parent (once) and proves that the log then shows a
// tenant-role connection named like pgfleet's: a watch that cannot see one would pass blindly.
void enable_parent_connection_log(const NeonEmulator& emu) {
  static bool enabled = false;
  if (enabled) return;
  emu.parent_superuser_psql("postgres", "ALTER SYSTEM SET log_connections = on");
  emu.parent_superuser_psql("postgres", "SELECT pg_reload_conf()");
  const std::string probe =
      replace_all(emu.parent_dsn("tenant_a", ParentHost::direct), "application_name=neon-it",
                  "application_name=pgfleet/probe");
  const auto start = fs::file_size(emu.parent_log_path());
  for (int i = 0; i < 50 && !enabled; ++i) {
    emu.psql(probe, "SELECT 1");
    const std::string seen = read_from(emu.parent_log_path(), start);
    enabled = seen.find("pgfleet/probe") != std::string::npos &&
              seen.find("app@tenant_a") != std::string::npos;
    if (!enabled) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!enabled) throw std::runtime_error("the parent's log does not show tenant connections");
}

// The parent's log from the moment the watch is made.
class ParentWatch {
 public:
  explicit ParentWatch(const NeonEmulator& emu) : path_(emu.parent_log_path()) {
    enable_parent_connection_log(emu);
    start_ = fs::file_size(path_);
  }
  // Log lines since the watch started that a tenant role (`app`) or pgfleet (application_name
  // pgfleet/<run id>) made: a connection, a failed login, a statement. The emulator's
  // pg_basebackup (user postgres) is not one.
  std::vector<std::string> tenant_lines() const {
    std::vector<std::string> found;
    std::istringstream in(read_from(path_, start_));
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("app@") != std::string::npos || line.find("user=app") != std::string::npos ||
          line.find("pgfleet/") != std::string::npos)
        found.push_back(line);
    }
    return found;
  }

 private:
  std::string path_;
  std::uintmax_t start_ = 0;
};

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

json tenant_row(const std::string& id, const std::string& dsn) {
  return {{"id", id}, {"connection_string", dsn}};
}

std::string write_tenants(const Workspace& ws, const std::vector<json>& rows) {
  const std::string path = ws.dir + "/tenants.json";
  write_file(path, json(rows).dump(2));
  return path;
}

json summary_of(const std::string& run_dir) {
  return json::parse(read_from(run_dir + "/summary.json"));
}

// The emulator's branches (deleted ones too) whose name is `name`, or starts with it.
enum class NameMatch { exact, prefix };
std::vector<json> branches_named(const NeonEmulator& emu, const std::string& name,
                                 NameMatch match = NameMatch::exact) {
  std::vector<json> out;
  const json state = emu.state();
  for (const auto& b : state.at("branches")) {
    const std::string n = b["name"];
    if (match == NameMatch::exact ? n == name : n.rfind(name, 0) == 0) out.push_back(b);
  }
  return out;
}

std::vector<int> statuses_of(const json& requests) {
  std::vector<int> out;
  for (const auto& r : requests) out.push_back(r["status"].get<int>());
  return out;
}

bool delete_requested(const NeonEmulator& emu, const std::string& branch_id, int status) {
  for (const auto& r : emu.requests("delete_branch")) {
    const std::string path = r["path"];
    if (r["method"] == "DELETE" && r["status"] == status && path.size() >= branch_id.size() &&
        path.compare(path.size() - branch_id.size(), branch_id.size(), branch_id) == 0)
      return true;
  }
  return false;
}

// summary.json's `neon` says the branch of this run was deleted, the API got the DELETE, and the
// branch's copy is stopped and gone.
void require_branch_deleted(const NeonEmulator& emu, const std::string& run_dir) {
  const json neon = summary_of(run_dir).at("neon");
  INFO(neon.dump());
  REQUIRE(neon.at("project") == emu.project_id());
  REQUIRE(neon.at("branch_name") == kPrefix + run_id_of(run_dir));
  REQUIRE(neon.at("deleted") == true);
  const std::string id = neon.at("branch_id");
  REQUIRE(delete_requested(emu, id, 200));
  const auto found = branches_named(emu, neon.at("branch_name").get<std::string>());
  REQUIRE(found.size() == 1);
  CHECK(found[0]["id"] == id);
  CHECK(found[0]["deleted"] == true);
  if (!found[0]["cluster"].is_null()) {
    CHECK(found[0]["cluster"]["running"] == false);
    CHECK_FALSE(fs::exists(found[0]["cluster"]["data_dir"].get<std::string>()));
  }
}

// The key is in no output and no result file.
void require_no_key(const std::string& key, const CliRun& run, const std::string& results) {
  REQUIRE(run.all().find(key) == std::string::npos);
  if (!fs::exists(results)) return;
  for (const auto& entry : fs::recursive_directory_iterator(results)) {
    if (!entry.is_regular_file()) continue;
    INFO(entry.path());
    REQUIRE(read_from(entry.path().string()).find(key) == std::string::npos);
  }
}

// Seconds since the epoch of an RFC 3339 UTC time ("2026-01-02T03:04:05Z").
double epoch_seconds(const std::string& rfc3339) {
  std::tm tm{};
  if (!strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) || rfc3339.back() != 'Z')
    throw std::runtime_error("not an RFC 3339 UTC time: " + rfc3339);
  return static_cast<double>(timegm(&tm));
}

// `value` quoted for a key=value connection string.
std::string kv_quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// A key=value connection string for `db` on `host` as role app, plus `extra`.
std::string kv_dsn(const NeonEmulator& emu, const std::string& host, const std::string& db,
                   const std::string& extra = "") {
  return "host=" + host + " port=" + emu.pg_port() + " dbname=" + db +
         " user=app password=" + kv_quote(emu.app_password()) + " connect_timeout=10" + extra;
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// A tenant database as it is on the branch copy at `address` (the copy's own loopback address).
std::string branch_dsn(const NeonEmulator& emu, const std::string& db, const std::string& address) {
  return replace_all(emu.parent_dsn(db, ParentHost::direct), emu.parent_endpoint_host(), address);
}

// The parent's tenant databases hold no history and only their original marker row.
void require_parent_untouched(const NeonEmulator& emu) {
  for (const char* db : {"tenant_a", "tenant_b"}) {
    INFO(db);
    const std::string dsn = emu.parent_dsn(db, ParentHost::direct);
    REQUIRE(emu.psql(dsn, "SELECT to_regclass('pgfleet.schema_migrations') IS NULL") == "t");
    REQUIRE(emu.psql(dsn, "SELECT to_regnamespace('pgfleet') IS NULL") == "t");
    REQUIRE(emu.psql(dsn, "SELECT string_agg(v, ',') FROM marker") == "parent");
  }
}

std::vector<nlohmann::json> tenant_lines_if_any(const std::string& run_dir) {
  if (!fs::exists(run_dir + "/tenants.jsonl")) return {};
  return tenant_lines(run_dir);
}

// The tenants.jsonl lines of every run below `results` (none if it does not exist).
std::vector<nlohmann::json> tenant_lines_if_any_run(const std::string& results) {
  std::vector<nlohmann::json> lines;
  if (!fs::exists(results)) return lines;
  for (const auto& entry : fs::directory_iterator(results)) {
    for (auto& line : tenant_lines_if_any(entry.path().string())) lines.push_back(std::move(line));
  }
  return lines;
}

// A branch made directly through the API, without an endpoint (so no copy is made).
void create_bare_branch(const NeonEmulator& emu, const std::string& name) {
  auto transport = neon::make_curl_transport();
  neon::HttpRequest request;
  request.method = neon::HttpMethod::post;
  request.url = emu.api_base() + "/projects/" + emu.project_id() + "/branches";
  request.headers = {{"Authorization", "Bearer " + emu.api_key()},
                     {"Content-Type", "application/json"},
                     {"Accept", "application/json"}};
  request.body = json{{"branch", {{"name", name}}}}.dump();
  for (int attempt = 0; attempt < 50; ++attempt) {
    const auto response = transport->send(request);
    if (response.status == 201) {
      emu.advance();
      return;
    }
    if (response.status != 423) {
      throw std::runtime_error("create " + name + ": " + std::to_string(response.status) + " " +
                               response.body);
    }
    emu.advance();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("create " + name + ": the project stayed locked");
}

}  // namespace

TEST_CASE(
    "neon-cli: plan and apply with --neon-keep-branch land on a real branch copy and never touch "
    "the parent",
    "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_cli_keep");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  ws.migration("0002_mark.up.sql", "INSERT INTO marker VALUES ('migrated');\n");
  const std::string tenants =
      write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct)),
                         tenant_row("b", emu.parent_dsn("tenant_b", ParentHost::pooler))});
  const ParentWatch watch(emu);

  // plan, keeping the branch: pending on the branch, and the copy is left as it was.
  const CliRun plan =
      run_cli(preflight_args("plan", emu, ws, tenants, ws.results("plan"), "--neon-keep-branch"),
              ws.dir, neon_env(emu));
  INFO(plan.all());
  REQUIRE(plan.code == 0);
  const std::string plan_dir = only_run_dir(ws.results("plan"));
  for (const char* id : {"a", "b"}) {
    const json record = tenant_record(plan_dir, id);
    CHECK(record["status"] == "pending");
    CHECK(record["pending"] == json({1, 2}));
  }
  const json plan_neon = summary_of(plan_dir).at("neon");
  INFO(plan_neon.dump());
  REQUIRE(plan_neon.at("branch_name") == kPrefix + run_id_of(plan_dir));
  REQUIRE(plan_neon.at("deleted") == false);
  const auto plan_branch = branches_named(emu, plan_neon.at("branch_name").get<std::string>());
  REQUIRE(plan_branch.size() == 1);
  REQUIRE(plan_branch[0]["cluster"]["running"] == true);
  const std::string plan_address = plan_branch[0]["cluster"]["host"];
  for (const char* db : {"tenant_a", "tenant_b"}) {
    INFO(db);
    const std::string dsn = branch_dsn(emu, db, plan_address);
    REQUIRE(emu.psql(dsn, "SELECT to_regnamespace('pgfleet') IS NULL") == "t");
    REQUIRE(emu.psql(dsn, "SELECT string_agg(v, ',') FROM marker") == "parent");
  }
  require_no_key(emu.api_key(), plan, ws.results("plan"));

  // apply, keeping the branch: the migrations are in the copy.
  const CliRun apply =
      run_cli(preflight_args("apply", emu, ws, tenants, ws.results("apply"), "--neon-keep-branch"),
              ws.dir, neon_env(emu));
  INFO(apply.all());
  REQUIRE(apply.code == 0);
  const std::string run_dir = only_run_dir(ws.results("apply"));
  CHECK(tenant_record(run_dir, "a")["status"] == "applied");
  CHECK(tenant_record(run_dir, "b")["status"] == "applied");
  const json neon = summary_of(run_dir).at("neon");
  INFO(neon.dump());
  REQUIRE(neon.at("project") == emu.project_id());
  REQUIRE(neon.at("branch_name") == kPrefix + run_id_of(run_dir));
  REQUIRE(neon.at("deleted") == false);
  const std::string branch_id = neon.at("branch_id");
  REQUIRE_FALSE(branch_id.empty());
  REQUIRE_FALSE(delete_requested(emu, branch_id, 200));
  auto found = branches_named(emu, neon.at("branch_name").get<std::string>());
  REQUIRE(found.size() == 1);
  REQUIRE(found[0]["deleted"] == false);
  REQUIRE(found[0]["cluster"]["running"] == true);
  const std::string address = found[0]["cluster"]["host"];
  REQUIRE(address != "127.0.0.1");
  for (const char* db : {"tenant_a", "tenant_b"}) {
    INFO(db);
    const std::string dsn = branch_dsn(emu, db, address);
    REQUIRE(emu.psql(dsn, "SELECT host(inet_server_addr())") == address);
    REQUIRE(emu.psql(dsn,
                     "SELECT string_agg(version::text, ',' ORDER BY version) "
                     "FROM pgfleet.schema_migrations") == "1,2");
    REQUIRE(emu.psql(dsn, "SELECT string_agg(v, ',' ORDER BY v) FROM marker") == "migrated,parent");
    REQUIRE(emu.psql(dsn, "SELECT to_regclass('public.items') IS NOT NULL") == "t");
  }
  require_no_key(emu.api_key(), apply, ws.results("apply"));

  // Neither run connected to the parent (checked before this test connects to it itself).
  const auto on_parent = watch.tenant_lines();
  INFO(joined(on_parent));
  REQUIRE(on_parent.empty());
  require_parent_untouched(emu);

  // The kept branches are left for `neon cleanup`.
  const CliRun cleanup =
      run_cli("neon cleanup --neon-project " + sh_quote(emu.project_id()) + " --older-than 0",
              ws.dir, neon_env(emu));
  INFO(cleanup.all());
  REQUIRE(cleanup.code == 0);
  require_no_key(emu.api_key(), cleanup, ws.results("none"));
  for (const json* kept : {&plan_neon, &neon}) {
    const std::string name = kept->at("branch_name");
    INFO(name);
    CHECK(cleanup.out.find(name) != std::string::npos);
    REQUIRE(delete_requested(emu, kept->at("branch_id").get<std::string>(), 200));
    found = branches_named(emu, name);
    REQUIRE(found.size() == 1);
    REQUIRE(found[0]["deleted"] == true);
    REQUIRE(found[0]["cluster"]["running"] == false);
  }
  REQUIRE_THROWS(emu.psql(branch_dsn(emu, "tenant_a", address), "SELECT 1"));
  REQUIRE_THROWS(emu.psql(branch_dsn(emu, "tenant_a", plan_address), "SELECT 1"));
}

TEST_CASE(
    "neon-cli: apply deletes its branch and skips tenants off the project without reaching them",
    "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_cli_skip");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");

  SECTION("every tenant on the project: exit 0") {
    // A key=value string with the host in capitals and a trailing dot is the same endpoint.
    const std::string tenants = write_tenants(
        ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct)),
             tenant_row("b", kv_dsn(emu, upper(emu.parent_pooler_host()) + ".", "tenant_b"))});
    const ParentWatch watch(emu);
    // PGHOSTADDR would send every connection to the parent if pgfleet let libpq read it.
    const CliRun run = run_cli(preflight_args("apply", emu, ws, tenants, ws.results("all")), ws.dir,
                               neon_env(emu) + " PGHOSTADDR=127.0.0.1");
    INFO(run.all());
    REQUIRE(run.code == 0);
    const std::string run_dir = only_run_dir(ws.results("all"));
    CHECK(run.err.find("deleted branch " + kPrefix + run_id_of(run_dir)) != std::string::npos);
    CHECK(tenant_record(run_dir, "a")["status"] == "applied");
    CHECK(tenant_record(run_dir, "b")["status"] == "applied");
    require_branch_deleted(emu, run_dir);
    require_no_key(emu.api_key(), run, ws.results("all"));
    const auto on_parent = watch.tenant_lines();
    INFO(joined(on_parent));
    REQUIRE(on_parent.empty());
    require_parent_untouched(emu);
  }

  SECTION("the parent by IP, hosts of no project, escape hatches: skipped, exit 1") {
    // 127.0.0.1:<port> IS the parent: only the rewrite's refusal keeps pgfleet away from it.
    const std::string literal = replace_all(emu.parent_dsn("tenant_b", ParentHost::direct),
                                            emu.parent_endpoint_host(), "127.0.0.1");
    const std::string tenants = write_tenants(
        ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct)),
             tenant_row("by-ip", literal),
             tenant_row("elsewhere", "postgresql://app:pw@db.prod.example.invalid:5432/tenant_a"),
             // Each of these names the parent's endpoint but could still reach 127.0.0.1. Each
             // names its own database: a second tenant on one database would be `invalid`.
             tenant_row("hostaddr",
                        kv_dsn(emu, emu.parent_endpoint_host(), "tenant_c", " hostaddr=127.0.0.1")),
             tenant_row("two-hosts", replace_all(emu.parent_dsn("tenant_d", ParentHost::direct),
                                                 emu.parent_endpoint_host() + ":" + emu.pg_port(),
                                                 emu.parent_endpoint_host() + ":" + emu.pg_port() +
                                                     ",127.0.0.1:" + emu.pg_port())),
             tenant_row("query-host",
                        emu.parent_dsn("tenant_e", ParentHost::direct) + "&host=127.0.0.1")});
    const ParentWatch watch(emu);
    const CliRun run = run_cli(preflight_args("apply", emu, ws, tenants, ws.results("skip")),
                               ws.dir, neon_env(emu));
    INFO(run.all());
    REQUIRE(run.code == 1);
    const std::string run_dir = only_run_dir(ws.results("skip"));
    CHECK(tenant_record(run_dir, "a")["status"] == "applied");
    const json by_ip = tenant_record(run_dir, "by-ip");
    CHECK(by_ip["status"] == "skipped");
    CHECK(by_ip.value("reason", "").find("127.0.0.1") != std::string::npos);
    const json elsewhere = tenant_record(run_dir, "elsewhere");
    CHECK(elsewhere["status"] == "skipped");
    CHECK(elsewhere.value("reason", "").find("db.prod.example.invalid") != std::string::npos);
    for (const char* id : {"hostaddr", "two-hosts", "query-host"}) {
      INFO(id);
      CHECK(tenant_record(run_dir, id)["status"] == "skipped");
    }
    require_branch_deleted(emu, run_dir);
    require_no_key(emu.api_key(), run, ws.results("skip"));
    const auto on_parent = watch.tenant_lines();
    INFO(joined(on_parent));
    REQUIRE(on_parent.empty());
    require_parent_untouched(emu);
  }
}

TEST_CASE("neon-cli: a failing migration fails its tenant (exit 1) and the branch is still deleted",
          "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_cli_fail");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  ws.migration("0002_fails_on_b.up.sql",
               "DO $$ BEGIN IF current_database() = 'tenant_b' THEN "
               "RAISE EXCEPTION 'boom on tenant_b'; END IF; END $$;\n");
  const std::string tenants =
      write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct)),
                         tenant_row("b", emu.parent_dsn("tenant_b", ParentHost::direct))});
  const ParentWatch watch(emu);
  const CliRun run =
      run_cli(preflight_args("apply", emu, ws, tenants, ws.results("r"), "--log-format json -v"),
              ws.dir, neon_env(emu));
  INFO(run.all());
  REQUIRE(run.code == 1);
  const std::string run_dir = only_run_dir(ws.results("r"));
  CHECK(tenant_record(run_dir, "a")["status"] == "applied");
  const json b = tenant_record(run_dir, "b");
  CHECK(b["status"] == "failed");
  CHECK(b.dump().find("boom on tenant_b") != std::string::npos);
  require_branch_deleted(emu, run_dir);
  require_no_key(emu.api_key(), run, ws.results("r"));
  const auto on_parent = watch.tenant_lines();
  INFO(joined(on_parent));
  REQUIRE(on_parent.empty());
  require_parent_untouched(emu);
}

namespace {

// When to signal a running preflight.
enum class SignalAt { migration_sleeping, branch_creating };

// Runs `pgfleet apply --neon-branch` with a 60 s migration and sends `signal` at `when`; returns
// the run (the signal went out only if `sent` is true).
CliRun interrupted_apply(const NeonEmulator& emu, const Workspace& ws, const std::string& tenants,
                         int signal, SignalAt when, bool& sent) {
  // `sh` writes its pid and execs pgfleet, so the pid is pgfleet's.
  const std::string pid_file = ws.dir + "/pgfleet.pid";
  const std::string env = neon_env(emu) + " sh -c " +
                          sh_quote("echo $$ > " + sh_quote(pid_file) + "; exec \"$@\"") + " sh";
  auto pending = std::async(std::launch::async, [&] {
    return run_cli(preflight_args("apply", emu, ws, tenants, ws.results("r")), ws.dir, env);
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  bool ready = false;
  while (!ready && std::chrono::steady_clock::now() < deadline &&
         pending.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (when == SignalAt::branch_creating) {
      ready = !emu.requests("create_branch").empty() && fs::exists(pid_file);
      continue;
    }
    for (const auto& b : branches_named(emu, kPrefix, NameMatch::prefix)) {
      if (b["deleted"] == true || b["cluster"].is_null() || b["cluster"]["running"] != true)
        continue;
      try {
        ready = emu.psql(branch_dsn(emu, "tenant_a", b["cluster"]["host"].get<std::string>()),
                         "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE "
                         "'pgfleet/%' AND state = 'active' AND query LIKE '%pg_sleep(60)%'") == "1";
      } catch (const std::exception&) {
        // the copy may still be starting
      }
    }
  }
  const pid_t pid = static_cast<pid_t>(std::stol("0" + read_from(pid_file)));
  if (pid > 0) ::kill(pid, ready ? signal : SIGKILL);  // no 60 s hang when never ready
  sent = ready && pid > 0;
  return pending.get();
}

}  // namespace

TEST_CASE("neon-cli: SIGINT/SIGTERM mid-run exits 130/143 and deletes the branch", "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  const auto [signal, code, when] =
      GENERATE(std::make_tuple(SIGINT, 130, SignalAt::migration_sleeping),
               std::make_tuple(SIGTERM, 143, SignalAt::migration_sleeping),
               std::make_tuple(SIGINT, 130, SignalAt::branch_creating));
  INFO("signal " << signal << (when == SignalAt::branch_creating ? " during the create" : ""));
  emu.reset();
  const Workspace ws = make_workspace("neon_cli_signal");
  ws.migration("0001_sleep.up.sql", "SELECT pg_sleep(60);\n");
  const std::string tenants =
      write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct))});
  const ParentWatch watch(emu);
  bool sent = false;
  const auto started = std::chrono::steady_clock::now();
  const CliRun run = interrupted_apply(emu, ws, tenants, signal, when, sent);
  INFO(run.all());
  REQUIRE(sent);
  REQUIRE(run.code == code);
  REQUIRE(std::chrono::steady_clock::now() - started < std::chrono::seconds(45));
  const std::string run_dir = only_run_dir(ws.results("r"));
  REQUIRE(summary_of(run_dir).value("interrupted", false) == true);
  if (when == SignalAt::migration_sleeping) {
    CHECK(tenant_record(run_dir, "a")["status"] == "cancelled");
  } else {
    CHECK(tenant_record(run_dir, "a")["status"] != "applied");
  }
  require_branch_deleted(emu, run_dir);
  for (const auto& b : branches_named(emu, kPrefix, NameMatch::prefix))
    REQUIRE(b["deleted"] == true);
  require_no_key(emu.api_key(), run, ws.results("r"));
  const auto on_parent = watch.tenant_lines();
  INFO(joined(on_parent));
  REQUIRE(on_parent.empty());
  require_parent_untouched(emu);
}

TEST_CASE(
    "neon-cli: 423 and 429 (Retry-After 1) on the create are retried and the run exits 0 (project "
    "per tenant)",
    "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  emu.add_fault({{"route", "create_branch"}, {"status", 423}});
  emu.add_fault({{"route", "create_branch"}, {"status", 429}, {"retry_after", "1"}});
  const Workspace ws = make_workspace("neon_cli_retry");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  // The project comes from the tenant row here, not from --neon-project.
  json row = tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct));
  row["neon_project_id"] = emu.project_id();
  const std::string tenants = write_tenants(ws, {row});
  // -v -v: the retries are logged, and the key must not be.
  const std::string args = replace_all(
      preflight_args("apply", emu, ws, tenants, ws.results("r"), "-v -v --neon-branch-ttl 90m"),
      " --neon-project " + sh_quote(emu.project_id()), "");
  REQUIRE(args.find("--neon-project") == std::string::npos);
  const CliRun run = run_cli(args, ws.dir, neon_env(emu));
  INFO(run.all());
  REQUIRE(run.code == 0);
  const auto creates = emu.requests("create_branch");
  INFO(creates.dump());
  REQUIRE(statuses_of(creates) == std::vector<int>{423, 429, 201});
  REQUIRE(creates[2]["time"].get<double>() - creates[1]["time"].get<double>() >= 0.95);
  // One read_write endpoint, and expires_at = now + --neon-branch-ttl.
  const json& body = creates[2]["body"];
  REQUIRE(body["endpoints"] == json::parse(R"([{"type": "read_write"}])"));
  const double expires = epoch_seconds(body["branch"]["expires_at"].get<std::string>());
  CHECK(std::abs(expires - creates[2]["time"].get<double>() - 5400.0) < 60.0);
  const std::string run_dir = only_run_dir(ws.results("r"));
  CHECK(tenant_record(run_dir, "a")["status"] == "applied");
  require_branch_deleted(emu, run_dir);
  require_no_key(emu.api_key(), run, ws.results("r"));
}

TEST_CASE("neon-cli: a create whose operation fails exits 3 before any tenant and leaves no branch",
          "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  emu.add_fault(
      {{"route", "create_branch"},
       {"operation",
        {{"action", "start_compute"}, {"status", "failed"}, {"error", "compute crashed (test)"}}}});
  const Workspace ws = make_workspace("neon_cli_opfail");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string tenants =
      write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct)),
                         tenant_row("b", emu.parent_dsn("tenant_b", ParentHost::pooler))});
  const ParentWatch watch(emu);
  const CliRun run =
      run_cli(preflight_args("apply", emu, ws, tenants, ws.results("r")), ws.dir, neon_env(emu));
  INFO(run.all());
  REQUIRE(run.code == 3);
  CHECK(run.err.find("compute crashed (test)") != std::string::npos);
  if (fs::exists(ws.results("r"))) {
    const std::string run_dir = only_run_dir(ws.results("r"));
    REQUIRE(tenant_lines_if_any(run_dir).empty());
  }
  const auto made = branches_named(emu, kPrefix, NameMatch::prefix);
  REQUIRE(made.size() == 1);
  REQUIRE(made[0]["deleted"] == true);
  REQUIRE(delete_requested(emu, made[0]["id"].get<std::string>(), 200));
  require_no_key(emu.api_key(), run, ws.results("r"));
  const auto on_parent = watch.tenant_lines();
  INFO(joined(on_parent));
  REQUIRE(on_parent.empty());
  require_parent_untouched(emu);
}

TEST_CASE("neon-cli: a create applied but answered 524 or dropped makes one branch per run",
          "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  for (const char* mode : {"apply_then_respond", "apply_then_drop"}) {
    INFO(mode);
    emu.reset();
    emu.add_fault({{"route", "create_branch"}, {"mode", mode}, {"status", 524}});
    const Workspace ws = make_workspace("neon_cli_unclear");
    ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
    const std::string tenants =
        write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct))});
    const CliRun run =
        run_cli(preflight_args("apply", emu, ws, tenants, ws.results("r")), ws.dir, neon_env(emu));
    INFO(run.all());
    REQUIRE(run.code == 0);
    REQUIRE(emu.requests("create_branch").size() == 1);
    REQUIRE(branches_named(emu, kPrefix, NameMatch::prefix).size() == 1);
    const std::string run_dir = only_run_dir(ws.results("r"));
    CHECK(tenant_record(run_dir, "a")["status"] == "applied");
    require_branch_deleted(emu, run_dir);
    require_no_key(emu.api_key(), run, ws.results("r"));
  }
}

TEST_CASE(
    "neon-cli: neon cleanup removes pgfleet-preflight-* branches only and honours --older-than",
    "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const std::vector<std::string> ours = {kPrefix + "leftover-1", kPrefix + "leftover-2"};
  const std::vector<std::string> others = {"not-pgfleet-preflight-x", "pgfleet-preflightx",
                                           "feature-pgfleet-preflight-"};
  for (const auto& name : ours) create_bare_branch(emu, name);
  for (const auto& name : others) create_bare_branch(emu, name);
  const auto live = [&](const std::string& name) {
    const auto found = branches_named(emu, name);
    return found.size() == 1 && found[0]["deleted"] == false;
  };
  const std::string ws_dir = temp_dir("neon_cli_cleanup");
  const std::string cleanup = "neon cleanup --neon-project " + sh_quote(emu.project_id());

  const CliRun young = run_cli(cleanup + " --older-than 1h", ws_dir, neon_env(emu));
  INFO(young.all());
  REQUIRE(young.code == 0);
  CHECK(young.out.find("0 deleted") != std::string::npos);
  CHECK(young.out.find("2 younger") != std::string::npos);
  REQUIRE(emu.requests("delete_branch").empty());
  for (const auto& name : ours) REQUIRE(live(name));

  const CliRun all = run_cli(cleanup + " --older-than 0", ws_dir, neon_env(emu));
  INFO(all.all());
  REQUIRE(all.code == 0);
  for (const auto& name : ours) {
    INFO(name);
    REQUIRE_FALSE(live(name));
    CHECK(all.out.find(name) != std::string::npos);
  }
  for (const auto& name : others) {
    INFO(name);
    REQUIRE(live(name));
  }
  REQUIRE(emu.requests("delete_branch").size() >= 2);
  require_no_key(emu.api_key(), young, ws_dir);
  require_no_key(emu.api_key(), all, ws_dir);
}

TEST_CASE("neon-cli: a wrong key exits 3 and is never echoed", "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const std::string wrong_key = "napi_DISTINCTIVE_wrong_key_5f1c9e2a7b";
  const Workspace ws = make_workspace("neon_cli_badkey");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string tenants =
      write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct))});
  const CliRun run = run_cli(preflight_args("apply", emu, ws, tenants, ws.results("r"), "-v"),
                             ws.dir, neon_env(emu, wrong_key));
  INFO(run.all());
  REQUIRE(run.code == 3);
  const auto requests = emu.requests();
  REQUIRE_FALSE(requests.empty());
  for (const auto& r : requests) REQUIRE(r["auth"] == "invalid");
  require_no_key(wrong_key, run, ws.results("r"));
  REQUIRE(branches_named(emu, kPrefix, NameMatch::prefix).empty());

  const CliRun cleanup = run_cli("neon cleanup --neon-project " + sh_quote(emu.project_id()),
                                 ws.dir, neon_env(emu, wrong_key));
  INFO(cleanup.all());
  REQUIRE(cleanup.code == 3);
  require_no_key(wrong_key, cleanup, ws.results("r"));
}

TEST_CASE("neon-cli: without NEON_API_KEY the exit is 2 with a clear message and no API call",
          "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_cli_nokey");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string tenants =
      write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct))});
  const std::string env =
      "env -u NEON_API_KEY " + emu.resolver_env() + " NEON_API_HOST=" + sh_quote(emu.api_base());
  for (const char* command : {"apply", "plan"}) {
    INFO(command);
    const CliRun run =
        run_cli(preflight_args(command, emu, ws, tenants, ws.results(command)), ws.dir, env);
    INFO(run.all());
    REQUIRE(run.code == 2);
    REQUIRE(run.err.find("NEON_API_KEY") != std::string::npos);
  }
  const CliRun cleanup =
      run_cli("neon cleanup --neon-project " + sh_quote(emu.project_id()), ws.dir, env);
  INFO(cleanup.all());
  REQUIRE(cleanup.code == 2);
  REQUIRE(cleanup.err.find("NEON_API_KEY") != std::string::npos);
  REQUIRE(emu.requests().empty());
}

TEST_CASE("neon-cli: no project or an unknown project or parent branch stops the run",
          "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_cli_project");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string tenants =
      write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct))});
  const ParentWatch watch(emu);
  const std::string base = preflight_args("apply", emu, ws, tenants, ws.results("x"));
  const std::string project_flag = " --neon-project " + sh_quote(emu.project_id());

  // Neither --neon-project nor neon_project_id: a usage error.
  const CliRun none = run_cli(replace_all(base, project_flag, ""), ws.dir, neon_env(emu));
  INFO(none.all());
  CHECK(none.code == 2);
  // A project or parent branch the API does not know: exit 3 before any tenant.
  const CliRun unknown = run_cli(
      replace_all(base, project_flag, " --neon-project no-such-project-1"), ws.dir, neon_env(emu));
  INFO(unknown.all());
  CHECK(unknown.code == 3);
  const CliRun parent = run_cli(base + " --neon-parent no-such-branch", ws.dir, neon_env(emu));
  INFO(parent.all());
  CHECK(parent.code == 3);
  for (const CliRun* run : {&none, &unknown, &parent})
    require_no_key(emu.api_key(), *run, ws.results("x"));
  REQUIRE(emu.requests("create_branch").empty());

  // Two projects, the second unknown: the run stops with 3, and the first project's branch,
  // if it was made, is deleted.
  json lost = tenant_row("z", emu.parent_dsn("tenant_b", ParentHost::direct));
  lost["neon_project_id"] = "zz-missing-project";
  const std::string mixed =
      write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct)), lost});
  const CliRun two =
      run_cli(preflight_args("apply", emu, ws, mixed, ws.results("x")), ws.dir, neon_env(emu));
  INFO(two.all());
  CHECK(two.code == 3);
  for (const auto& b : branches_named(emu, kPrefix, NameMatch::prefix)) {
    INFO(b.dump());
    CHECK(b["deleted"] == true);
  }
  for (const auto& line : tenant_lines_if_any_run(ws.results("x"))) {
    INFO(line.dump());
    CHECK(line.value("status", "") != "applied");
  }
  const auto on_parent = watch.tenant_lines();
  INFO(joined(on_parent));
  REQUIRE(on_parent.empty());
}

TEST_CASE("neon-cli: the parent watch sees pgfleet when it does connect to the parent",
          "[neon-cli]") {
  // The control for every "never connected to the parent" check above: the same tenants,
  // without --neon-branch, do reach the parent, and the watch reports it.
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_cli_control");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string tenants =
      write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct))});
  const ParentWatch watch(emu);
  const CliRun plan =
      run_cli("plan --tenants " + sh_quote(tenants) + " --migrations " + sh_quote(ws.migrations) +
                  " --results-dir " + sh_quote(ws.results("r")) + " --concurrency 1",
              ws.dir, emu.resolver_env());
  INFO(plan.all());
  REQUIRE(plan.code == 0);
  const auto on_parent = watch.tenant_lines();
  INFO(joined(on_parent));
  REQUIRE_FALSE(on_parent.empty());
  REQUIRE(joined(on_parent).find("pgfleet/" + run_id_of(only_run_dir(ws.results("r")))) !=
          std::string::npos);
}

// A branch left behind costs money until its TTL: the console says so, not only summary.json.
TEST_CASE(
    "neon-cli: a branch left behind by a failed delete or --neon-keep-branch is named on the "
    "console",
    "[neon-cli]") {
  NeonEmulator& emu = NeonEmulator::shared();
  emu.reset();
  const Workspace ws = make_workspace("neon_cli_left");
  ws.migration("0001_create_items.up.sql", "CREATE TABLE items (id int);\n");
  const std::string tenants =
      write_tenants(ws, {tenant_row("a", emu.parent_dsn("tenant_a", ParentHost::direct))});

  SECTION("the delete fails: summary.json has the error, and so does the console") {
    emu.add_fault(
        {{"route", "delete_branch"},
         {"operation",
          {{"action", "delete_timeline"}, {"status", "failed"}, {"error", "disk on fire"}}}});
    const CliRun run =
        run_cli(preflight_args("apply", emu, ws, tenants, ws.results("r")), ws.dir, neon_env(emu));
    INFO(run.all());
    const std::string run_dir = only_run_dir(ws.results("r"));
    const json neon = summary_of(run_dir).at("neon");
    INFO(neon.dump());
    REQUIRE(neon.at("deleted") == false);
    REQUIRE(neon.value("delete_error", "").find("disk on fire") != std::string::npos);
    require_no_key(emu.api_key(), run, ws.results("r"));
    CHECK(run.err.find(neon.at("branch_name").get<std::string>()) != std::string::npos);
    CHECK(run.err.find("disk on fire") != std::string::npos);
  }

  SECTION("--neon-keep-branch: the console names the kept branch") {
    const CliRun run =
        run_cli(preflight_args("apply", emu, ws, tenants, ws.results("k"), "--neon-keep-branch"),
                ws.dir, neon_env(emu));
    INFO(run.all());
    REQUIRE(run.code == 0);
    const json neon = summary_of(only_run_dir(ws.results("k"))).at("neon");
    REQUIRE(neon.at("deleted") == false);
    CHECK(run.all().find(neon.at("branch_name").get<std::string>()) != std::string::npos);
  }
  emu.reset();  // removes the branches left behind
}
