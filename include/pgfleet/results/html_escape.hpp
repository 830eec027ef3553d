#pragma once
// Text from tenants and servers (ids, error messages, relation names) placed in report.html.
#include <string>

namespace pgfleet {

// `text` safe in HTML text and in a quoted attribute value: & < > " ' become character
// references; invalid UTF-8 and control characters other than tab, LF and CR become U+FFFD.
std::string html_escape(const std::string& text);

}  // namespace pgfleet
