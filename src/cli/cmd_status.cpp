// pgfleet status: a read-only census of the fleet (tenants per version, dirty, drift, unreachable).
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "ledger_status.hpp"
#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_command.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/results/outcome_json.hpp"

namespace pgfleet::cli {
namespace {

// Counts tenants per version and lists the ones that need a human.
class Census : public Reporter {
 public:
  void tenant_finished(const TenantOutcome& o) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++total_;
    if (is_ok(o.status)) {
      ++per_version_[o.from_version.value_or(0)];
      if (o.status == TenantStatus::pending) ++behind_;
    } else {
      // Tenant ids and server messages may hold any bytes: never print them raw.
      problems_[to_string(o.status)].push_back(
          printable_line(o.tenant_id + ": " + describe_problem(o)));
    }
  }

  void print_text(std::ostream& out, Version latest) const {
    out << fmt::format("{} tenant(s); latest migration {}\n", total_, latest);
    out << "version          tenants\n";
    for (auto it = per_version_.rbegin(); it != per_version_.rend(); ++it) {
      const std::string label = it->first == 0 ? "none" : std::to_string(it->first);
      out << fmt::format("{:<16} {:>7}{}\n", label, it->second,
                         it->first == latest ? "  (latest)" : "");
    }
    for (const auto& [status, lines] : problems_) {
      out << fmt::format("{:<16} {:>7}\n", status, lines.size());
      for (const auto& line : lines) out << "    " << line << "\n";
    }
  }

  nlohmann::json to_json(Version latest) const {
    nlohmann::json j;
    j["tenants"] = total_;
    j["latest"] = latest;
    j["behind"] = behind_;
    for (const auto& [version, count] : per_version_)
      j["versions"][std::to_string(version)] = count;
    for (const auto& [status, lines] : problems_) j["problems"][status] = lines;
    return j;
  }

 private:
  std::mutex mutex_;
  int total_ = 0, behind_ = 0;
  std::map<Version, int> per_version_;
  std::map<std::string, std::vector<std::string>> problems_;
};

}  // namespace

int cmd_status(const Options& o) {
  if (!o.run_id.empty()) return ledger_status(o);
  const MigrationSet migrations = load_migrations(o);
  auto census = std::make_shared<Census>();
  FleetJob job;
  job.command = Command::status;
  job.run = [](TenantRunner& r, const Tenant& t, const Connector& c) { return r.plan(t, c); };
  job.observer = census;
  // Like plan, status writes a results directory (summary.json, tenants.jsonl, report.html);
  // the census itself goes to stdout.
  const int exit_code = run_fleet(o, migrations, load_fleet(o), job);
  if (o.log_format == "json") {
    std::cout << census->to_json(migrations.latest())
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    census->print_text(std::cout, migrations.latest());
  }
  return exit_code;
}

}  // namespace pgfleet::cli
