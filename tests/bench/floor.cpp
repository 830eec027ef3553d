// The benchmark's floor: the least work any tool could do to migrate a fleet with libpq.
// Per tenant: one connection, every transactional migration plus one history insert sent as a
// single PQexec in one transaction, then the statements of `no-transaction` migrations one by
// one (they cannot run in a transaction block). No locking, no drift check, no retries, no
// per-migration bookkeeping: a lower bound to compare pgfleet against, not a tool.
//
//   bench_floor --tenants FILE --migrations DIR [--concurrency P]
//
// FILE holds one libpq connection string per line (passwords come from PGPASSFILE or
// PGPASSWORD, never from the command line). Prints one JSON line with the counts and wall time.
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct FloorMigration {
  long long version = 0;
  std::string name;
  std::string sql;
  bool no_transaction = false;
};

struct FloorOptions {
  std::string tenants_file;
  std::string migrations_dir;
  int concurrency = 1;
};

// What one tenant needs sent: the transactional script, then the out-of-transaction statements.
struct FloorPlan {
  std::string transaction_sql;
  std::vector<std::string> standalone_statements;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  std::string sql = text.str();
  if (sql.rfind("\xEF\xBB\xBF", 0) == 0) sql.erase(0, 3);
  return sql;
}

std::string sql_literal(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c;
    if (c == '\'') quoted += '\'';
  }
  return quoted + "'";
}

std::vector<FloorMigration> load_migrations(const std::string& dir) {
  std::vector<FloorMigration> migrations;
  const std::string suffix = ".up.sql";
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (file.size() <= suffix.size() ||
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string stem = file.substr(0, file.size() - suffix.size());
    const std::size_t underscore = stem.find('_');
    if (underscore == std::string::npos) throw std::runtime_error("bad migration name " + file);
    FloorMigration migration;
    migration.version = std::stoll(stem.substr(0, underscore));
    migration.name = stem.substr(underscore + 1);
    migration.sql = read_file(entry.path());
    migration.no_transaction =
        migration.sql.find("-- pgfleet: no-transaction") != std::string::npos;
    migrations.push_back(std::move(migration));
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const FloorMigration& a, const FloorMigration& b) { return a.version < b.version; });
  if (migrations.empty()) throw std::runtime_error("no .up.sql files in " + dir);
  return migrations;
}

// Splits a no-transaction file at semicolons that end a line. Good enough for the example set
// (plain DDL); pgfleet itself uses a real SQL splitter.
std::vector<std::string> split_simple_statements(const std::string& sql) {
  std::vector<std::string> statements;
  std::string current;
  std::istringstream lines(sql);
  std::string line;
  while (std::getline(lines, line)) {
    const std::size_t code = line.find_first_not_of(" \t");
    if (code == std::string::npos || line.compare(code, 2, "--") == 0) continue;
    current += line + "\n";
    const std::size_t last = line.find_last_not_of(" \t\r");
    if (last != std::string::npos && line[last] == ';') {
      statements.push_back(current);
      current.clear();
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) statements.push_back(current);
  return statements;
}

FloorPlan make_plan(const std::vector<FloorMigration>& migrations) {
  FloorPlan plan;
  std::string history_rows;
  plan.transaction_sql =
      "BEGIN;\n"
      "CREATE SCHEMA IF NOT EXISTS pgfleet;\n"
      "CREATE TABLE IF NOT EXISTS pgfleet.schema_migrations (version bigint PRIMARY KEY, name text,"
      " checksum text, state text, applied_at timestamptz, duration_ms integer, run_id text,"
      " applied_by text);\n";
  for (const FloorMigration& migration : migrations) {
    if (migration.no_transaction) {
      for (std::string& statement : split_simple_statements(migration.sql)) {
        plan.standalone_statements.push_back(std::move(statement));
      }
    } else {
      plan.transaction_sql += migration.sql + "\n;\n";
    }
    if (!history_rows.empty()) history_rows += ",\n";
    history_rows += "(" + std::to_string(migration.version) + ", " + sql_literal(migration.name) +
                    ", 'floor', 'applied', now(), 0, 'floor', current_user)";
  }
  plan.transaction_sql +=
      "INSERT INTO pgfleet.schema_migrations VALUES\n" + history_rows + ";\nCOMMIT;\n";
  return plan;
}

std::vector<std::string> read_tenants(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> tenants;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) tenants.push_back(line);
  }
  return tenants;
}

// Runs one SQL string; returns "" or the server's error message.
std::string exec(PGconn* conn, const std::string& sql) {
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  std::string error;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = PQresultErrorMessage(result);
  PQclear(result);
  return error;
}

// Migrates one tenant; returns "" or what went wrong.
std::string migrate_tenant(const std::string& conninfo, const FloorPlan& plan) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string error;
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);  // IF NOT EXISTS notices
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    error = exec(conn, plan.transaction_sql);
    for (const std::string& statement : plan.standalone_statements) {
      if (!error.empty()) break;
      error = exec(conn, statement);
    }
  }
  PQfinish(conn);
  return error;
}

FloorOptions parse_options(int argc, char** argv) {
  FloorOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--tenants") {
      options.tenants_file = value;
    } else if (flag == "--migrations") {
      options.migrations_dir = value;
    } else if (flag == "--concurrency") {
      options.concurrency = std::max(1, std::stoi(value));
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  if (options.tenants_file.empty() || options.migrations_dir.empty()) {
    throw std::invalid_argument(
        "usage: bench_floor --tenants FILE --migrations DIR [--concurrency P]");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const FloorOptions options = parse_options(argc, argv);
    const FloorPlan plan = make_plan(load_migrations(options.migrations_dir));
    const std::vector<std::string> tenants = read_tenants(options.tenants_file);

    std::atomic<std::size_t> next{0};
    std::atomic<int> failed{0};
    std::mutex error_output;
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int w = 0; w < options.concurrency; ++w) {
      workers.emplace_back([&] {
        for (std::size_t i = next++; i < tenants.size(); i = next++) {
          const std::string error = migrate_tenant(tenants[i], plan);
          if (error.empty()) continue;
          ++failed;
          std::lock_guard<std::mutex> lock(error_output);
          std::cerr << "bench_floor: tenant " << i + 1 << ": " << error;
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    std::printf("{\"tenants\": %zu, \"failed\": %d, \"concurrency\": %d, \"seconds\": %.3f}\n",
                tenants.size(), failed.load(), options.concurrency, seconds);
    return failed.load() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "bench_floor: " << e.what() << "\n";
    return 2;
  }
}
