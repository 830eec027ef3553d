#include "cli_support.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "fleet_fixture.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;

namespace pgfleet::test {

void Workspace::migration(const std::string& name, const std::string& text) const {
  write_file(migrations + "/" + name, text);
}

void Workspace::remove_migration(const std::string& name) const {
  fs::remove(migrations + "/" + name);
}

std::string Workspace::results(const std::string& step) const { return dir + "/results-" + step; }

Workspace make_workspace(const std::string& prefix) {
  Workspace w;
  w.dir = temp_dir(prefix);
  w.migrations = w.dir + "/migrations";
  fs::create_directories(w.migrations);
  return w;
}

void write_file(const std::string& path, const std::string& text) {
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string sh_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

CliRun run_cli(const std::string& args, const std::string& cwd, const std::string& env) {
  const std::string err_path = temp_dir("pgfleet-stderr") + "/stderr";
  // stdin from /dev/null: never a terminal, so no confirmation prompt can hang a test.
  const std::string command = "cd " + sh_quote(cwd) + " && " + (env.empty() ? "" : env + " ") +
                              sh_quote(PGFLEET_BINARY) + " " + args + " </dev/null 2>" +
                              sh_quote(err_path);
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + std::string(PGFLEET_BINARY));
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  if (status == -1) throw std::runtime_error("cannot wait for " + std::string(PGFLEET_BINARY));
  run.code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  run.err = read_text(err_path);
  return run;
}

std::string only_run_dir(const std::string& results_dir) {
  std::vector<std::string> dirs;
  for (const auto& entry : fs::directory_iterator(results_dir)) {
    if (entry.is_directory()) dirs.push_back(entry.path().string());
  }
  if (dirs.size() != 1) {
    throw std::runtime_error(std::to_string(dirs.size()) + " run directories in " + results_dir +
                             ", expected exactly one");
  }
  return dirs.front();
}

std::string run_id_of(const std::string& run_dir) { return fs::path(run_dir).filename().string(); }

std::vector<nlohmann::json> tenant_lines(const std::string& run_dir) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(read_text(run_dir + "/tenants.jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

nlohmann::json tenant_record(const std::string& run_dir, const std::string& tenant_id) {
  std::vector<nlohmann::json> found;
  for (auto& line : tenant_lines(run_dir)) {
    if (line.value("tenant_id", "") == tenant_id) found.push_back(std::move(line));
  }
  if (found.size() != 1) {
    throw std::runtime_error(std::to_string(found.size()) + " records of tenant " + tenant_id +
                             " in " + run_dir + "/tenants.jsonl, expected exactly one");
  }
  return found.front();
}

bool history_table_exists(const std::string& db) {
  return scalar(db, "SELECT to_regclass('pgfleet.schema_migrations') IS NOT NULL") == "t";
}

std::vector<long long> history_versions(const std::string& db) {
  if (!history_table_exists(db)) return {};
  const QueryResult r = query(db, "SELECT version FROM pgfleet.schema_migrations ORDER BY 1");
  std::vector<long long> versions;
  for (const auto& row : r.rows) versions.push_back(std::stoll(*row[0]));
  return versions;
}

bool valid_index_exists(const std::string& db, const std::string& name) {
  return scalar(db,
                "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = '" +
                    name + "' AND i.indisvalid") == "1";
}

std::string tenants_file(const Workspace& ws, const nlohmann::json& rows) {
  const std::string path = ws.dir + "/tenants.json";
  write_file(path, rows.dump());
  return path;
}

std::string apply_args(const Workspace& ws, const std::string& tenant_flags) {
  return "apply " + tenant_flags + " --migrations " + sh_quote(ws.migrations) + " --results-dir " +
         sh_quote(ws.results("r")) + " --yes";
}

std::string apply_over_tenants_file(const Workspace& ws, const std::string& tenants,
                                    const std::string& results) {
  return "apply --yes --migrations " + sh_quote(ws.migrations) + " --tenants " + sh_quote(tenants) +
         " --results-dir " + sh_quote(results);
}

}  // namespace pgfleet::test
