#include "util/dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2 (glibc >= 2.28, _GNU_SOURCE)
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"

namespace quantc {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

// Entry names of `dir` (no "." / "..").
std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
  }
  return names;
}

// Removes a folder of plain files (one level).
void RemoveFlatDir(const std::string& dir) {
  for (const std::string& n : ListDir(dir)) unlink((dir + "/" + n).c_str());
  rmdir(dir.c_str());
}

absl::Status WriteAll(const std::string& dir,
                      const std::vector<std::pair<std::string, std::string>>& files) {
  for (const auto& [name, bytes] : files) {
    const std::string path = dir + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return absl::PermissionDeniedError(absl::StrCat(path, ": ", ErrnoText()));
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    ok = std::fclose(f) == 0 && ok;
    if (!ok) return absl::ResourceExhaustedError(absl::StrCat(path, ": write failed"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteDirectoryAtomically(
    const std::string& dir_in, const std::vector<std::pair<std::string, std::string>>& files) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::set<std::string> names;
  for (const auto& f : files) {
    if (f.first.empty() || f.first.find('/') != std::string::npos ||
        !names.insert(f.first).second) {
      return absl::InternalError(absl::StrCat("bad generated file name '", f.first, "'"));
    }
  }
  struct stat st;
  const bool exists = lstat(dir.c_str(), &st) == 0;
  if (exists) {
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat(dir, ": exists and is not a folder"));
    }
    for (const std::string& n : ListDir(dir)) {
      if (!names.count(n)) {
        return absl::FailedPreconditionError(
            absl::StrCat(dir, ": holds '", n,
                         "', which this command does not write; the folder is replaced "
                         "whole, so give a new or empty folder"));
      }
    }
  }
  const size_t slash = dir.rfind('/');
  const std::string parent =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : dir.substr(0, slash));
  const std::string base = slash == std::string::npos ? dir : dir.substr(slash + 1);
  std::string tmp = absl::StrCat(parent, "/.", base, ".tmp-XXXXXX");
  if (mkdtemp(tmp.data()) == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(dir, ": cannot create a temporary folder next to it: ", ErrnoText()));
  }
  if (absl::Status s = WriteAll(tmp, files); !s.ok()) {
    RemoveFlatDir(tmp);
    return absl::Status(s.code(), absl::StrCat(dir, ": ", s.message()));
  }
  chmod(tmp.c_str(), 0755);  // mkdtemp makes it 0700
  if (!exists) {
    if (rename(tmp.c_str(), dir.c_str()) != 0) {
      const std::string err = ErrnoText();
      RemoveFlatDir(tmp);
      return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot create: ", err));
    }
    return absl::OkStatus();
  }
  // Swap the new folder in; the old one (now at `tmp`) is then deleted.
  if (renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) != 0) {
    const std::string err = ErrnoText();
    RemoveFlatDir(tmp);
    return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot replace: ", err));
  }
  RemoveFlatDir(tmp);
  return absl::OkStatus();
}

}  // namespace quantc
