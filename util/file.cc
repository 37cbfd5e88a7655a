#include "util/file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace quantc {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path, int64_t max_bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file: ", ErrnoText()));
  }
  std::string bytes;
  char buf[1 << 16];
  size_t n;
  bool too_big = false;
  // Read in chunks rather than trusting a seek-derived size: pipes and
  // /proc files report no size.
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (static_cast<int64_t>(bytes.size() + n) > max_bytes) {
      too_big = true;
      break;
    }
    bytes.append(buf, n);
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (too_big) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than the ", max_bytes, " bytes quantc reads"));
  }
  if (failed) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  return bytes;
}

absl::StatusOr<std::string> ReadFileRange(const std::string& path, int64_t offset,
                                          int64_t length) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused
  // below like every other non-regular file.
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file: ", ErrnoText()));
  }
  std::unique_ptr<int, void (*)(int*)> closer(new int(fd), [](int* p) {
    close(*p);
    delete p;
  });
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  const int64_t size = st.st_size;
  if (length == -1 && offset >= 0 && offset <= size) length = size - offset;
  int64_t end;
  if (offset < 0 || length < 0 || __builtin_add_overflow(offset, length, &end) || end > size) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": range [", offset, ", +", length,
                                                   ") is outside the file's ", size, " bytes"));
  }
  std::string bytes(static_cast<size_t>(length), '\0');
  int64_t done = 0;
  while (done < length) {
    const ssize_t r = pread(fd, bytes.data() + done, static_cast<size_t>(length - done),
                            static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return absl::DataLossError(absl::StrCat(path, ": read failed"));
    done += r;
  }
  return bytes;
}

absl::StatusOr<std::string> RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.empty() ? "." : path.c_str(), buf) == nullptr) {
    return absl::NotFoundError(absl::StrCat(path, ": ", ErrnoText()));
  }
  return std::string(buf);
}

bool IsWithin(absl::string_view path, absl::string_view dir) {
  if (path == dir) return true;
  if (dir == "/") return absl::StartsWith(path, "/");
  return absl::StartsWith(path, dir) && path.size() > dir.size() && path[dir.size()] == '/';
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes) {
  // Same folder as the target so rename() never crosses file systems; the
  // pid keeps concurrent writers (e.g. parallel test shards) apart.
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot create temporary file: ", ErrnoText()));
  }
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": write failed"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string err = ErrnoText();
    std::remove(tmp.c_str());
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot rename temporary file: ", err));
  }
  return absl::OkStatus();
}

}  // namespace quantc
