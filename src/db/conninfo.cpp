#include "pgfleet/db/conninfo.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <string_view>

#include "pgfleet/util/percent_encoding.hpp"

namespace pgfleet {
namespace {

// The connection keywords of libpq 15 (what PQconnectdb accepts). Anything else is refused
// here rather than by libpq, so that the error message is ours and carries no secret.
const std::set<std::string>& known_keywords() {
  static const std::set<std::string> keywords = [] {
    const std::string list =
        "host hostaddr port dbname user password passfile channel_binding connect_timeout "
        "client_encoding options application_name fallback_application_name keepalives "
        "keepalives_idle keepalives_interval keepalives_count tcp_user_timeout replication "
        "gssencmode sslmode sslcompression sslcert sslkey sslpassword sslrootcert "
        "sslcrl sslcrldir sslsni requirepeer ssl_min_protocol_version ssl_max_protocol_version "
        "krbsrvname gsslib service target_session_attrs";
    std::set<std::string> out;
    for (std::size_t start = 0; start < list.size();) {
      const std::size_t space = std::min(list.find(' ', start), list.size());
      out.insert(list.substr(start, space - start));
      start = space + 1;
    }
    return out;
  }();
  return keywords;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string at_offset(std::size_t offset) {
  return " (at character " + std::to_string(offset + 1) + ")";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes (libpq does not treat '+' as a space). Throws on a bad escape or %00.
std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0 || (high == 0 && low == 0)) {
      throw ConnInfoError("connection URI has an invalid percent escape");
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// A value as libpq's key=value syntax wants it: single-quoted, with \ and ' escaped.
std::string libpq_quote(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string first_of_list(const std::string& list) { return list.substr(0, list.find(',')); }

// What parsing produced: the keywords, and the password exactly as it was written.
struct Parsed {
  std::map<std::string, std::string> params;
  std::string password_as_written;
};

void store(Parsed& parsed, std::string keyword, std::string value, std::size_t offset) {
  if (keyword == "ssl") {  // libpq's URI alias
    if (value != "true")
      throw ConnInfoError("connection URI: ssl must be 'true'" + at_offset(offset));
    keyword = "sslmode";
    value = "require";
  }
  if (known_keywords().count(keyword) == 0) {
    // The keyword itself is not echoed: in a mangled string it may be a piece of the password.
    throw ConnInfoError("connection string has an unknown keyword" + at_offset(offset));
  }
  parsed.params[keyword] = std::move(value);
}

// `key=value key='quoted \' value'` as libpq reads it.
Parsed parse_key_values(const std::string& text) {
  Parsed parsed;
  std::size_t i = 0;
  const auto skip_spaces = [&] {
    while (i < text.size() && is_space(text[i])) ++i;
  };
  for (skip_spaces(); i < text.size(); skip_spaces()) {
    const std::size_t key_start = i;
    while (i < text.size() && !is_space(text[i]) && text[i] != '=') ++i;
    std::string keyword = text.substr(key_start, i - key_start);
    skip_spaces();
    if (i >= text.size() || text[i] != '=') {
      throw ConnInfoError("connection string: expected '=' after a keyword" + at_offset(key_start));
    }
    ++i;
    skip_spaces();
    const std::size_t value_start = i;
    std::string value;
    if (i < text.size() && text[i] == '\'') {
      for (++i;; ++i) {
        if (i >= text.size()) {
          throw ConnInfoError("connection string has an unterminated quoted value" +
                              at_offset(value_start));
        }
        if (text[i] == '\'') break;
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i];
      }
      ++i;
    } else {
      for (; i < text.size() && !is_space(text[i]); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i];
      }
    }
    if (keyword == "password")
      parsed.password_as_written = text.substr(value_start, i - value_start);
    store(parsed, std::move(keyword), std::move(value), key_start);
  }
  return parsed;
}

// The `host[:port],host[:port]` part of a URI into libpq's host and port lists.
void parse_host_list(const std::string& hostspec, std::size_t offset, Parsed& parsed) {
  if (hostspec.empty()) return;
  std::string hosts, ports;
  bool any_port = false;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = hostspec.find(',', start);
    const std::string entry =
        hostspec.substr(start, comma == std::string::npos ? comma : comma - start);
    std::string host, port;
    if (!entry.empty() && entry[0] == '[') {
      const std::size_t close = entry.find(']');
      if (close == std::string::npos) {
        throw ConnInfoError("connection URI has an unterminated IPv6 address" + at_offset(offset));
      }
      host = entry.substr(1, close - 1);
      const std::string after = entry.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') {
          throw ConnInfoError("connection URI: unexpected text after an IPv6 address" +
                              at_offset(offset));
        }
        port = after.substr(1);
      }
    } else {
      const std::size_t colon = entry.find(':');
      host = percent_decode(entry.substr(0, colon));
      if (colon != std::string::npos) port = entry.substr(colon + 1);
    }
    port = percent_decode(port);
    any_port = any_port || !port.empty();
    hosts += (start == 0 ? "" : ",") + host;
    ports += (start == 0 ? "" : ",") + port;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  parsed.params["host"] = hosts;
  if (any_port) parsed.params["port"] = ports;
}

// `postgres[ql]://[user[:password]@][host[:port],...][/dbname][?key=value&...]`.
Parsed parse_uri(const std::string& text, std::size_t scheme_length) {
  Parsed parsed;
  const std::string rest = text.substr(scheme_length);
  // Credentials end at an '@' before the path. Several '@' happen when a password holds a raw
  // '@' (libpq wants %40): the last one before the query wins, so the host is still right.
  const std::size_t slash = rest.find('/');
  const std::size_t question = rest.find('?');
  const std::string_view before_path(rest.data(), std::min(slash, rest.size()));
  std::size_t at = before_path.substr(0, std::min(question, before_path.size())).rfind('@');
  if (at == std::string::npos) at = before_path.rfind('@');
  std::size_t pos = 0;
  if (at != std::string::npos) {
    const std::string credentials = rest.substr(0, at);
    const std::size_t colon = credentials.find(':');
    const std::string user = percent_decode(credentials.substr(0, colon));
    if (!user.empty()) parsed.params["user"] = user;
    if (colon != std::string::npos) {
      parsed.password_as_written = credentials.substr(colon + 1);
      parsed.params["password"] = percent_decode(parsed.password_as_written);
    }
    pos = at + 1;
  }
  const std::size_t host_end = rest.find_first_of("/?", pos);
  parse_host_list(rest.substr(pos, host_end - pos), scheme_length + pos, parsed);
  pos = host_end;
  if (pos != std::string::npos && rest[pos] == '/') {
    const std::size_t db_end = rest.find('?', pos);
    // libpq ends the user info at the first '/': in `app:2024/Spring!@db/x` it would see host
    // "app" and a database name holding the password. Refused rather than guessed.
    if (rest.substr(pos + 1, db_end - pos - 1).find('@') != std::string::npos) {
      throw ConnInfoError(
          "connection URI has an '@' after its first '/': write a '/' of the user info as %2F, "
          "or an '@' of the database name as %40");
    }
    const std::string dbname = percent_decode(rest.substr(pos + 1, db_end - pos - 1));
    if (!dbname.empty()) parsed.params["dbname"] = dbname;
    pos = db_end;
  }
  if (pos != std::string::npos) {  // at '?'
    std::size_t start = pos + 1;
    while (start <= rest.size()) {
      std::size_t amp = rest.find('&', start);
      if (amp == std::string::npos) amp = rest.size();
      const std::string pair = rest.substr(start, amp - start);
      if (!pair.empty()) {
        const std::size_t eq = pair.find('=');
        if (eq == std::string::npos) {
          throw ConnInfoError("connection URI: a query parameter lacks '='" +
                              at_offset(scheme_length + start));
        }
        const std::string keyword = percent_decode(pair.substr(0, eq));
        if (keyword == "password") parsed.password_as_written = pair.substr(eq + 1);
        store(parsed, keyword, percent_decode(pair.substr(eq + 1)), scheme_length + start);
      }
      start = amp + 1;
    }
  }
  return parsed;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

void check_ports(const std::string& ports) {
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = ports.find(',', start);
    const std::string port =
        ports.substr(start, comma == std::string::npos ? comma : comma - start);
    const bool digits =
        !port.empty() && port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!port.empty() && (!digits || std::stol(port) < 1 || std::stol(port) > 65535)) {
      throw ConnInfoError("connection string has an invalid port");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

std::vector<std::string> make_secret_forms(const std::string& password,
                                           const std::string& as_written) {
  std::vector<std::string> forms = {password, as_written, util::percent_encode(password),
                                    libpq_quote(password)};
  try {
    forms.push_back(percent_decode(password));
  } catch (const ConnInfoError&) {
    // Not a valid encoding: the raw form is already listed.
  }
  std::sort(forms.begin(), forms.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  forms.erase(std::remove(forms.begin(), forms.end(), std::string()), forms.end());
  return forms;
}

}  // namespace

ConnInfo ConnInfo::parse(const std::string& text) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  const std::string trimmed = text.substr(begin, end - begin);
  if (trimmed.empty()) throw ConnInfoError("connection string is empty");

  Parsed parsed;
  if (starts_with(trimmed, "postgresql://")) {
    parsed = parse_uri(trimmed, 13);
  } else if (starts_with(trimmed, "postgres://")) {
    parsed = parse_uri(trimmed, 11);
  } else if (trimmed.find("://") != std::string::npos && trimmed.find('=') > trimmed.find("://")) {
    throw ConnInfoError("connection URI must start with postgres:// or postgresql://");
  } else {
    parsed = parse_key_values(trimmed);
  }

  ConnInfo info;
  info.params_ = std::move(parsed.params);
  const auto password = info.password();
  if (password) info.secret_forms_ = make_secret_forms(*password, parsed.password_as_written);
  const auto port = info.get("port");
  if (port) check_ports(*port);
  info.refresh_first_host();
  if (info.first_host_.empty()) {
    throw ConnInfoError("connection string names no host (set host or hostaddr)");
  }
  return info;
}

void ConnInfo::refresh_first_host() {
  const auto host = get("host");
  const auto hostaddr = get("hostaddr");
  first_host_ = host && !host->empty() ? first_of_list(*host)
                : hostaddr             ? first_of_list(*hostaddr)
                                       : std::string();
}

const std::string& ConnInfo::host() const { return first_host_; }

std::string ConnInfo::port() const {
  const auto ports = get("port");
  const std::string first = ports ? first_of_list(*ports) : std::string();
  return first.empty() ? "5432" : first;
}

std::string ConnInfo::dbname() const { return get("dbname").value_or(""); }

std::string ConnInfo::user() const { return get("user").value_or(""); }

std::optional<std::string> ConnInfo::password() const { return get("password"); }

std::string ConnInfo::host_port() const {
  const bool ipv6 = first_host_.find(':') != std::string::npos;
  return (ipv6 ? "[" + first_host_ + "]" : first_host_) + ":" + port();
}

std::optional<std::string> ConnInfo::get(const std::string& keyword) const {
  const auto it = params_.find(keyword);
  if (it == params_.end()) return std::nullopt;
  return it->second;
}

void ConnInfo::set(const std::string& keyword, const std::string& value) {
  if (known_keywords().count(keyword) == 0) {
    throw ConnInfoError("unknown connection keyword: " + keyword);
  }
  params_[keyword] = value;
  if (keyword == "password") secret_forms_ = make_secret_forms(value, value);
  refresh_first_host();
}

// Replaces the first host of the list. A hostaddr would still win over the new name (and could
// reach the old server), so it is dropped when the host actually changes.
void ConnInfo::set_host(const std::string& host) {
  if (host == first_host_) return;
  const auto hosts = get("host");
  const std::size_t comma = hosts ? hosts->find(',') : std::string::npos;
  params_["host"] = comma == std::string::npos ? host : host + hosts->substr(comma);
  params_.erase("hostaddr");
  refresh_first_host();
}

std::string ConnInfo::to_libpq() const {
  std::string out;
  for (const auto& [keyword, value] : params_) {
    if (!out.empty()) out += ' ';
    out += keyword + "=" + libpq_quote(value);
  }
  return out;
}

std::string ConnInfo::redacted() const {
  std::string out;
  for (const auto& [keyword, value] : params_) {
    if (keyword == "password" || keyword == "sslpassword") continue;
    if (!out.empty()) out += ' ';
    out += keyword + "=" + libpq_quote(value);
  }
  return out;
}

std::vector<std::string> ConnInfo::secret_forms() const { return secret_forms_; }

std::string neon_direct_host(const std::string& host) {
  static constexpr std::string_view suffix = "-pooler";
  const std::size_t dot = host.find('.');
  const std::string_view label = std::string_view(host).substr(0, dot);
  const bool pooler = label.size() > 3 + suffix.size() && starts_with(label, "ep-") &&
                      label.substr(label.size() - suffix.size()) == suffix;
  if (!pooler) return host;
  return std::string(label.substr(0, label.size() - suffix.size())) +
         (dot == std::string::npos ? "" : host.substr(dot));
}

std::string redact_secrets(std::string text, const std::vector<std::string>& secrets) {
  std::vector<std::string> ordered = secrets;
  std::sort(ordered.begin(), ordered.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& secret : ordered) {
    if (secret.empty()) continue;
    for (std::size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + 3)) {
      text.replace(pos, secret.size(), "***");
    }
  }
  return text;
}

}  // namespace pgfleet
