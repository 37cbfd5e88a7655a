// NumPy .npy files <-> quantc Tensors.
//
// Tests and tools exchange tensors with numpy and ONNX Runtime (via
// tests/ort/ort_run.js) in this format because every side can read it
// without protobuf. Format reference: numpy/lib/format.py ("NEP 1").
//
// Supported: format versions 1.0 and 2.0 (read and write) and 3.0 (read),
// C order, little-endian, dtypes '<f2' '<f4' '<f8' '|i1' '|u1' '<i2' '<u2'
// '<i4' '<u4' '<i8' '<u8' '|b1', any rank including 0-d scalars. Everything
// else (Fortran order, big-endian, structured/object/complex dtypes) is
// Unimplemented; malformed files are InvalidArgument. Parsing never trusts
// the file: no input can crash it or make it allocate more than the file's
// own size.
#ifndef QUANTC_IR_NPY_H_
#define QUANTC_IR_NPY_H_

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ir/tensor.h"

namespace quantc {

/// Whether tensors of `dtype` can be written as .npy.
bool IsNpyDType(DType dtype);

/// Parses the bytes of a .npy file. `display_name` (usually the path)
/// prefixes every error message.
absl::StatusOr<Tensor> ParseNpy(absl::string_view bytes, const std::string& display_name);

/// Reads and parses a .npy file; errors start with `path`.
absl::StatusOr<Tensor> ReadNpyFile(const std::string& path);

/// An .npy file read a few rows (slices along axis 0) at a time, so a large
/// data set never has to fit in memory. Copies share the open file; reads
/// are not thread-safe.
class NpyReader {
 public:
  /// Opens and validates the header (dtype, shape, exact data size).
  static absl::StatusOr<NpyReader> Open(const std::string& path);
  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& dims() const { return dims_; }
  const std::string& path() const { return path_; }
  /// Rows [begin, begin + count) as a tensor of dims (count, dims[1:]...).
  absl::StatusOr<Tensor> ReadRows(int64_t begin, int64_t count) const;

 private:
  std::string path_;
  std::shared_ptr<std::ifstream> file_;
  DType dtype_ = DType::kUndefined;
  std::vector<int64_t> dims_;
  size_t data_offset_ = 0;
};

/// Serializes `t` byte-for-byte as numpy 1.24's np.save would: format 1.0,
/// or 2.0 when the header does not fit in 64 KiB. Requires IsNpyDType.
std::string SerializeNpy(const Tensor& t);

/// SerializeNpy + atomic write (temp file and rename). Unimplemented for
/// dtypes .npy cannot hold (strings, bfloat16).
absl::Status WriteNpyFile(const std::string& path, const Tensor& t);

}  // namespace quantc

#endif  // QUANTC_IR_NPY_H_
