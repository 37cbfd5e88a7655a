// Small ONNX-text model builders shared by the TINPU backend tests.
#ifndef QUANTC_BACKENDS_TINPU_TEST_UTIL_H_
#define QUANTC_BACKENDS_TINPU_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "ir/graph.h"

namespace quantc::tinpu::testing {

/// A zero-filled initializer declaration, e.g. "float[4,1,3,1] w = {0,...}".
std::string Init(absl::string_view name, const std::vector<int64_t>& dims,
                 absl::string_view type = "float");

/// An opset-13 model with float input `x` of `x_dims`, the given initializer
/// declarations and node lines; the body must define `y`, a float tensor of
/// rank `y_rank` (dims left symbolic for shape inference to fill).
std::string Model(const std::vector<int64_t>& x_dims, const std::vector<std::string>& inits,
                  absl::string_view body, int y_rank = 4);

/// One Conv on x with weight `w` and ONNX-text attributes `attrs` (may be "").
std::string ConvModel(const std::vector<int64_t>& x_dims, const std::vector<int64_t>& w,
                      absl::string_view attrs = "");

/// Imports `text`, failing the current test (and returning nullptr) on error.
std::unique_ptr<Graph> Import(const std::string& text);

/// The first node with op type `op`, or nullptr.
const Node* FindOp(const Graph& g, absl::string_view op);

}  // namespace quantc::tinpu::testing

#endif  // QUANTC_BACKENDS_TINPU_TEST_UTIL_H_
