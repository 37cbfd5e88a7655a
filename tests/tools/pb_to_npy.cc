// pb_to_npy IN.pb OUT.npy: converts one serialized onnx.TensorProto (as in
// ONNX's test_data_set_*/input_K.pb) to .npy, so that scripts can hand
// ONNX test data to ONNX Runtime for Node, which reads no protobuf files.
// Prints the tensor's name on stdout (scripts use it to match graph inputs).
//
// String tensors, which .npy (as quantc reads it) cannot hold, are written
// to OUT as JSON instead: {"dtype":"string","dims":[...],"data":[...]};
// tests/ort/npy.js reads both forms.
//
// Exit codes: 0 ok, 2 usage, 3 unreadable or malformed input, 4 a tensor
// neither form can hold (bfloat16), 1 any other failure (e.g. writing).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/npy.h"
#include "ir/onnx_import.h"
#include "util/file.h"
#include "util/json.h"

namespace {

int ExitCodeFor(const absl::Status& st) {
  switch (st.code()) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInvalidArgument:
      return 3;
    case absl::StatusCode::kUnimplemented:
      return 4;
    default:
      return 1;
  }
}

int Fail(const absl::Status& st) {
  std::fprintf(stderr, "pb_to_npy: %s\n", std::string(st.message()).c_str());
  return ExitCodeFor(st);
}

std::string StringsJson(const quantc::Tensor& t) {
  std::vector<std::string> data;
  for (const std::string& v : t.strings()) data.push_back(quantc::JsonString(v));
  return absl::StrCat("{\"dtype\":\"string\",\"dims\":[", absl::StrJoin(t.dims(), ","),
                      "],\"data\":[", absl::StrJoin(data, ","), "]}\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pb_to_npy IN.pb OUT.npy\n");
    return 2;
  }
  std::string name;
  auto tensor = quantc::ReadTensorProtoFile(argv[1], &name);
  if (!tensor.ok()) return Fail(tensor.status());
  absl::Status st = tensor->dtype() == quantc::DType::kString
                        ? quantc::WriteFileAtomically(argv[2], StringsJson(*tensor))
                        : quantc::WriteNpyFile(argv[2], *tensor);
  if (!st.ok()) return Fail(st);
  std::printf("%s\n", name.c_str());
  return 0;
}
