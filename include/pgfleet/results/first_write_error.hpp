#pragma once
// What every result writer does with a file it cannot write: keep the first failure and go on.
// Writers run on worker threads and must not throw; the CLI reports the kept failure after the
// run and exits non-zero (README.md, "Results").
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "pgfleet/results/run_directory.hpp"

namespace pgfleet {

class FirstWriteError {
 public:
  // write_file_atomically(path, content, durability); a failure is kept, never thrown.
  void write_atomically(const std::string& path, const std::string& content,
                        Durability durability = Durability::synced);
  // Runs `write` (which makes and writes a result file); what it throws is kept, never thrown.
  void attempt(const std::function<void()>& write);
  // Keeps `message` unless an earlier failure is kept already. Thread-safe.
  void keep(std::string message);
  // The first failure, if any.
  std::optional<std::string> get() const;

 private:
  mutable std::mutex mutex_;
  std::optional<std::string> first_;
};

}  // namespace pgfleet
