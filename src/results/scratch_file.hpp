#pragma once
// A file beside a result file, unlinked as soon as it is made: a writer keeps its part of a
// result file there until the end of the run, on disk rather than in memory (junit.xml's test
// cases), and it is gone with the process whatever happens.
#include <cstddef>
#include <string>

#include "pgfleet/results/run_directory.hpp"

namespace pgfleet {

class ScratchFile {
 public:
  // Made in the directory of `beside`. Throws ResultsError.
  explicit ScratchFile(const std::string& beside);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Throws ResultsError.
  void append(const char* data, std::size_t size);
  // Everything appended so far, in pieces, to `to`. Throws ResultsError.
  void copy_to(const FileAppend& to) const;

 private:
  int fd_ = -1;
  std::string name_;  // for messages: the name it had
};

}  // namespace pgfleet
