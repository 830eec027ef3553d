#include "pgfleet/fleet/tenant_sources.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/util/ascii_text.hpp"
#include "pgfleet/util/utf8.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

bool has_control_character(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::string column_list(const QueryResult& r) {
  std::string out;
  for (const auto& c : r.columns) out += (out.empty() ? "" : ", ") + c;
  return out.empty() ? "none" : out;
}

// nlohmann's message quotes the input near the error ("last read: ..."), which may be a
// password: keep only the description of what is wrong.
std::string describe_parse_error(const std::string& what) {
  std::string text = what;
  const auto column = text.find("column ");
  if (column != std::string::npos) {
    const auto colon = text.find(": ", column);
    if (colon != std::string::npos) text = text.substr(colon + 2);
  }
  const auto last_read = text.find("; last read");
  if (last_read != std::string::npos) text = text.substr(0, last_read);
  return text;
}

// A string value of a tenant object (absent or null: nullopt). Returns false for another type.
bool read_text(const json& obj, const char* key, std::optional<std::string>& out) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

// The id may also be an integer (ids are often serial numbers); it is printed in decimal.
bool read_id(const json& obj, std::optional<std::string>& out) {
  const auto it = obj.find("id");
  if (it != obj.end() && it->is_number_integer()) {
    out = it->dump();
    return true;
  }
  return read_text(obj, "id", out);
}

// Keys and columns that describe the tenant itself; every other one is a variable.
bool is_tenant_field(const std::string& key) {
  return key == "id" || key == "connection_string" || key == "dsn" || key == "schema" ||
         key == "neon_project_id";
}

Tenant tenant_from_object(const json& obj) {
  Tenant t;
  std::optional<std::string> id, conn, dsn, schema, project;
  if (!read_id(obj, id)) t.invalid_reason = "`id` must be a string";
  if (!read_text(obj, "connection_string", conn) || !read_text(obj, "dsn", dsn)) {
    t.invalid_reason = "`connection_string` must be a string";
  }
  if (!read_text(obj, "schema", schema)) t.invalid_reason = "`schema` must be a string";
  if (!read_text(obj, "neon_project_id", project)) {
    t.invalid_reason = "`neon_project_id` must be a string";
  }
  t.id = id.value_or("");
  t.connection_string = conn ? *conn : dsn.value_or("");
  if (schema && !schema->empty()) t.schema = schema;
  if (project && !project->empty()) t.neon_project_id = project;
  for (const auto& [key, value] : obj.items()) {
    if (!is_tenant_field(key) && value.is_string()) t.vars[key] = value.get<std::string>();
  }
  return t;
}

std::vector<Tenant> tenants_from_array(const std::string& text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    const std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
    throw TenantSourceError(source + ":" + std::to_string(util::line_at_byte(text, at)) +
                            ": not valid JSON: " + describe_parse_error(e.what()));
  }
  std::vector<Tenant> tenants;
  std::size_t index = 0;
  for (const auto& element : doc) {
    ++index;
    if (!element.is_object()) {
      throw TenantSourceError(source + ": element " + std::to_string(index) +
                              " of the array is not an object");
    }
    tenants.push_back(tenant_from_object(element));
  }
  return tenants;
}

std::vector<Tenant> tenants_from_lines(const std::string& text, const std::string& source) {
  std::vector<Tenant> tenants;
  std::size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (util::trim(line, util::kWhitespace).empty()) continue;
    const std::string where = source + ":" + std::to_string(line_number);
    json obj;
    try {
      obj = json::parse(line);
    } catch (const json::parse_error& e) {
      throw TenantSourceError(where + ": not valid JSON: " + describe_parse_error(e.what()));
    }
    if (!obj.is_object()) throw TenantSourceError(where + ": expected a JSON object per line");
    tenants.push_back(tenant_from_object(obj));
  }
  return tenants;
}

// Why this row cannot run, or "" when it can. `copies` is how often its id occurs. Parses the
// connection string into t.conninfo, the one parse of it a run makes.
std::string problem_with(Tenant& t, int copies) {
  if (util::trim(t.id, util::kWhitespace).empty()) return "empty id";
  if (has_control_character(t.id)) return "id contains a control character";
  if (copies > 1) {
    return "duplicate id: appears " + std::to_string(copies) + " times in the tenant list";
  }
  if (util::trim(t.connection_string, util::kWhitespace).empty()) return "empty connection string";
  try {
    if (!t.conninfo) t.conninfo = ConnInfo::parse(t.connection_string);
  } catch (const ConnInfoError& e) {
    return e.what();  // says "connection string ..." and never the password
  }
  if (t.schema && !is_valid_schema_name(*t.schema)) {
    return "schema name must match [A-Za-z_][A-Za-z0-9_$]*, be at most 63 bytes and not start "
           "with pg_";
  }
  return {};
}

