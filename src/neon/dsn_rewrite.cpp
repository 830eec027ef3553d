#include "pgfleet/neon/dsn_rewrite.hpp"

#include <algorithm>
#include <sstream>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/util/ascii_text.hpp"

namespace pgfleet::neon {
namespace {

// Host names compare case-insensitively, and "name." is "name".
std::string normalized_host(const std::string& name) {
  std::string host = util::to_lower(name);
  while (!host.empty() && host.back() == '.') host.pop_back();
  return host;
}

bool contains_host(const std::vector<std::string>& hosts, const std::string& host) {
  const std::string wanted = normalized_host(host);
  return std::any_of(hosts.begin(), hosts.end(),
                     [&](const std::string& h) { return normalized_host(h) == wanted; });
}

DsnRewrite refuse(std::string reason) {
  DsnRewrite result;
  result.status = RewriteStatus::refused;
  result.reason = std::move(reason);
  return result;
}

// Rewrites Neon's `endpoint=<id>` routing hint in libpq `options` (the SNI workaround); the
// Neon proxy would route by it whatever the host says. Returns false if it names another
// endpoint.
bool rewrite_endpoint_hint(std::string& options, const BranchHosts& hosts) {
  std::istringstream tokens(options);
  std::string token;
  std::string rewritten;
  bool changed = false;
  while (tokens >> token) {
    if (token.rfind("endpoint=", 0) == 0) {
      const std::string id = normalized_host(token.substr(9));
      if (!contains_host(hosts.parent_endpoint_ids, id)) return false;
      token = "endpoint=" + hosts.branch_endpoint_id;
      changed = true;
    }
    if (!rewritten.empty()) rewritten += ' ';
    rewritten += token;
  }
  if (changed) options = rewritten;
  return true;
}

}  // namespace

DsnRewrite rewrite_for_branch(const std::string& connection_string, const BranchHosts& hosts) {
  try {
    return rewrite_for_branch(ConnInfo::parse(connection_string), hosts);
  } catch (const ConnInfoError& error) {
    DsnRewrite result;
    result.status = RewriteStatus::unparsable;
    result.reason = error.what();  // ConnInfoError never holds the password
    return result;
  }
}

DsnRewrite rewrite_for_branch(const ConnInfo& conninfo, const BranchHosts& hosts) {
  std::optional<ConnInfo> info = conninfo;
  const std::string host = info->get("host").value_or("");
  if (host.find(',') != std::string::npos) {
    return refuse("several hosts in the connection string; preflight needs exactly one");
  }
  if (info->get("hostaddr").has_value()) {
    return refuse("the connection string sets hostaddr, which would bypass the branch host");
  }
  if (info->get("service").has_value()) {
    return refuse("the connection string names a service, which could supply another host");
  }
  if (host.empty() || !contains_host(hosts.parent_hosts, host)) {
    return refuse("host " + (host.empty() ? std::string("(none)") : host) +
                  " is not an endpoint of the Neon parent branch");
  }
  if (auto password = info->password(); password && password->rfind("endpoint=", 0) == 0) {
    return refuse("the password carries a Neon endpoint hint, which preflight cannot rewrite");
  }
  if (auto options = info->get("options")) {
    std::string rewritten = *options;
    if (!rewrite_endpoint_hint(rewritten, hosts)) {
      return refuse("options name a Neon endpoint that is not on the parent branch");
    }
    if (rewritten != *options) info->set("options", rewritten);
  }
  info->set_host(hosts.branch_host);
  DsnRewrite result;
  result.status = RewriteStatus::rewritten;
  result.connection_string = info->to_libpq();
  result.conninfo = std::move(*info);
  return result;
}

}  // namespace pgfleet::neon
