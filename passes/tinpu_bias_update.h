// Bias correction's in-place update of a TINPU integer model: after a
// layer's float bias moves, the model the TINPU back half (insert_qdq,
// legalize_tinpu, lower_to_integer) would emit differs from the one already
// emitted only in that layer's integer bias, unless legalization repairs
// the layer (with the old or the new bias). This computes that difference
// with the passes' own arithmetic instead of emitting the model again.
#ifndef QUANTC_PASSES_TINPU_BIAS_UPDATE_H_
#define QUANTC_PASSES_TINPU_BIAS_UPDATE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "passes/insert_qdq.h"
#include "passes/layer_tap.h"

namespace quantc {

/// What one TINPU emission keeps for in-place updates.
struct TinpuBiasState {
  std::unique_ptr<Graph> qdq;        ///< insert_qdq's model, before legalization
  std::unique_ptr<Graph> legalized;  ///< legalize_tinpu's model, before lowering
  std::vector<std::string> refit;    ///< layers legalization repaired (refit_layers)
  InsertQdqOptions qdq_options;      ///< insert_qdq's options, weight cache included
  int weight_bits = 8;
  bool input_prequantized = false;
};

/// Gives `layer` (a node of the calibrated graph) the float bias `bias` in
/// the emitted integer model `lowered` (its OSS offset, multiplier and shift
/// constants), its tap in `taps`, and `state`'s graphs. Returns false when
/// the emitted model would change beyond that (a repair of this layer, a
/// pattern other than a weighted layer with its own requantization): emit
/// anew then; `state` and `lowered` may be partly updated and must be
/// dropped.
absl::StatusOr<bool> UpdateTinpuBias(TinpuBiasState& state, Graph& lowered,
                                     std::vector<LayerTap>& taps, const Node& layer,
                                     const Tensor& bias);

}  // namespace quantc

#endif  // QUANTC_PASSES_TINPU_BIAS_UPDATE_H_
