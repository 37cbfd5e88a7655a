// Building and reading standard QuantizeLinear/DequantizeLinear nodes, for
// the passes that rewrite foreign quantized forms (QOperator ops, integer
// ops, other exporters' QDQ conventions) into quantc's QDQ form.
#ifndef QUANTC_PASSES_IMPORT_QDQ_NODES_H_
#define QUANTC_PASSES_IMPORT_QDQ_NODES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"

namespace quantc::import {

/// y = DequantizeLinear(x, scale, zero_point) before `before`, typed float32
/// with x's shape; `axis` set for per-channel scales.
Node* AddDequantize(Graph& g, Value* x, Value* scale, Value* zero_point,
                    std::optional<int64_t> axis, Node* before, const std::string& name);

/// y = QuantizeLinear(x, scale, zero_point) before `before`, typed like
/// `type` (the quantized tensor it stands for).
Node* AddQuantize(Graph& g, Value* x, Value* scale, Value* zero_point, const TensorType& type,
                  Node* before, const std::string& name);

/// A zero-point input that can sit next to `scale`: `zp` itself when given
/// and of the same element count, else a new initializer of `storage` filled
/// with `zp`'s single value (0 when absent) and shaped like `scale`.
Value* ZeroPointFor(Graph& g, Value* zp, const Value* scale, DType storage,
                    const std::string& base);

/// The float32 values of constant `v` (a scale), or InvalidArgument naming
/// `n` when `v` is missing, not a constant or not float32.
absl::StatusOr<std::vector<float>> ConstantScales(const Node& n, const Value* v,
                                                  const std::string& what);

/// The per-channel axis to give a DequantizeLinear whose scale is `scale`:
/// `channel_axis` when the scale has more than one element, else nullopt.
std::optional<int64_t> AxisFor(const Value* scale, int64_t channel_axis);

/// The QuantizeLinear producing `v`, or nullptr.
Node* QuantizeOf(const Value* v);

/// Gives `replacement` the name of `original` (renaming `original`, which
/// becomes dead), as rewrites that replace a node do.
void TakeName(Graph& g, Node* original, Node* replacement);

}  // namespace quantc::import

#endif  // QUANTC_PASSES_IMPORT_QDQ_NODES_H_
