#include "pgfleet/results/tenants_jsonl_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include "pgfleet/results/outcome_reading.hpp"
#include "pgfleet/results/run_directory.hpp"

namespace pgfleet {
namespace {

// The whole file, "" when it does not exist.
std::string read_all(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return {};
    throw ResultsError("cannot read " + path + ": " + std::strerror(errno));
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

TenantsJsonl read_tenants_jsonl(const std::string& path) {
  TenantsFile parsed = parse_tenants_jsonl(read_all(path));
  TenantsJsonl file;
  for (auto& outcome : parsed.tenants) file.last_outcomes[outcome.tenant_id] = std::move(outcome);
  file.damaged_lines = std::move(parsed.damaged_lines);
  return file;
}

std::size_t compact_tenants_jsonl(const std::string& path,
                                  const std::set<std::string>& resumed_ids) {
  const std::string text = read_all(path);
  const std::vector<std::string> lines = lines_of(text);
  std::vector<std::optional<std::string>> ids(lines.size());
  std::map<std::string, std::size_t> last;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto outcome = lines[i].empty() ? std::nullopt : outcome_from_json_line(lines[i]);
    if (outcome && resumed_ids.count(outcome->tenant_id) != 0) {
      ids[i] = outcome->tenant_id;
      last[outcome->tenant_id] = i;
    }
  }
  std::string kept;
  std::size_t removed = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    if (ids[i] && last[*ids[i]] != i) {
      ++removed;
      continue;
    }
    kept += lines[i] + "\n";
  }
  if (kept != text) write_file_atomically(path, kept);
  return removed;
}

}  // namespace pgfleet
