#include "pgfleet/results/run_directory.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>

#include "pgfleet/fleet/run_id.hpp"
#include "pgfleet/util/fnv1a.hpp"

namespace pgfleet {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// mkdir -p with mode 0700 for what it creates; existing directories keep their mode.
void make_directories(const std::string& path) {
  if (path.empty() || is_directory(path)) return;
  const auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) make_directories(path.substr(0, slash));
  if (::mkdir(path.c_str(), 0700) != 0 && !(errno == EEXIST && is_directory(path))) {
    throw ResultsError("cannot create results directory " + path + ": " + errno_text(errno));
  }
}

void make_private_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) {
    const int err = errno;
    if (err == EEXIST) throw ResultsError("results directory " + path + " already exists");
    throw ResultsError("cannot create results directory " + path + ": " + errno_text(err));
  }
  ::chmod(path.c_str(), 0700);  // the umask may have taken bits away; never adds any
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

void write_all(int fd, const char* data, std::size_t size, const std::string& path) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ResultsError("cannot write " + path + ": " + errno_text(errno));
    done += static_cast<std::size_t>(n);
  }
}

void fsync_directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // durability nicety; the rename itself already happened
  ::fsync(fd);
  ::close(fd);
}

// The longest path a run writes: a rollback script's temporary file (name up to 120 bytes).
std::size_t longest_file_path(const std::string& run_path) {
  return run_path.size() + std::strlen("/rollback/") + 120 + std::strlen(".sql.tmp-") + 2 * 10 + 1;
}

}  // namespace

RunDirectory::RunDirectory(std::string path, std::string run_id)
    : path_(std::move(path)), run_id_(std::move(run_id)) {}

RunDirectory RunDirectory::create(const std::string& results_dir, const std::string& run_id) {
  validate_run_id(run_id);
  const std::string base = results_dir.empty() ? "." : results_dir;
  const std::string path = join(base, run_id);
  // Refused before anything is made: no directory left behind for a run that cannot write.
  if (longest_file_path(path) >= PATH_MAX) {
    throw ResultsError(fmt::format(
        "the results path is too long ({} bytes): a run's files would pass the system's limit "
        "of {} bytes per path",
        base.size(), PATH_MAX));
  }
  make_directories(base);
  make_private_directory(path);
  make_private_directory(join(path, "rollback"));
  return RunDirectory(path, run_id);
}

RunDirectory RunDirectory::open(const std::string& results_dir, const std::string& run_id) {
  validate_run_id(run_id);
  const std::string path = join(results_dir.empty() ? "." : results_dir, run_id);
  if (!is_directory(path)) throw ResultsError("no results directory " + path);
  return RunDirectory(path, run_id);
}

std::string RunDirectory::file(const std::string& name) const { return join(path_, name); }

std::string RunDirectory::rollback_dir() const { return join(path_, "rollback"); }

std::string RunDirectory::rollback_file(const std::string& tenant_id) const {
  return join(rollback_dir(), safe_file_name(tenant_id) + ".sql");
}

void write_file_atomically(const std::string& path, const std::string& content,
                           Durability durability) {
  write_file_atomically_from(
      path, [&content](const FileAppend& append) { append(content.data(), content.size()); },
      durability);
}

void write_file_atomically_from(const std::string& path,
                                const std::function<void(const FileAppend&)>& produce,
                                Durability durability) {
  static std::atomic<unsigned> counter{0};
  const std::string temp = fmt::format("{}.tmp-{}-{}", path, ::getpid(), counter++);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw ResultsError("cannot create " + temp + ": " + errno_text(errno));
  try {
    produce([fd, &temp](const char* data, std::size_t size) { write_all(fd, data, size, temp); });
    if (durability == Durability::synced && ::fsync(fd) != 0) {
      throw ResultsError("cannot fsync " + temp + ": " + errno_text(errno));
    }
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw ResultsError("cannot write " + temp + ": " + errno_text(err));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw ResultsError("cannot rename " + temp + " to " + path + ": " + errno_text(err));
  }
  if (durability == Durability::synced) fsync_directory_of(path);
}

std::string safe_file_name(const std::string& tenant_id) {
  if (tenant_id.empty()) return "%empty";
  std::string out;
  out.reserve(tenant_id.size());
  for (std::size_t i = 0; i < tenant_id.size(); ++i) {
    const auto c = static_cast<unsigned char>(tenant_id[i]);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || (c == '.' && i > 0);
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  // "A" and "a" would be one file on a case-insensitive volume (macOS, Windows): an id with an
  // upper-case letter gets the hash suffix too. '~' never comes from an id (it is encoded).
  const bool upper_case =
      std::any_of(tenant_id.begin(), tenant_id.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  constexpr std::size_t kMaxName = 120;
  constexpr std::size_t kKeep = 100;
  if (out.size() > kMaxName || upper_case) {
    std::size_t keep = std::min(kKeep, out.size());
    // Do not cut a %XX escape in half.
    if (keep < out.size() && out[keep - 1] == '%')
      keep -= 1;
    else if (keep < out.size() && out[keep - 2] == '%')
      keep -= 2;
    out = fmt::format("{}~{:016x}", out.substr(0, keep), util::fnv1a_64(tenant_id));
  }
  return out;
}

}  // namespace pgfleet
