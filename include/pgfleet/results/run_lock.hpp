#pragma once
// Held while a pgfleet process writes a run directory, so that `pgfleet resume` cannot start on
// a run that is still going (or being resumed). An exclusive flock(2) on <dir>/run.lock: the
// kernel drops it when the process ends, SIGKILL included, so a dead run never stays locked.
#include <string>

#include "pgfleet/results/run_directory.hpp"

namespace pgfleet {

class RunLock {
 public:
  // Takes the lock without waiting. Throws ResultsError when another process holds it (the
  // message says the run is still going) or the lock file cannot be made.
  static RunLock acquire(const RunDirectory& dir);
  ~RunLock();
  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&&) = delete;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace pgfleet
