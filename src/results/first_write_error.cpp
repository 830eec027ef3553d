#include "pgfleet/results/first_write_error.hpp"

#include <exception>

namespace pgfleet {

void FirstWriteError::write_atomically(const std::string& path, const std::string& content,
                                       Durability durability) {
  attempt([&] { write_file_atomically(path, content, durability); });
}

void FirstWriteError::attempt(const std::function<void()>& write) {
  try {
    write();
  } catch (const std::exception& e) {
    keep(e.what());
  }
}

void FirstWriteError::keep(std::string message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!first_) first_ = std::move(message);
}

std::optional<std::string> FirstWriteError::get() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_;
}

}  // namespace pgfleet
