#pragma once
// Run ids name a run's results directory and its history rows (README "Results").
#include <chrono>
#include <stdexcept>
#include <string>

namespace pgfleet {

// A new run id for `now`: UTC "YYYYMMDDTHHMMSSZ-xxxx", xxxx four random lower-case hex digits.
std::string make_run_id(std::chrono::system_clock::time_point now);

// True if `run_id` is safe as a directory name: 1-64 characters from [A-Za-z0-9._-], not
// starting with '.' or '-' (so no "..", no '/', no '\', no NUL).
bool is_valid_run_id(const std::string& run_id);

// Throws std::invalid_argument (naming what is allowed) unless is_valid_run_id(run_id).
void validate_run_id(const std::string& run_id);

}  // namespace pgfleet
