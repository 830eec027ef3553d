#include "pgfleet/neon/http_transport.hpp"

#include "pgfleet/util/ascii_text.hpp"

namespace pgfleet::neon {

const char* to_string(HttpMethod method) {
  switch (method) {
    case HttpMethod::get: return "GET";
    case HttpMethod::post: return "POST";
    case HttpMethod::patch: return "PATCH";
    case HttpMethod::del: return "DELETE";
  }
  return "GET";
}

std::optional<std::string> HttpResponse::header(const std::string& name) const {
  auto found = headers.find(util::to_lower(name));
  if (found == headers.end()) return std::nullopt;
  return found->second;
}

TransportError::TransportError(TransportErrorKind kind, const std::string& message)
    : std::runtime_error(message), kind_(kind) {}

}  // namespace pgfleet::neon
