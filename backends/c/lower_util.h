// Helpers shared by the two lowerings to the integer program (generic QDQ
// in lower_qdq.cc, TINPU in lower_tinpu.cc): reading constants and static
// shapes off the graph, window geometry, the fixed-point Requant, and a
// collector that lists every node the C backend cannot implement.
#ifndef QUANTC_BACKENDS_C_LOWER_UTIL_H_
#define QUANTC_BACKENDS_C_LOWER_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "backends/c/program.h"
#include "ir/graph.h"
#include "ir/tensor.h"

namespace quantc::cbackend {

/// Whether `n` is the ai.onnx op `op`.
inline bool IsOp(const Node& n, const char* op) { return n.op_type() == op && n.domain().empty(); }

/// NumPy broadcast of two shapes; empty when they do not broadcast or the
/// result has rank above 4 (the kernels' limit).
std::vector<int64_t> Broadcast(std::vector<int64_t> a, std::vector<int64_t> b);

/// The tensor of an initializer or of a Constant node's output, else none.
std::optional<Tensor> ConstantOf(const Value* v);

/// Fully known dims of `v`'s type; InvalidArgument naming the value if a
/// dim is unknown (the C backend plans memory at compile time).
absl::StatusOr<std::vector<int64_t>> StaticDims(const Value& v);

/// Whether `v` has exactly one use and is not a graph output.
bool SingleUse(const Graph& g, const Value& v);

/// Window geometry of a Conv/pool node on an [N, C, spatial...] input with
/// 1 or 2 spatial dims; `kernel` when the node has no kernel_shape.
absl::StatusOr<Window2> MakeWindow2(const Node& n, const std::vector<int64_t>& in_dims,
                                    const std::vector<int64_t>& kernel, bool ceil_mode);

/// [N, C, out...] of a window op (rank of `in_dims` kept).
std::vector<int64_t> WindowOutputDims(const std::vector<int64_t>& in_dims, int64_t channels,
                                      const Window2& w);

/// A fixed-point Requant with one entry per real multiplier `m` (quant/
/// fixed_point.h QuantizeMultiplier), output zero point and clamp.
absl::StatusOr<Requant> FixedRequant(const std::vector<double>& m, int32_t out_zero_point,
                                     int32_t lo, int32_t hi);

/// "[1,2,3]".
std::string DimsStr(const std::vector<int64_t>& d);

/// Collects the nodes a lowering cannot implement, so the error lists them
/// all at once, and the nodes it did implement.
class Coverage {
 public:
  void Fail(const Node& n, const std::string& reason);
  void Consume(const Node* n) { consumed_.insert(n); }
  bool consumed(const Node* n) const { return consumed_.contains(n); }
  /// Consumed, or already reported as failed.
  bool handled(const Node* n) const { return consumed_.contains(n) || failed_.contains(n); }
  bool ok() const { return failures_.empty(); }
  /// Every node of `g` not consumed and not already failed becomes a
  /// failure with `reason`.
  void FailUnconsumed(const Graph& g, const std::string& reason);
  /// Unimplemented listing every failure ("node 'a' (Op): why; ...").
  absl::Status ToStatus() const;

 private:
  absl::flat_hash_set<const Node*> consumed_, failed_;
  std::vector<std::string> failures_;
};

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_LOWER_UTIL_H_
