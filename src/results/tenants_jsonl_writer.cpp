#include "pgfleet/results/tenants_jsonl_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/results/run_directory.hpp"

namespace pgfleet {

TenantsJsonlWriter::TenantsJsonlWriter(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) throw ResultsError("cannot open " + path + ": " + std::strerror(errno));
}

TenantsJsonlWriter::~TenantsJsonlWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void TenantsJsonlWriter::tenant_finished(const TenantOutcome& outcome) {
  const std::string line = dump_json_line(outcome_to_json(outcome)) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      write_error_.keep("cannot append to " + path_ + ": " + std::strerror(errno));
      // A disk that filled up mid-line leaves no half line behind: the file keeps whole lines.
      if (done > 0 && before >= 0 && ::ftruncate(fd_, before) != 0) {
        write_error_.keep("cannot remove a partial line from " + path_);
      }
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

std::optional<std::string> TenantsJsonlWriter::write_error() const { return write_error_.get(); }

}  // namespace pgfleet
