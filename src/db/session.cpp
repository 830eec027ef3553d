#include "pgfleet/db/session.hpp"

namespace pgfleet {

int QueryResult::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

DbError::DbError(std::string sqlstate, std::string message, std::string detail, std::string hint,
                 int position)
    : std::runtime_error(sqlstate.empty() ? message : sqlstate + ": " + message),
      sqlstate_(std::move(sqlstate)),
      message_(std::move(message)),
      detail_(std::move(detail)),
      hint_(std::move(hint)),
      position_(position) {}

}  // namespace pgfleet