// Where a valid tenant's history lives: host:port/database[/schema] (host case-insensitive; no
// dbname means the user name, as in libpq).
std::string database_of(const Tenant& t) {
  const ConnInfo& info = *t.conninfo;  // set by problem_with for every valid tenant
  const std::string host = util::to_lower(info.host());
  const std::string db = info.dbname().empty() ? info.user() : info.dbname();
  return host + ":" + info.port() + "/" + db + (t.schema ? "/" + *t.schema : "");
}

}  // namespace

std::vector<Tenant> load_tenants_from_control_plane(Session& control_plane,
                                                    const std::string& query,
                                                    const std::optional<std::string>& key) {
  QueryResult result;
  try {
    result = key ? control_plane.exec_with_param(query, *key) : control_plane.exec(query);
  } catch (const DbError& e) {
    std::string text = "tenant query failed: " + std::string(e.what());
    if (!e.detail().empty()) text += " (" + e.detail() + ")";
    if (key && !key->empty()) text = redact_secrets(text, {*key});
    throw TenantSourceError(text);
  }
  const int id_col = result.column("id");
  int conn_col = result.column("connection_string");
  if (conn_col < 0) conn_col = result.column("dsn");
  if (id_col < 0 || conn_col < 0) {
    throw TenantSourceError(std::string("tenant query must return the columns `id` and "
                                        "`connection_string` (or `dsn`); it returned: ") +
                            column_list(result));
  }
  const int schema_col = result.column("schema");
  const int project_col = result.column("neon_project_id");
  const auto cell = [](const std::vector<std::optional<std::string>>& row, int col) {
    return col >= 0 && static_cast<std::size_t>(col) < row.size() ? row[col] : std::nullopt;
  };
  std::vector<Tenant> tenants;
  tenants.reserve(result.rows.size());
  for (const auto& row : result.rows) {
    Tenant t;
    t.id = cell(row, id_col).value_or("");
    t.connection_string = cell(row, conn_col).value_or("");
    const auto schema = cell(row, schema_col);
    if (schema && !schema->empty()) t.schema = schema;
    const auto project = cell(row, project_col);
    if (project && !project->empty()) t.neon_project_id = project;
    for (std::size_t col = 0; col < result.columns.size(); ++col) {
      const auto value = cell(row, static_cast<int>(col));
      if (value && !is_tenant_field(result.columns[col])) t.vars[result.columns[col]] = *value;
    }
    tenants.push_back(std::move(t));
  }
  return tenants;
}

std::vector<Tenant> load_tenants_from_json(std::istream& in, const std::string& source_name) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw TenantSourceError(source_name + ": could not be read");
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // UTF-8 BOM
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  if (text[first] == '[') return tenants_from_array(text, source_name);
  return tenants_from_lines(text, source_name);
}

Tenant tenant_from_dsn(const std::string& dsn) {
  Tenant t;
  t.connection_string = dsn;
  try {
    t.conninfo = ConnInfo::parse(dsn);
    t.id = !t.conninfo->dbname().empty() ? t.conninfo->dbname() : t.conninfo->user();
    if (t.id.empty()) t.invalid_reason = "--dsn names no database";
  } catch (const ConnInfoError& e) {
    t.invalid_reason = e.what();  // says "connection string ..." and never the password
  }
  return t;
}

bool is_valid_schema_name(const std::string& schema) {
  if (schema.empty() || schema.size() > 63) return false;
  if (schema.rfind("pg_", 0) == 0) return false;
  const auto letter = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!letter(schema[0])) return false;
  return std::all_of(schema.begin(), schema.end(),
                     [&](char c) { return letter(c) || digit(c) || c == '$'; });
}

void validate_tenants(std::vector<Tenant>& tenants) {
  std::unordered_map<std::string, int> copies;
  for (const auto& t : tenants) ++copies[t.id];
  for (auto& t : tenants) {
    if (!t.invalid_reason.empty()) continue;
    t.invalid_reason = problem_with(t, copies[t.id]);
  }
  // A second tenant on the same database (and schema) would run the same migrations on the same
  // history table as the first one: the first keeps it, the others are invalid.
  std::unordered_map<std::string, std::string> first_tenant_on;
  for (auto& t : tenants) {
    if (!t.invalid_reason.empty()) continue;
    const std::string database = database_of(t);
    const auto [first, inserted] = first_tenant_on.emplace(database, t.id);
    if (!inserted) {
      t.invalid_reason = "same database as tenant " + first->second + " (" + database + ")";
    }
  }
}

}  // namespace pgfleet
