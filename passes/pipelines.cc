// The named pipelines. Each is an ordered list; every entry says why it is
// there. Shared stretches (the calibration front half, the TINPU back half)
// are functions returning lists, appended whole.
#include "passes/pipelines.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tinpu/legality.h"
#include "passes/check_tinpu_ops.h"
#include "passes/conv1d_to_conv2d.h"
#include "passes/correct_bias.h"
#include "passes/fold_batch_norm.h"
#include "passes/fold_constants.h"
#include "passes/grow_float_regions.h"
#include "passes/infer_shapes.h"
#include "passes/import/complete_quantization.h"
#include "passes/import/fold_qat_batch_norm.h"
#include "passes/import/fold_qdq_casts.h"
#include "passes/import/fuse_dequantized_relu.h"
#include "passes/import/import_quantization.h"
#include "passes/import/mark_imported_float_ops.h"
#include "passes/import/normalize_biases.h"
#include "passes/import/normalize_integer_ops.h"
#include "passes/import/normalize_qdq.h"
#include "passes/import/normalize_qlinear_ops.h"
#include "passes/import/normalize_weights.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "passes/legalize_tinpu.h"
#include "passes/lower_to_integer.h"
#include "passes/mark_float_ops.h"
#include "passes/pass_manager.h"
#include "passes/reduce_to_global_pool.h"
#include "passes/remove_dead_nodes.h"
#include "passes/remove_identity.h"
#include "passes/split_to_slices.h"
#include "passes/squeeze_to_reshape.h"
#include "passes/tinpu_bias_update.h"
#include "passes/update_batch_norm.h"
#include "util/check.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

using PassList = std::vector<std::unique_ptr<Pass>>;

PassList TinpuLegalizeAndLower(const TinpuQuantizeOptions& o,
                               std::shared_ptr<FloatReference> reference,
                               std::vector<LayerTap>* taps, bool reference_is_quantized = false,
                               std::vector<LoweringProblem>* problems = nullptr);

// Observers become Q/DQ pairs with TINPU's schemes (o has them): the QDQ
// model is the contract legalization and lowering work on.
PassList TinpuInsertQdq(const TinpuQuantizeOptions& o) {
  InsertQdqOptions qdq = o.generic.qdq;
  qdq.log = o.generic.log;
  PassList p;
  p.push_back(std::make_unique<InsertQdqPass>(qdq));
  // The observers are now dead.
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  return p;
}

void Append(PassList& to, PassList more) {
  for (auto& p : more) to.push_back(std::move(p));
}

PassList Concat(QuantizeStages s) {
  PassList p = std::move(s.calibrate);
  Append(p, std::move(s.quantize));
  Append(p, std::move(s.lower));
  return p;
}

// From (BN-updated) float graph to observers, no data: what calibration
// observes, and what the TINPU op check tries.
PassList ObserverPipeline(const std::vector<std::string>& float_ops,
                          std::vector<FoldedBatchNorm>* folded) {
  PassList p;
  // BN folded into Conv/Gemm weights is quantized once, with the weights.
  p.push_back(std::make_unique<FoldBatchNormPass>(FoldBatchNormOptions{folded}));
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  // The user's float ops become an explicit mark every later pass reads.
  p.push_back(std::make_unique<MarkFloatOpsPass>(MarkFloatOpsOptions{float_ops}));
  // A float gate takes the Muls it gates (HardSwish, SiLU, SE): one region.
  p.push_back(std::make_unique<GrowFloatRegionsPass>());
  // Mark the activation tensors to quantize (Conv/Gemm + Relu/Clip share one).
  p.push_back(std::make_unique<InsertObserversPass>());
  return p;
}

