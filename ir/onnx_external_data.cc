#include "ir/onnx_external_data.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ir/tensor.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

// External data's offset and length: plain non-negative decimal integers
// (not atoll's "whatever digits come first, else 0").
absl::StatusOr<int64_t> ParseExternalNumber(const std::string& key, const std::string& text) {
  int64_t v = 0;
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(text, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", key, "' is '", text, "', not a non-negative integer"));
  }
  return v;
}

}  // namespace

ExternalRoots RootsFor(const std::string& dir, const std::string& model_file) {
  ExternalRoots r;
  r.dir = dir;
  if (dir.empty()) return r;
  if (absl::StatusOr<std::string> d = RealPath(dir); d.ok()) r.real.push_back(*d);
  if (!model_file.empty()) {
    if (absl::StatusOr<std::string> f = RealPath(model_file); f.ok()) {
      const size_t slash = f->find_last_of('/');
      r.real.push_back(slash == 0 ? "/" : f->substr(0, slash));
    }
  }
  return r;
}

absl::Status LoadExternal(onnx::TensorProto& t, const ExternalRoots& roots,
                          const std::string& label) {
  if (t.data_location() != onnx::TensorProto::EXTERNAL) return absl::OkStatus();
  std::string where = absl::StrCat(label, ": external data");
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    absl::Status st;
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset") {
      absl::StatusOr<int64_t> v = ParseExternalNumber(kv.key(), kv.value());
      if (v.ok()) offset = *v;
      st = v.status();
    } else if (kv.key() == "length") {
      absl::StatusOr<int64_t> v = ParseExternalNumber(kv.key(), kv.value());
      if (v.ok()) length = *v;
      st = v.status();
    }
    if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat(where, " ", st.message()));
  }
  if (location.empty()) return absl::InvalidArgumentError(absl::StrCat(where, " has no location"));
  if (roots.dir.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " cannot be resolved: the model was not read from a file"));
  }
  for (absl::string_view part : absl::StrSplit(location, absl::ByAnyChar("/\\"))) {
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " location '", location, "' leaves the model's folder"));
    }
  }
  if (location[0] == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " location '", location, "' is an absolute path"));
  }
  const std::string path = absl::StrCat(roots.dir, "/", location);
  // The lexical checks above give clear messages; this one decides, on
  // real paths, so a symlink cannot lead out of the folder either.
  absl::StatusOr<std::string> real = RealPath(path);
  if (!real.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, " file '", path, "' cannot be opened"));
  }
  bool inside = false;
  for (const std::string& root : roots.real) inside = inside || (IsWithin(*real, root) && *real != root);
  if (!inside) {
    return absl::InvalidArgumentError(absl::StrCat(where, " location '", location,
                                                   "' resolves to '", *real,
                                                   "', outside the model's folder"));
  }
  QC_ASSIGN_OR_RETURN(const DType dt, DTypeFromCode(t.data_type()));
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
  absl::StatusOr<int64_t> n = CheckShape(dt, dims);
  if (!n.ok() || dt == DType::kString) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": ", n.ok() ? "string tensors cannot be external" : n.status().message()));
  }
  const int64_t want = *n * static_cast<int64_t>(DTypeSize(dt));
  if (length != -1 && length != want) {
    return absl::InvalidArgumentError(absl::StrCat(where, " length ", length, " but shape [",
                                                   absl::StrJoin(dims, ","), "] of ",
                                                   DTypeName(dt), " needs ", want, " bytes"));
  }
  absl::StatusOr<std::string> bytes = ReadFileRange(*real, offset, want);
  if (!bytes.ok()) {
    return absl::Status(bytes.status().code(), absl::StrCat(where, " file '", path, "' at offset ",
                                                            offset, ": ", bytes.status().message()));
  }
  t.set_raw_data(*std::move(bytes));
  t.clear_external_data();
  t.set_data_location(onnx::TensorProto::DEFAULT);
  return absl::OkStatus();
}

}  // namespace quantc
