// Emits TINPU's integer building blocks into a Graph: float32 tensors that
// hold integers, and the offset-scale-shift (OSS) requantization block of
// tinpu-format.md §2:
//
//   y = Clip(Floor(Mul(Mul(Add(x, offset), mult), shift_mult)), lo, hi)
//     = clamp(floor((x + offset) * mult * 2^-shift), lo, hi)
//
// Shared by lower_to_integer (and the input-quantize head). Constants are
// shaped to broadcast along axis 1 of a rank-r tensor: [1, C, 1, ...] per
// channel, [1, ..., 1] per tensor, as TI's exporter shapes them.
#ifndef QUANTC_PASSES_INTEGER_BUILDER_H_
#define QUANTC_PASSES_INTEGER_BUILDER_H_

#include <string>
#include <vector>

#include "backends/tinpu/oss.h"
#include "backends/tinpu/target.h"
#include "ir/graph.h"

namespace quantc {

class IntegerBuilder {
 public:
  IntegerBuilder(Graph& g, Node* before) : g_(g), before_(before) {}

  /// A float32 constant broadcasting along axis 1 of a rank-`rank` tensor.
  Value* ChannelConst(const std::string& name, const std::vector<float>& v, int64_t rank);
  /// One float32 scalar (shape []), e.g. Clip bounds.
  Value* Scalar(const std::string& name, float v);

  /// Appends a node with one output of type `type`.
  Value* Op(const std::string& op, std::vector<Value*> inputs, const std::string& name,
            const TensorType& type, std::vector<Attribute> attrs = {});

  /// The OSS block on `x` (type `type`), then Clip to `clip`.
  Value* Oss(Value* x, const tinpu::OssParams& p, tinpu::ClipRange clip, const std::string& name,
             const TensorType& type);

  /// Clip(x, lo, hi), as inputs from opset 11 and as attributes before.
  Value* Clip(Value* x, double lo, double hi, const std::string& name, const TensorType& type);

 private:
  Graph& g_;
  Node* before_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_INTEGER_BUILDER_H_
