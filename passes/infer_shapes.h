#ifndef QUANTC_PASSES_INFER_SHAPES_H_
#define QUANTC_PASSES_INFER_SHAPES_H_

#include "passes/pass.h"

namespace quantc {

/// Fills in value types that earlier passes left unknown (e.g. a Reshape
/// whose shape became a constant), using ONNX shape inference.
class InferShapesPass : public Pass {
 public:
  absl::string_view name() const override { return "infer_shapes"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_INFER_SHAPES_H_
