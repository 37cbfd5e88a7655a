#include "passes/pipelines.h"

#include "passes/conv1d_to_conv2d.h"
#include "passes/correct_bias.h"
#include "passes/fold_batch_norm.h"
#include "passes/fold_constants.h"
#include "passes/insert_observers.h"
#include "passes/legalize_tinpu.h"
#include "passes/lower_to_integer.h"
#include "passes/mark_float_ops.h"
#include "passes/infer_shapes.h"
#include "passes/pass_manager.h"
#include "passes/remove_dead_nodes.h"
#include "passes/remove_identity.h"
#include "passes/update_batch_norm.h"

namespace quantc {

std::vector<std::unique_ptr<Pass>> CanonicalPipeline() {
  std::vector<std::unique_ptr<Pass>> p;
  // Identity/Dropout hide producer-consumer pairs from later pattern matches.
  p.push_back(std::make_unique<RemoveIdentityPass>());
  // Exporters leave shape arithmetic on constants; folding it exposes the
  // static Reshape/Flatten shapes quantization needs.
  p.push_back(std::make_unique<FoldConstantsPass>());
  // The two passes above only redirect uses; this deletes what they orphaned.
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  // Folding turns dynamic shapes static; record them for later passes.
  p.push_back(std::make_unique<InferShapesPass>());
  return p;
}

std::vector<std::unique_ptr<Pass>> GenericQuantizePipeline(const GenericQuantizeOptions& o) {
  std::vector<std::unique_ptr<Pass>> p;
  // Start from the clean, fully typed graph every later pattern expects.
  p.push_back(CanonicalizePass());
  // Optionally re-estimate BN statistics on the user's data before folding.
  if (o.bn_update_epochs > 0) {
    p.push_back(std::make_unique<UpdateBatchNormPass>(
        UpdateBatchNormOptions{o.calibrate.data, o.bn_update_epochs}));
  }
  // BN folded into Conv/Gemm weights is quantized once, with the weights.
  p.push_back(std::make_unique<FoldBatchNormPass>());
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  // Mark the activation tensors to quantize (Conv/Gemm + Relu/Clip share one).
  // The user's float ops become an explicit mark every later pass reads.
  p.push_back(std::make_unique<MarkFloatOpsPass>(MarkFloatOpsOptions{o.float_ops}));
  p.push_back(std::make_unique<InsertObserversPass>());
  // Observe the float model on the user's data.
  p.push_back(std::make_unique<CalibratePass>(o.calibrate));
  // Optionally cancel the mean error quantization adds to each layer.
  if (o.bias_correction != 0) {
    p.push_back(std::make_unique<CorrectBiasPass>(
        CorrectBiasOptions{o.calibrate.data, o.bias_correction, o.qdq}));
  }
  // Observers become Q/DQ pairs; weights and biases become integers.
  p.push_back(std::make_unique<InsertQdqPass>(o.qdq));
  // The observers are now dead.
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  return p;
}

std::vector<std::unique_ptr<Pass>> TinpuQuantizePipeline(const TinpuQuantizeOptions& o) {
  GenericQuantizeOptions g = o.generic;
  ActivationScheme act;
  act.symmetric = true;  // TINPU integers carry no zero point
  act.full_range_if_nonnegative = true;  // unsigned data uses [0, 255]
  act.power2 = true;     // requantization is a shift
  g.calibrate.scheme = act;
  g.qdq.activations = act;
  g.qdq.weight_power2 = g.qdq.weight_bits == 8;  // 8-bit weights: multiplier 1
  g.qdq.weight_per_tensor = false;
  // Same front half as the generic target: the QDQ model is the contract.
  std::vector<std::unique_ptr<Pass>> p = GenericQuantizePipeline(g);
  // TI's NPU compiler has no Conv1d: 1-D regions become (k, 1) Conv2d, right
  // after canonicalize (the first pass), so everything after sees 2-D.
  p.insert(p.begin() + 1, std::make_unique<Conv1dToConv2dPass>());
  p.insert(p.begin() + 2, std::make_unique<RemoveDeadNodesPass>());
  p.pop_back();  // the generic pipeline's final remove_dead_nodes
  // Adjust scales TINPU cannot realize instead of rejecting the model.
  p.push_back(std::make_unique<LegalizeTinpuPass>(LegalizeTinpuOptions{g.qdq.weight_bits, o.log}));
  // QDQ -> integer weights and offset-scale-shift blocks.
  LowerToIntegerOptions lower;
  lower.weight_bits = g.qdq.weight_bits;
  lower.output_int = o.output_int;
  lower.input_prequantized = o.input_prequantized;
  lower.log = o.log;
  p.push_back(std::make_unique<LowerToIntegerPass>(lower));
  // Q/DQ nodes, float weights and observers are now dead.
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  return p;
}

std::unique_ptr<Pass> TinpuLowerPass() {
  TinpuQuantizeOptions o;
  std::vector<std::unique_ptr<Pass>> all = TinpuQuantizePipeline(o);
  // Keep what follows calibration: insert_qdq onwards.
  std::vector<std::unique_ptr<Pass>> tail;
  bool keep = false;
  for (auto& p : all) {
    keep = keep || p->name() == "insert_qdq";
    if (keep) tail.push_back(std::move(p));
  }
  return std::make_unique<SequencePass>("tinpu_lower", std::move(tail));
}

std::unique_ptr<Pass> CanonicalizePass() {
  // Folding can expose new Identity chains and vice versa; a small cap
  // suffices because each round removes whole chains.
  return std::make_unique<FixedPointPass>("canonicalize", CanonicalPipeline(), 8);
}

}  // namespace quantc
