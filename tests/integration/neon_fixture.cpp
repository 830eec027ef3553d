#include "neon_fixture.hpp"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "pgfleet/neon/http_transport.hpp"
#include "pgfleet/util/percent_encoding.hpp"

namespace pgfleet::test {
namespace {

namespace fs = std::filesystem;
const char* const kPgBin = "/usr/lib/postgresql/15/bin";

std::string random_hex(int bytes) {
  std::random_device device;
  std::string out;
  static const char* const kHex = "0123456789abcdef";
  for (int i = 0; i < bytes; ++i) {
    const unsigned value = device() & 0xff;
    out += kHex[value >> 4];
    out += kHex[value & 15];
  }
  return out;
}

std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command; returns its exit status and captured stdout (stderr to `err_file`).
int run(const std::string& command, std::string& output) {
  output.clear();
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed");
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_secret_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
}

int free_port() {
  std::string out;
  run("python3 -c 'import socket;s=socket.socket();s.bind((\"127.0.0.1\",0));"
      "print(s.getsockname()[1])'",
      out);
  return std::stoi(out);
}

}  // namespace

NeonEmulator& NeonEmulator::shared() {
  static NeonEmulator emulator;
  return emulator;
}

NeonEmulator::NeonEmulator() {
  char pattern[] = "/tmp/pgfleet-neon-emu.XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  hosts_file_ = dir_ + "/hosts";
  superuser_password_ = "su-" + random_hex(12);
  app_password_ = "App p@ss:w/rd%&'q" + random_hex(4);  // must survive every rewrite untouched
  api_key_ = "napi_emu_" + random_hex(16);
  try {
    start_parent();
    start_emulator();
  } catch (...) {
    stop();
    throw;
  }
}

NeonEmulator::~NeonEmulator() { stop(); }

void NeonEmulator::start_parent() {
  pg_port_ = std::to_string(free_port());
  write_secret_file(dir_ + "/superuser.pw", superuser_password_);
  std::string out;
  const std::string script = "set -e; source " +
                             quote(std::string(PGFLEET_SOURCE_DIR) + "/scripts/lib/scratch-pg.sh") +
                             "; PGFLEET_TEST_PGPASSWORD=$(cat " + quote(dir_ + "/superuser.pw") +
                             ")" + "; scratch_pg_start_cluster 127.0.0.1 " + pg_port_ +
                             "; echo 'host replication all 127.0.0.0/8 scram-sha-256' >> "
                             "\"$SCRATCH_PG_LAST_DIR/data/pg_hba.conf\"" +
                             "; scratch_pg_as_owner \"$PGFLEET_TEST_PGBIN/pg_ctl\" -D "
                             "\"$SCRATCH_PG_LAST_DIR/data\" reload >/dev/null" +
                             "; echo \"$SCRATCH_PG_LAST_DIR\"";
  if (run("bash -c " + quote(script), out) != 0 || out.empty()) {
    throw std::runtime_error("neon fixture: could not start the parent cluster: " + out);
  }
  parent_dir_ = out.substr(out.rfind('\n') + 1);
  std::string doubled;
  for (char c : app_password_) doubled += c == '\'' ? std::string("''") : std::string(1, c);
  const std::string setup = quote("CREATE ROLE app LOGIN PASSWORD '" + doubled + "'") +
                            " -c 'CREATE DATABASE tenant_a OWNER app'" +
                            " -c 'CREATE DATABASE tenant_b OWNER app'";
  const std::string superuser = "PGPASSWORD=$(cat " + quote(dir_ + "/superuser.pw") + ") " +
                                kPgBin + "/psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
                                pg_port_ + " -U postgres ";
  for (const std::string& step :
       {superuser + "-d postgres -c " + setup,
        superuser + "-d tenant_a -c " +
            quote(
                "SET ROLE app; CREATE TABLE marker(v text); INSERT INTO marker VALUES ('parent')"),
        superuser + "-d tenant_b -c " +
            quote("SET ROLE app; CREATE TABLE marker(v text); INSERT INTO marker VALUES "
                  "('parent')")}) {
    if (run("bash -c " + quote(step) + " 2>&1", out) != 0) {
      throw std::runtime_error("neon fixture: parent setup failed: " + out);
    }
  }
}

void NeonEmulator::start_emulator() {
  project_id_ = "pgfleet-emu-" + random_hex(3);
  const nlohmann::json config = {
      {"hosts_file", hosts_file_},
      {"work_dir", dir_ + "/branches"},
      {"pg_bin", kPgBin},
      {"polls_to_finish", 2},
      {"seconds_to_finish", 2.0},
      {"projects",
       {{{"id", project_id_},
         {"proxy_host", "c-1.us-east-2.emu.neon.test"},
         {"parent",
          {{"host", "127.0.0.1"}, {"port", std::stoi(pg_port_)}, {"superuser", "postgres"}}},
         {"roles", {{{"name", "app"}, {"password", app_password_}}}},
         {"databases",
          {{{"name", "tenant_a"}, {"owner_name", "app"}},
           {{"name", "tenant_b"}, {"owner_name", "app"}}}}}}}};
  write_secret_file(dir_ + "/emulator.json", config.dump(2));
  const std::string ready = dir_ + "/ready.json";
  const std::string script = std::string(PGFLEET_SOURCE_DIR) + "/tests/neon_emulator/emulator.py";
  const std::string log = dir_ + "/emulator.log";
  const std::string config_path = dir_ + "/emulator.json";
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::setenv("NEON_EMULATOR_API_KEY", api_key_.c_str(), 1);
    ::setenv("NEON_EMULATOR_PGPASSWORD", superuser_password_.c_str(), 1);
    FILE* out = std::freopen(log.c_str(), "w", stderr);
    (void)out;
    ::dup2(2, 1);
    ::execlp("python3", "python3", script.c_str(), "--config", config_path.c_str(), "--ready-file",
             ready.c_str(), "--exit-with-parent", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  emulator_pid_ = pid;
  for (int i = 0; i < 300 && !fs::exists(ready); ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      emulator_pid_ = -1;
      throw std::runtime_error("neon fixture: the emulator exited: " + read_file(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!fs::exists(ready)) throw std::runtime_error("neon fixture: the emulator did not start");
  const auto info = nlohmann::json::parse(read_file(ready));
  api_base_ = info.at("api_base");
  const auto& project = info.at("projects").at(project_id_);
  endpoint_host_ = project.at("endpoint_host");
  pooler_host_ = project.at("pooler_host");
}

void NeonEmulator::stop() {
  if (emulator_pid_ > 0) {
    ::kill(emulator_pid_, SIGTERM);
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 1200 && !exited; ++i) {  // it stops every branch cluster first
      exited = ::waitpid(emulator_pid_, &status, WNOHANG) == emulator_pid_;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!exited) {
      ::kill(emulator_pid_, SIGKILL);
      ::waitpid(emulator_pid_, &status, 0);
    }
    emulator_pid_ = -1;
  }
  std::string out;
  if (!parent_dir_.empty()) {
    run(std::string("runuser -u postgres -- ") + kPgBin + "/pg_ctl -D " +
            quote(parent_dir_ + "/data") + " -m fast -w stop >/dev/null 2>&1",
        out);
    fs::remove_all(parent_dir_);
    parent_dir_.clear();
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    dir_.clear();
  }
}

std::string NeonEmulator::parent_dsn(const std::string& db, ParentHost form) const {
  const std::string& host = form == ParentHost::direct ? endpoint_host_ : pooler_host_;
  return "postgresql://app:" + util::percent_encode(app_password_) + "@" + host + ":" + pg_port_ +
         "/" + db + "?connect_timeout=10&application_name=neon-it";
}

std::string NeonEmulator::resolver_env() const {
  return "LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_HOSTS=" + quote(hosts_file_);
}

std::string NeonEmulator::psql(const std::string& dsn, const std::string& sql) const {
  std::string out;
  const std::string err = dir_ + "/psql.err";
  const int status =
      run("env " + resolver_env() + " " + kPgBin + "/psql -X -q -A -t -v ON_ERROR_STOP=1 -d " +
              quote(dsn) + " -c " + quote(sql) + " 2>" + quote(err),
          out);
  if (status != 0) throw std::runtime_error("psql failed: " + read_file(err));
  return out;
}

std::string NeonEmulator::parent_superuser_psql(const std::string& db,
                                                const std::string& sql) const {
  std::string out;
  const std::string err = dir_ + "/psql-superuser.err";
  const int status =
      run("PGPASSWORD=$(cat " + quote(dir_ + "/superuser.pw") + ") " + kPgBin +
              "/psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + pg_port_ +
              " -U postgres -d " + quote(db) + " -c " + quote(sql) + " 2>" + quote(err),
          out);
  if (status != 0) throw std::runtime_error("psql (superuser) failed: " + read_file(err));
  return out;
}

std::shared_ptr<neon::NeonClient> NeonEmulator::client(neon::NeonLog log) const {
  neon::NeonClientOptions options;
  options.api_base = api_base_;
  options.api_key = api_key_;
  options.poll_interval = std::chrono::milliseconds(200);
  options.backoff_base = std::chrono::milliseconds(50);
  options.backoff_cap = std::chrono::milliseconds(1000);
  options.call_deadline = std::chrono::milliseconds(60000);
  options.operations_deadline = std::chrono::milliseconds(120000);
  return std::make_shared<neon::NeonClient>(options, neon::make_curl_transport(),
                                            std::make_shared<util::SystemClock>(), std::move(log));
}

nlohmann::json NeonEmulator::control(const std::string& method, const std::string& path,
                                     const nlohmann::json& body) const {
  static auto transport = neon::make_curl_transport();
  neon::HttpRequest request;
  request.method = method == "GET" ? neon::HttpMethod::get : neon::HttpMethod::post;
  request.url = api_base_.substr(0, api_base_.find("/api/v2")) + path;
  if (!body.is_null()) {
    request.body = body.dump();
    request.headers = {{"Content-Type", "application/json"}};
  }
  const auto response = transport->send(request);
  if (response.status != 200) {
    throw std::runtime_error("emulator control " + path + ": " + std::to_string(response.status) +
                             " " + response.body);
  }
  return nlohmann::json::parse(response.body);
}

void NeonEmulator::reset() const { control("POST", "/__emulator/reset", nlohmann::json::object()); }

void NeonEmulator::add_fault(const nlohmann::json& fault) const {
  control("POST", "/__emulator/faults", fault);
}

nlohmann::json NeonEmulator::requests(const std::string& route) const {
  return control("GET", "/__emulator/requests" + (route.empty() ? "" : "?route=" + route), nullptr)
      .at("requests");
}

nlohmann::json NeonEmulator::state() const {
  return control("GET", "/__emulator/state", nullptr).at(project_id_);
}

void NeonEmulator::configure(const nlohmann::json& settings) const {
  control("POST", "/__emulator/config", settings);
}

void NeonEmulator::advance() const {
  control("POST", "/__emulator/advance", nlohmann::json::object());
}

}  // namespace pgfleet::test
