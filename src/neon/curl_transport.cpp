// The only file that includes curl.
#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "pgfleet/neon/http_transport.hpp"
#include "pgfleet/util/ascii_text.hpp"

namespace pgfleet::neon {
namespace {

size_t collect_body(char* data, size_t size, size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

// Keeps the headers of the last response only (curl reports those of redirects too).
size_t collect_header(char* data, size_t size, size_t count, void* target) {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(target);
  std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon == std::string::npos) return size * count;
  const std::string name = util::to_lower(line.substr(0, colon));
  std::string value = line.substr(colon + 1);
  const auto first = value.find_first_not_of(" \t");
  const auto last = value.find_last_not_of(" \t\r\n");
  value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  headers[name] = value;
  return size * count;
}

TransportErrorKind kind_of(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return TransportErrorKind::timeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: return TransportErrorKind::connect;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE: return TransportErrorKind::dropped;
    default: return TransportErrorKind::other;
  }
}

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(TransportTimeouts timeouts) : timeouts_(timeouts) {
    static std::once_flag global_init;
    std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  HttpResponse send(const HttpRequest& request) override {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
    if (!easy) throw TransportError(TransportErrorKind::other, "cannot initialise libcurl");
    CURL* handle = easy.get();
    HttpResponse response;
    char error_text[CURL_ERROR_SIZE] = {};
    curl_slist* header_list = nullptr;
    for (const auto& [name, value] : request.headers) {
      header_list = curl_slist_append(header_list, (name + ": " + value).c_str());
    }
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers_guard(header_list,
                                                                              curl_slist_free_all);
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, to_string(request.method));
    if (request.method == HttpMethod::get) curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    if (!request.body.empty() || request.method == HttpMethod::post) {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    }
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(timeouts_.connect.count()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts_.request.count()));
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response.headers);
    const CURLcode code = curl_easy_perform(handle);
    if (code != CURLE_OK) {
      std::string text = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
      throw TransportError(
          kind_of(code), std::string(to_string(request.method)) + " " + request.url + ": " + text);
    }
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

 private:
  TransportTimeouts timeouts_;
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(TransportTimeouts timeouts) {
  return std::make_unique<CurlTransport>(timeouts);
}

}  // namespace pgfleet::neon
