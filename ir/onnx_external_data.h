// External data of ONNX tensors: where it may come from and how it is read
// into the tensor, every offset, length, path and size checked. Internal to
// //ir:onnx_io (it sees protobuf).
#ifndef QUANTC_IR_ONNX_EXTERNAL_DATA_H_
#define QUANTC_IR_ONNX_EXTERNAL_DATA_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"

namespace quantc {

/// Where external data may come from: `dir`, the folder locations are
/// relative to (the model path's folder, as given), and the real folders
/// the resolved file must lie in. For a model file these are the real form
/// of `dir` and the real folder of the model file itself, which differ when
/// the model is a symlink (Hugging Face's cache, Bazel's runfiles) and then
/// hold the weights next to the real model file. Empty `dir`: the model did
/// not come from a file and may not use external data.
struct ExternalRoots {
  std::string dir;
  std::vector<std::string> real;
};

/// The roots of a model read from `model_file` in folder `dir` (both may be
/// empty).
ExternalRoots RootsFor(const std::string& dir, const std::string& model_file);

/// Reads `t`'s external data, if it has any, into raw_data so the rest of
/// import (and the checker) sees a self-contained model. The file must
/// resolve, symlinks followed, to a regular file inside one of the roots'
/// real folders; offset and length must be numbers that lie inside it; and
/// the length must be exactly what the tensor's shape needs (which
/// CheckShape caps), so nothing is read that the tensor would not hold.
/// Errors start with `label` (the tensor, named for the user).
absl::Status LoadExternal(onnx::TensorProto& t, const ExternalRoots& roots,
                          const std::string& label);

}  // namespace quantc

#endif  // QUANTC_IR_ONNX_EXTERNAL_DATA_H_
