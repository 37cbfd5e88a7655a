// ONNX ModelProto -> quantc Graph.
#ifndef QUANTC_IR_ONNX_IMPORT_H_
#define QUANTC_IR_ONNX_IMPORT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ir/graph.h"
#include "ir/tensor.h"

namespace quantc {

/// Oldest and newest ai.onnx opset a Graph carries (libonnx 1.12). Models
/// at opsets 1 to kMinOpset - 1 are upgraded to kMinOpset on import by ONNX's
/// version converter (Unimplemented, naming the node, where it cannot).
inline constexpr int64_t kMinOpset = 7;
inline constexpr int64_t kMaxOpset = 17;

/// The ONNX library's version ("1.12.0"): its checker, shape inference and
/// version converter are what import runs.
const char* OnnxLibraryVersion();

/// Reads, validates (ONNX checker plus quantc's own structural checks),
/// shape-infers and converts a model file; the graph returned passes
/// VerifyGraph. External data is loaded relative to the file's folder (and
/// must really lie there, or next to the real model file). Errors: NotFound (no file), InvalidArgument
/// (malformed model), Unimplemented (valid ONNX quantc does not handle);
/// messages start with the file name and name the offending node or value.
absl::StatusOr<std::unique_ptr<Graph>> ImportModelFile(const std::string& path);

/// Same, from serialized bytes. `base_dir` resolves external data;
/// `display_name` prefixes error messages.
absl::StatusOr<std::unique_ptr<Graph>> ImportModelBytes(absl::string_view bytes,
                                                       const std::string& base_dir,
                                                       const std::string& display_name);

/// Same, from ONNX's textual syntax (onnx/defs/parser.h), as used by tests.
absl::StatusOr<std::unique_ptr<Graph>> ImportModelText(absl::string_view text);

/// Reads one serialized onnx.TensorProto (the test_data_set_*/input_K.pb
/// files of ONNX's test data). External data is resolved relative to the
/// file's folder. If `name` is non-null it receives the tensor's name.
/// Errors (NotFound, InvalidArgument, Unimplemented) start with `path`.
absl::StatusOr<Tensor> ReadTensorProtoFile(const std::string& path,
                                           std::string* name = nullptr);

}  // namespace quantc

#endif  // QUANTC_IR_ONNX_IMPORT_H_
