// Where a layer's real-valued output (before its activation) can be read in
// a model about to be emitted: bias correction measures that model, whatever
// form the target gives it (QDQ floats, or TINPU integer accumulators).
#ifndef QUANTC_PASSES_LAYER_TAP_H_
#define QUANTC_PASSES_LAYER_TAP_H_

#include <string>
#include <vector>

#include "ir/graph.h"

namespace quantc {

/// real[..., c, ...] = (value[..., c, ...] + offset[c]) * scale[c], channels
/// on axis 1; empty `scale` means the value is real already.
struct LayerTap {
  std::string layer_output;  ///< the layer's output name in the float model
  const Value* value = nullptr;
  std::vector<double> scale;
  std::vector<double> offset;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_LAYER_TAP_H_
