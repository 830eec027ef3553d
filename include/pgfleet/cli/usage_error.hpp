#pragma once
// A usage, config or migrations problem: the CLI prints it and exits 2. A run problem before any
// tenant ran (control plane, Neon, results directory) is RunError: exit 3.
#include <stdexcept>

namespace pgfleet::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace pgfleet::cli
