#pragma once
// The narrow seam between the Neon client and the network: one HTTP request in, one response
// out. The libcurl implementation lives in src/neon/curl_transport.cpp; tests use fakes.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgfleet::neon {

enum class HttpMethod { get, post, patch, del };

// "GET", "POST", "PATCH" or "DELETE".
const char* to_string(HttpMethod method);

struct HttpRequest {
  HttpMethod method = HttpMethod::get;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // may hold the API key: never log
  std::string body;                                          // empty: no body sent
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // Value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(const std::string& name) const;
};

// Why a request got no HTTP response at all.
enum class TransportErrorKind {
  timeout,  // connect or request timeout: the request may have been applied
  connect,  // could not connect (refused, DNS): the request was not sent
  dropped,  // connection closed or reset mid-request: the request may have been applied
  other,    // anything else the transport reports
};

// Thrown by HttpTransport::send when no response arrived. The text never holds headers.
class TransportError : public std::runtime_error {
 public:
  TransportError(TransportErrorKind kind, const std::string& message);
  TransportErrorKind kind() const { return kind_; }

 private:
  TransportErrorKind kind_;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends one request and returns whatever status came back; throws TransportError when no
  // response arrived.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

struct TransportTimeouts {
  std::chrono::milliseconds connect{10000};
  std::chrono::milliseconds request{60000};  // whole request, as the Neon CLI does
};

// The libcurl transport (TLS peer verification on; timeouts as given).
std::unique_ptr<HttpTransport> make_curl_transport(TransportTimeouts timeouts = {});

}  // namespace pgfleet::neon
