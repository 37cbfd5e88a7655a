#include "train/stages.h"

#include "passes/pass_manager.h"
#include "passes/quant_roles.h"

namespace quantc::train {

QatPipeline::QatPipeline(const TrainOptions& o, const CalibrationData* calib,
                         std::vector<FoldedBatchNorm>* folds, std::vector<Diagnostic>* log)
    : target_(o.target) {
  GenericQuantizeOptions& g = tinpu_.generic;
  g.calibrate.data = calib;
  g.calibrate.observer = DefaultActivationObserver(o.target == Target::kTinpu);
  g.qdq.weight_bits = o.weight_bits;
  g.float_ops = o.float_ops;
  g.folded_batch_norms = folds;
  g.log = log;
  tinpu_.output_int = o.output_int;
  schemes_ = o.target == Target::kTinpu ? WithTinpuSchemes(tinpu_).generic : g;
}

QuantizeStages QatPipeline::Stages(double bias_correction, bool quiet) const {
  TinpuQuantizeOptions t = tinpu_;
  t.generic.bias_correction = bias_correction;
  if (quiet) t.generic.log = nullptr;
  if (target_ == Target::kTinpu) return TinpuQuantizeStages(t);
  return GenericQuantizeStages(t.generic);
}

absl::Status RunPasses(std::vector<std::unique_ptr<Pass>> passes, Graph& g) {
  PassManager pm;
  pm.AddAll(std::move(passes));
  absl::StatusOr<bool> r = pm.Run(g);
  return r.ok() ? absl::OkStatus() : r.status();
}

std::map<std::string, QuantParams> QuantizedTensors(const Graph& qdq) {
  std::map<std::string, QuantParams> out;
  for (const Node* n : qdq.nodes()) {
    if (n->op_type() == "QuantizeLinear" && n->output(0)->quant()) {
      out[n->input(0)->name()] = *n->output(0)->quant();
    }
  }
  return out;
}

std::map<std::string, std::vector<float>> QuantizedBiases(const Graph& qdq) {
  std::map<std::string, std::vector<float>> out;
  for (const Node* n : qdq.nodes()) {
    WeightInputs wi = WeightInputsOf(*n);
    const Value* b = wi.bias >= 0 ? n->input(wi.bias) : nullptr;
    const Node* dq = b ? b->producer() : nullptr;
    if (!dq || dq->op_type() != "DequantizeLinear" || !dq->input(0)->is_initializer() ||
        !dq->input(0)->quant()) {
      continue;
    }
    const Tensor& q = dq->input(0)->initializer();
    const QuantParams& p = *dq->input(0)->quant();
    std::vector<float> real(q.num_elements());
    for (int64_t i = 0; i < q.num_elements(); ++i) {
      float s = p.scale.size() == 1 ? p.scale[0] : p.scale[i];
      real[i] = static_cast<float>(q.GetAsDouble(i)) * s;  // DequantizeLinear, float32
    }
    out[n->output(0)->name()] = real;
  }
  return out;
}

}  // namespace quantc::train
