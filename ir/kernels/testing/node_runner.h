// Test helpers for kernel unit tests: run one node on literal tensors.
#ifndef QUANTC_IR_KERNELS_TESTING_NODE_RUNNER_H_
#define QUANTC_IR_KERNELS_TESTING_NODE_RUNNER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ir/attribute.h"
#include "ir/graph.h"
#include "ir/tensor.h"

namespace quantc {
namespace testing {

/// One node of `op` in a private graph, named "n" (so errors read
/// "node 'n' (Op): ...").
class NodeRunner {
 public:
  explicit NodeRunner(absl::string_view op, int num_inputs = 1, int num_outputs = 1);
  NodeRunner& Attr(Attribute a);
  /// Inputs by position; std::nullopt marks an omitted optional input.
  absl::StatusOr<std::vector<Tensor>> Run(const std::vector<std::optional<Tensor>>& inputs,
                                          int64_t opset = 17);
  /// Convenience: the single output, or the error.
  absl::StatusOr<Tensor> Run1(const std::vector<std::optional<Tensor>>& inputs, int64_t opset = 17);
  const Node& node() const { return *node_; }

 private:
  Graph graph_;
  Node* node_;
};

inline Tensor F32(std::vector<int64_t> dims, const std::vector<float>& v) {
  return Tensor::FromVector<float>(std::move(dims), v);
}
inline Tensor I64(std::vector<int64_t> dims, const std::vector<int64_t>& v) {
  return Tensor::FromVector<int64_t>(std::move(dims), v);
}
inline Tensor I32(std::vector<int64_t> dims, const std::vector<int32_t>& v) {
  return Tensor::FromVector<int32_t>(std::move(dims), v);
}
inline Tensor U8(std::vector<int64_t> dims, const std::vector<uint8_t>& v) {
  return Tensor::FromVector<uint8_t>(std::move(dims), v);
}
inline Tensor I8(std::vector<int64_t> dims, const std::vector<int8_t>& v) {
  return Tensor::FromVector<int8_t>(std::move(dims), v);
}
/// 1-D int64 tensor (axes, shapes, pads given as inputs).
/// 0, 1, 2, ... in row-major order: the input whose outputs are easiest to
/// read off by hand.
inline Tensor IotaF32(std::vector<int64_t> dims) {
  std::vector<float> v(NumElements(dims));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return F32(std::move(dims), v);
}
inline Tensor IotaI64(std::vector<int64_t> dims) {
  std::vector<int64_t> v(NumElements(dims));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i);
  return I64(std::move(dims), v);
}
inline Tensor Ints(const std::vector<int64_t>& v) {
  return I64({static_cast<int64_t>(v.size())}, v);
}

template <typename T>
std::vector<T> Values(const Tensor& t) {
  auto d = t.data<T>();
  return std::vector<T>(d.begin(), d.end());
}

/// Deterministic pseudo-random floats in [-1, 1) (a fixed LCG).
std::vector<float> RandomFloats(int64_t n, uint32_t seed);

}  // namespace testing
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_TESTING_NODE_RUNNER_H_