// From the canonical graph to calibrated observers (both targets).
PassList CalibrationPipeline(const GenericQuantizeOptions& o) {
  PassList p;
  // Optionally re-estimate BN statistics on the user's data before folding.
  if (o.bn_update_epochs > 0) {
    p.push_back(std::make_unique<UpdateBatchNormPass>(
        UpdateBatchNormOptions{o.calibrate.data, o.bn_update_epochs}));
  }
  Append(p, ObserverPipeline(o.float_ops, o.folded_batch_norms));
  // Observe the float model on the user's data.
  p.push_back(std::make_unique<CalibratePass>(o.calibrate));
  return p;
}

}  // namespace

TinpuQuantizeOptions WithTinpuSchemes(TinpuQuantizeOptions o) {
  tinpu::Legality model(tinpu::BitWidths{o.generic.qdq.weight_bits});
  GenericQuantizeOptions& g = o.generic;
  g.calibrate.scheme = model.ActivationSchemeFor(g.calibrate.scheme.storage);
  g.qdq.activations = g.calibrate.scheme;
  g.qdq.weight_power2 = model.WeightsPowerOfTwo();
  return o;
}

PassList CanonicalPipeline() {
  PassList p;
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

PassList QuantizableFormsPipeline() {
  PassList p;
  // x.mean([2, 3]) is global average pooling; say so.
  p.push_back(std::make_unique<ReduceToGlobalPoolPass>());
  // Multi-output Split becomes single-output Slices (channel splits).
  p.push_back(std::make_unique<SplitToSlicesPass>());
  // Squeeze/Unsqueeze are Reshapes to a constant shape.
  p.push_back(std::make_unique<SqueezeToReshapePass>());
  // The rewrites above leave the old nodes behind.
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  return p;
}

QuantizeStages GenericQuantizeStages(const GenericQuantizeOptions& o) {
  QuantizeStages s;
  // Start from the clean, fully typed graph every later pattern expects.
  s.calibrate.push_back(CanonicalizePass());
  // Equivalent forms mapped to the ones the quantizers know.
  Append(s.calibrate, QuantizableFormsPipeline());
  // BN folding, float-op marks, observers, calibration.
  Append(s.calibrate, CalibrationPipeline(o));
  // Optionally cancel the mean error quantization adds to each layer.
  if (o.bias_correction != 0) {
    InsertQdqOptions qdq = o.qdq;
    qdq.log = nullptr;  // the real insert_qdq below reports its repairs
    qdq.weight_cache = MakeWeightQuantCache();  // one model per layer: quantize weights once
    CorrectBiasOptions correct{o.calibrate.data, o.bias_correction, QdqEmitter(qdq)};
    correct.update_bias = QdqBiasUpdater(qdq);
    s.quantize.push_back(std::make_unique<CorrectBiasPass>(std::move(correct)));
  }
  // Observers become Q/DQ pairs; weights and biases become integers.
  InsertQdqOptions qdq = o.qdq;
  qdq.log = o.log;
  s.quantize.push_back(std::make_unique<InsertQdqPass>(qdq));
  // The observers are now dead.
  s.quantize.push_back(std::make_unique<RemoveDeadNodesPass>());
  return s;
}

PassList GenericQuantizePipeline(const GenericQuantizeOptions& o) {
  return Concat(GenericQuantizeStages(o));
}

ObserverKind DefaultActivationObserver(bool tinpu) {
  return tinpu ? ObserverKind::kMse : ObserverKind::kMinMax;
}

absl::Status ValidateTinpuOptions(const TinpuQuantizeOptions& o) {
  const GenericQuantizeOptions& g = o.generic;
  QC_RETURN_IF_ERROR(tinpu::ValidateBitWidths({g.qdq.weight_bits, g.calibrate.scheme.bits}));
  std::vector<std::string> ignored;
  const ActivationScheme dflt;
  auto differs = [&](const ActivationScheme& s) {
    return s.storage != dflt.storage || s.bits != dflt.bits || s.symmetric != dflt.symmetric ||
           s.power2 != dflt.power2 || s.full_range_if_nonnegative != dflt.full_range_if_nonnegative;
  };
  if (differs(g.calibrate.scheme) || differs(g.qdq.activations)) {
    ignored.push_back("activation scheme (TINPU activations are zero-point free powers of two)");
  }
  if (g.qdq.weight_per_tensor) ignored.push_back("per-tensor weights (TINPU weights are per channel)");
  if (g.qdq.weight_power2) {
    ignored.push_back("weight power2 (TINPU decides: powers of two at 8-bit weights only)");
  }
  if (ignored.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--target=tinpu fixes these itself: ", absl::StrJoin(ignored, "; ")));
}

PassList TinpuLowerPipeline(const TinpuQuantizeOptions& options,
                            std::shared_ptr<FloatReference> reference,
                            std::vector<LayerTap>* taps,
                            std::vector<LoweringProblem>* problems) {
  const TinpuQuantizeOptions o = WithTinpuSchemes(options);
  PassList p = TinpuInsertQdq(o);
  Append(p, TinpuLegalizeAndLower(o, std::move(reference), taps, /*reference_is_quantized=*/false,
                                  problems));
  return p;
}

namespace {

// Legalization of a TINPU QDQ model (o already has TINPU's schemes).
PassList TinpuLegalize(const TinpuQuantizeOptions& o, std::shared_ptr<FloatReference> reference,
                       bool reference_is_quantized,
                       std::vector<std::string>* refit_layers = nullptr) {
  const GenericQuantizeOptions& g = o.generic;
  PassList p;
  // Adjust scales TINPU cannot realize instead of rejecting the model, and
  // price each repair against the float model.
  LegalizeTinpuOptions legalize;
  legalize.weight_bits = g.qdq.weight_bits;
  legalize.input_prequantized = o.input_prequantized;
  legalize.reference = std::move(reference);
  legalize.reference_is_quantized = reference_is_quantized;
  legalize.log = g.log;
  legalize.refit_layers = refit_layers;
  p.push_back(std::make_unique<LegalizeTinpuPass>(legalize));
  return p;
}

// Lowering of a legalized TINPU QDQ model to integers.
PassList TinpuLower(const TinpuQuantizeOptions& o, std::vector<LayerTap>* taps,
                    std::vector<LoweringProblem>* problems = nullptr) {
  PassList p;
  // QDQ -> integer weights and offset-scale-shift blocks.
  LowerToIntegerOptions lower;
  lower.weight_bits = o.generic.qdq.weight_bits;
  lower.output_int = o.output_int;
  lower.input_prequantized = o.input_prequantized;
  lower.taps = taps;
  lower.problems = problems;
  p.push_back(std::make_unique<LowerToIntegerPass>(lower));
  // Q/DQ nodes and float weights are now dead.
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  return p;
}

// Legalization and lowering of a TINPU QDQ model (o already has TINPU's
// schemes): shared by quantc's own and imported models.
PassList TinpuLegalizeAndLower(const TinpuQuantizeOptions& o,
                               std::shared_ptr<FloatReference> reference,
                               std::vector<LayerTap>* taps, bool reference_is_quantized,
                               std::vector<LoweringProblem>* problems) {
  PassList p = TinpuLegalize(o, std::move(reference), reference_is_quantized);
  Append(p, TinpuLower(o, taps, problems));
  return p;
}

// The TINPU back half on a copy of a calibrated graph, for bias correction:
// it measures each layer in the integer model that will be emitted, and
// keeps the models before lowering so a correction can update that model in
// place (UpdateTinpuBias) instead of emitting it again.
struct TinpuEmitState : EmittedModel::State {
  TinpuBiasState bias;
};

absl::Status RunQuietly(PassList passes, Graph& g) {
  // Not verified after every pass: a model only measured, never emitted
  // (the real run that follows is verified).
  PassManager pm(PassManagerOptions{/*verify_each=*/false});
  pm.AddAll(std::move(passes));
  return pm.Run(g).status();
}

}  // namespace

std::pair<EmitFunction, BiasUpdateFunction> TinpuBiasCorrectionEmitter(
    const TinpuQuantizeOptions& options) {
  TinpuQuantizeOptions quiet = options;
  quiet.generic.log = nullptr;  // the real run reports the repairs
  // Emitted again only when an update cannot be made in place, from copies
  // of one graph: quantize each weight once.
  quiet.generic.qdq.weight_cache = MakeWeightQuantCache();
  const TinpuQuantizeOptions o = WithTinpuSchemes(quiet);
  EmitFunction emit = [o](std::unique_ptr<Graph> g) -> absl::StatusOr<EmittedModel> {
    auto st = std::make_unique<TinpuEmitState>();
    TinpuBiasState& b = st->bias;
    QC_RETURN_IF_ERROR(RunQuietly(TinpuInsertQdq(o), *g));
    b.qdq = g->Clone();
    QC_RETURN_IF_ERROR(RunQuietly(TinpuLegalize(o, nullptr, false, &b.refit), *g));
    b.legalized = g->Clone();
    EmittedModel e;
    QC_RETURN_IF_ERROR(RunQuietly(TinpuLower(o, &e.taps), *g));
    b.qdq_options = o.generic.qdq;
    b.weight_bits = o.generic.qdq.weight_bits;
    b.input_prequantized = o.input_prequantized;
    e.graph = std::move(g);
    e.state = std::move(st);
    return e;
  };
  BiasUpdateFunction update = [](EmittedModel& e, const Node& layer, const Tensor& bias) {
    auto* st = dynamic_cast<TinpuEmitState*>(e.state.get());
    if (st == nullptr) return absl::StatusOr<bool>(false);
    return UpdateTinpuBias(st->bias, *e.graph, e.taps, layer, bias);
  };
  return {std::move(emit), std::move(update)};
}

QuantizeStages TinpuQuantizeStages(const TinpuQuantizeOptions& options) {
  QC_CHECK(ValidateTinpuOptions(options).ok());
  const TinpuQuantizeOptions o = WithTinpuSchemes(options);
  auto reference = std::make_shared<FloatReference>();
  reference->data = o.generic.calibrate.data;
  QuantizeStages s;
  // Start from the clean, fully typed graph every later pattern expects.
  s.calibrate.push_back(CanonicalizePass());
  // Equivalent forms mapped to the ones the quantizers and TINPU know.
  Append(s.calibrate, QuantizableFormsPipeline());
  // TI's NPU compiler has no Conv1d: 1-D regions become (k, 1) Conv2d
  // before anything else sees them.
  s.calibrate.push_back(std::make_unique<Conv1dToConv2dPass>());
  s.calibrate.push_back(std::make_unique<RemoveDeadNodesPass>());
  // Fail before reading any data when nodes cannot become TINPU integers,
  // naming all of them and the --float-ops value that fixes them.
  CheckTinpuOpsOptions check;
  check.float_ops = o.generic.float_ops;
  check.prepare = [](const std::vector<std::string>& float_ops) {
    return ObserverPipeline(float_ops, nullptr);
  };
  check.lower = [options](std::vector<LoweringProblem>* problems) {
    TinpuQuantizeOptions quiet = options;
    quiet.generic.log = nullptr;
    return TinpuLowerPipeline(quiet, nullptr, nullptr, problems);
  };
  s.calibrate.push_back(std::make_unique<CheckTinpuOpsPass>(std::move(check)));
  // BN folding, float-op marks, observers, calibration, as for generic.
  Append(s.calibrate, CalibrationPipeline(o.generic));
  // Keep the float model: legalization prices its repairs against it.
  s.quantize.push_back(std::make_unique<CaptureFloatReferencePass>(reference));
  // Optionally cancel each layer's mean error, measured in the integer
  // model that will be emitted.
  if (o.generic.bias_correction != 0) {
    auto [emit, update] = TinpuBiasCorrectionEmitter(options);
    CorrectBiasOptions correct{o.generic.calibrate.data, o.generic.bias_correction,
                               std::move(emit)};
    correct.update_bias = std::move(update);
    s.quantize.push_back(std::make_unique<CorrectBiasPass>(std::move(correct)));
  }
  // Q/DQ with TINPU's schemes, then legalization: the QDQ model TINPU
  // realizes; then the integer lowering.
  Append(s.quantize, TinpuInsertQdq(o));
  Append(s.quantize, TinpuLegalize(o, reference, /*reference_is_quantized=*/false));
  s.lower = TinpuLower(o, nullptr);
  return s;
}

PassList TinpuQuantizePipeline(const TinpuQuantizeOptions& options) {
  return Concat(TinpuQuantizeStages(options));
}

PassList ImportQuantizedPipeline(const ImportOptions& o) {
  PassList p;
  // Zero points PyTorch casts in the graph are checked before folding
  // could wrap an out-of-range one.
  p.push_back(std::make_unique<FoldQdqCastsPass>());
  // Identity/constant cleanup; folds the QuantizeLinear of float weights
  // (keeping every DequantizeLinear) so weights become integer constants.
  p.push_back(CanonicalizePass());
  // QOperator and integer ops become the QDQ form everything below reads.
  // The replaced nodes go before shapes are inferred through the new float
  // ops (ONNX knows no com.microsoft shapes) and before Q/DQ are validated.
  p.push_back(std::make_unique<NormalizeQLinearOpsPass>());
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  p.push_back(std::make_unique<InferShapesPass>());
  p.push_back(std::make_unique<NormalizeIntegerOpsPass>());
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  p.push_back(std::make_unique<InferShapesPass>());
  // Validate every Q/DQ and record the quantization as IR data.
  p.push_back(std::make_unique<ImportQuantizationPass>());
  // PyTorch's QAT Conv+BN exports the BN unfolded after the quantized conv.
  p.push_back(std::make_unique<FoldQatBatchNormPass>());
  // Shared scalar Q/DQ parameters, no redundant pairs, plain constants.
  p.push_back(std::make_unique<NormalizeQdqPass>(NormalizeQdqOptions{o.log}));
  // Relu after a layer's DequantizeLinear fuses into its quantization.
  p.push_back(std::make_unique<FuseDequantizedReluPass>(FuseDequantizedReluOptions{o.log}));
  // int8 per-channel symmetric weights, the source's integers kept.
  p.push_back(std::make_unique<NormalizeWeightsPass>(NormalizeWeightsOptions{o.log}));
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  if (o.target == ImportTarget::kTinpu) {
    // TI's NPU compiler has no Conv1d (as for quantc's own models).
    p.push_back(std::make_unique<Conv1dToConv2dPass>());
    p.push_back(std::make_unique<RemoveDeadNodesPass>());
  }
  // The user's extra float ops, then the ones the model and target imply.
  p.push_back(std::make_unique<MarkFloatOpsPass>(MarkFloatOpsOptions{o.float_ops}));
  p.push_back(std::make_unique<MarkImportedFloatOpsPass>(MarkImportedFloatOpsOptions{o.target, o.log}));
  return p;
}

tinpu::BitWidths ImportedBitWidths(const Graph& g) {
  double max_abs = 0;
  for (const Value* v : g.initializers()) {
    if (!v->quant() || v->quant()->kind != QuantTensorKind::kWeight) continue;
    for (int64_t i = 0; i < v->initializer().num_elements(); ++i) {
      max_abs = std::max(max_abs, std::abs(v->initializer().GetAsDouble(i)));
    }
  }
  tinpu::BitWidths bits;
  // A width holds +-(2^(b-1) - 1); one more (PyTorch's -2^(b-1)) clips.
  for (int b : {2, 4}) {
    if (max_abs > 0 && max_abs <= std::ldexp(1.0, b - 1)) {
      bits.weight = b;
      break;
    }
  }
  return bits;
}

namespace {

// Stage 2's common start: the ranges the model lacks, from the model or
// from calibration (--calib), with the target's activation scheme.
void AppendCompletion(PassList& p, const ImportedQuantizeOptions& o, ImportTarget target,
                      const GenericQuantizeOptions& g) {
  CompleteQuantizationOptions complete;
  complete.target = target;
  complete.can_calibrate = g.calibrate.data != nullptr;
  complete.missing = o.missing;
  complete.log = o.import.log;
  p.push_back(std::make_unique<CompleteQuantizationPass>(complete));
  if (complete.can_calibrate) p.push_back(std::make_unique<CalibratePass>(g.calibrate));
  // Observers become Q/DQ pairs; float weights of quantized layers (an
  // exporter that left them float) are quantized as quantc's own are.
  InsertQdqOptions qdq = g.qdq;
  qdq.log = o.import.log;
  p.push_back(std::make_unique<InsertQdqPass>(qdq));
  // Integer kernels add an int32 bias at s_x * s_w.
  p.push_back(std::make_unique<NormalizeBiasesPass>(NormalizeBiasesOptions{o.import.log}));
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
}

}  // namespace

PassList ImportedGenericPipeline(const ImportedQuantizeOptions& o) {
  PassList p;
  AppendCompletion(p, o, ImportTarget::kGeneric, o.target.generic);
  return p;
}

PassList ImportedTinpuPipeline(const ImportedQuantizeOptions& options) {
  const TinpuQuantizeOptions t = WithTinpuSchemes(options.target);
  PassList p;
  AppendCompletion(p, options, ImportTarget::kTinpu, t.generic);
  // The imported model (as quantc's QDQ form) is what repairs are priced
  // against, on the calibration data when there is some.
  std::shared_ptr<FloatReference> reference;
  if (t.generic.calibrate.data) {
    reference = std::make_shared<FloatReference>();
    reference->data = t.generic.calibrate.data;
    p.push_back(std::make_unique<CaptureFloatReferencePass>(reference));
  }
  Append(p, TinpuLegalizeAndLower(t, reference, nullptr, /*reference_is_quantized=*/true));
  return p;
}

namespace {

// Both stages of an imported model, for one target, as one pass.
class ImportedPass : public Pass {
 public:
  explicit ImportedPass(ImportTarget target) : target_(target) {}
  absl::string_view name() const override {
    return target_ == ImportTarget::kTinpu ? "imported_tinpu" : "imported_generic";
  }
  absl::StatusOr<bool> Run(Graph& g) override {
    ImportedQuantizeOptions o;
    o.import.target = target_;
    PassManager stage1;
    stage1.AddAll(ImportQuantizedPipeline(o.import));
    QC_ASSIGN_OR_RETURN(bool changed, stage1.Run(g));
    o.target.generic.qdq.weight_bits = ImportedBitWidths(g).weight;
    PassManager stage2;
    stage2.AddAll(target_ == ImportTarget::kTinpu ? ImportedTinpuPipeline(o)
                                                  : ImportedGenericPipeline(o));
    QC_ASSIGN_OR_RETURN(bool changed2, stage2.Run(g));
    return changed || changed2;
  }

 private:
  ImportTarget target_;
};

}  // namespace

std::unique_ptr<Pass> ImportedGenericPass() {
  return std::make_unique<ImportedPass>(ImportTarget::kGeneric);
}

std::unique_ptr<Pass> ImportedTinpuPass() { return std::make_unique<ImportedPass>(ImportTarget::kTinpu); }

std::unique_ptr<Pass> TinpuLowerPass() {
  return std::make_unique<SequencePass>("tinpu_lower", TinpuLowerPipeline({}));
}

std::unique_ptr<Pass> CanonicalizePass() {
  // Folding can expose new Identity chains and vice versa; a small cap
  // suffices because each round removes whole chains.
  return std::make_unique<FixedPointPass>("canonicalize", CanonicalPipeline(), 8);
}

}  // namespace quantc
