#include "scratch_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace pgfleet {

ScratchFile::ScratchFile(const std::string& beside) {
  static std::atomic<unsigned> counter{0};
  name_ = fmt::format("{}.part-{}-{}", beside, ::getpid(), counter++);
  fd_ = ::open(name_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) throw ResultsError("cannot create " + name_ + ": " + std::strerror(errno));
  ::unlink(name_.c_str());  // only the descriptor names it now
}

ScratchFile::~ScratchFile() {
  if (fd_ >= 0) ::close(fd_);
}

void ScratchFile::append(const char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd_, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ResultsError("cannot write " + name_ + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

void ScratchFile::copy_to(const FileAppend& to) const {
  std::vector<char> buffer(64 * 1024);
  off_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ResultsError("cannot read " + name_ + ": " + std::strerror(errno));
    if (n == 0) return;
    to(buffer.data(), static_cast<std::size_t>(n));
    offset += n;
  }
}

}  // namespace pgfleet
