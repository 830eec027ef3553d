#include "pgfleet/results/html_escape.hpp"

#include <string_view>

#include "pgfleet/util/utf8.hpp"

namespace pgfleet {
namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void append_escaped(std::string& out, char c) {
  const auto u = static_cast<unsigned char>(c);
  switch (c) {
    case '&': out += "&amp;"; return;
    case '<': out += "&lt;"; return;
    case '>': out += "&gt;"; return;
    case '"': out += "&quot;"; return;
    case '\'': out += "&#39;"; return;
    default: break;
  }
  const bool control = (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f;
  if (control) {
    out += kReplacement;
  } else {
    out += c;
  }
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t bad = util::first_invalid_utf8_byte(rest).value_or(rest.size());
    for (char c : rest.substr(0, bad)) append_escaped(out, c);
    if (bad == rest.size()) break;
    out += kReplacement;  // one invalid byte; go on after it
    rest.remove_prefix(bad + 1);
  }
  return out;
}

}  // namespace pgfleet
