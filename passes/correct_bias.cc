// correct_bias: removes the systematic (mean) error quantization adds to each
// layer's output, the compiler form of TI's bias_calibration_factor.
//
//   Before:  const %b: f32[C] [b_0, ...];  %c = Conv(%x_obs, %w, %b)
//   After:   const %b_corrected: f32[C] [b_0 + f * (E[c_float]_0 - E[c_quant]_0), ...]
//            %c = Conv(%x_obs, %w, %b_corrected)
//
// Math: quantizing weights and inputs shifts a layer's per-channel output
// mean: E[y_q] - E[y] = E[(W_q - W) x] + W_q E[x_q - x] != 0 in general.
// Adding d_c = E[y_c] - E[y_q,c] to the bias cancels that shift for the data
// distribution (Nagel et al., "Data-Free Quantization", 2019, use the same
// correction analytically; here it is measured). E[.] is the mean over the
// calibration samples and all positions other than the channel axis (axis 1
// of the layer output). `factor` scales the step (TI applies 0.1-1.0).
// The float model runs once; then layer by layer, in order, the model that
// will be emitted (options.emit: insert_qdq for the generic target; the whole
// TINPU back half, legalization and integer lowering included, for TINPU)
// is built, already carrying the corrections of the layers before it, so
// each correction sees the error that remains rather than compounding with
// its predecessors'. The layer's output is read where the emitted model has
// it (a LayerTap: for TINPU the integer accumulator, (acc + qbias) * s_acc).
// Cost: not one run per layer: an IncrementalEvaluator keeps every sample's
// values at the frontier of what is computed (bounded memory, spilling to a
// temporary file) and evaluates only what changed, so each node runs about
// once per sample overall (the corrected layer twice) instead of L times;
// the values, and so the corrections, are bit-identical to running each
// emitted model in full. Nor one emission per layer where the target can
// update a bias in place (options.update_bias; the generic target's int32
// bias, computed as insert_qdq computes it): the model is emitted once per
// sweep, and again only when a correction needs more than a new bias
// constant. TINPU's update (tinpu_bias_update.h) also moves the layer's
// requantization constants, and re-emits when legalization repairs the
// layer.
// Only Conv/ConvTranspose/Gemm with a float per-channel bias initializer
// are corrected; a shared bias is copied first.
#include "passes/correct_bias.h"

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ir/interpreter.h"
#include "passes/incremental_eval.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

struct Target {
  Node* node;         // the layer in the real graph
  int64_t channels;   // bias length
  std::vector<double> sum_float;
  int64_t count = 0;  // values per channel accumulated (float side)
};

bool HasFloatBias(const Node& n) {
  WeightInputs wi = WeightInputsOf(n);
  if (RoleOf(n) != QuantRole::kWeighted || wi.bias < 0 || n.float_op()) return false;
  const Value* b = n.input(wi.bias);
  if (!b || !b->is_initializer() || b->type().dtype != DType::kFloat32) return false;
  const Tensor& t = b->initializer();
  return t.rank() == 1 && t.num_elements() > 0 && n.GetFloat("beta", 1.f) == 1.f &&
         n.GetFloat("alpha", 1.f) == 1.f;
}

// Adds per-channel sums of real = (t + offset[c]) * scale[c] (channel axis
// 1) into `sums`; returns the number of values per channel, or -1 if the
// shape does not fit.
int64_t AccumulateChannels(const Tensor& t, const LayerTap* tap, std::vector<double>& sums) {
  int64_t c = static_cast<int64_t>(sums.size());
  if (t.rank() < 2 || t.dims()[1] != c || t.dtype() != DType::kFloat32) return -1;
  int64_t outer = t.dims()[0];
  int64_t inner = t.num_elements() / (outer * c);
  absl::Span<const float> d = t.data<float>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t ch = 0; ch < c; ++ch) {
      const float* p = d.data() + (o * c + ch) * inner;
      double s = 0;
      for (int64_t i = 0; i < inner; ++i) s += p[i];
      if (tap && !tap->scale.empty()) {
        size_t k = tap->scale.size() == 1 ? 0 : static_cast<size_t>(ch);
        double off = tap->offset.empty() ? 0 : tap->offset[tap->offset.size() == 1 ? 0 : k];
        s = (s + off * static_cast<double>(inner)) * tap->scale[k];
      }
      sums[ch] += s;
    }
  }
  return outer * inner;
}

// Where each target's output is read in `g`: its tap, else its name.
struct Reading {
  const Value* value = nullptr;
  const LayerTap* tap = nullptr;
};
Reading ReadingOf(const Graph& g, const std::vector<LayerTap>& taps, const Target& t) {
  const std::string& name = t.node->output(0)->name();
  auto tap = std::find_if(taps.begin(), taps.end(),
                          [&](const LayerTap& lt) { return lt.layer_output == name; });
  if (tap != taps.end()) return {tap->value, &*tap};
  return {g.FindValue(name), nullptr};
}

absl::Status ShapeError(const Target& t) {
  return absl::FailedPreconditionError(
      absl::StrCat(t.node->Describe(), ": output does not have its bias's channels on axis 1"));
}

// Runs the float model `g` over the data, accumulating every target's
// output channels.
absl::Status MeasureFloat(const Graph& g, const CalibrationData& data,
                          std::vector<Target>& targets) {
  absl::flat_hash_map<const Value*, size_t> by_value;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (const Value* v = g.FindValue(targets[i].node->output(0)->name())) by_value[v] = i;
  }
  Interpreter interp(g);
  absl::Status shape_error;
  interp.set_observer([&](const Value& v, const Tensor& t) {
    auto it = by_value.find(&v);
    if (it == by_value.end()) return;
    Target& tg = targets[it->second];
    int64_t n = AccumulateChannels(t, nullptr, tg.sum_float);
    if (n < 0) {
      shape_error = ShapeError(tg);
    } else {
      tg.count += n;
    }
  });
  for (int64_t i = 0; i < data.num_samples(); ++i) {
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> sample, data.Sample(i));
    QC_RETURN_IF_ERROR(interp.Run(sample).status());
    QC_RETURN_IF_ERROR(shape_error);
  }
  return absl::OkStatus();
}

}  // namespace

EmitFunction QdqEmitter(InsertQdqOptions qdq) {
  return [qdq](std::unique_ptr<Graph> g) -> absl::StatusOr<EmittedModel> {
    QC_RETURN_IF_ERROR(InsertQdqPass(qdq).Run(*g).status());
    // insert_qdq leaves its observers dead: only a live one needs a copy
    // that bypasses it.
    for (const Node* n : g->nodes()) {
      if (IsObserver(*n) && !n->output(0)->uses().empty()) {
        return EmittedModel{CloneWithoutObservers(*g), {}, nullptr};
      }
    }
    return EmittedModel{std::move(g), {}, nullptr};
  };
}

BiasUpdateFunction QdqBiasUpdater(InsertQdqOptions qdq) {
  qdq.log = nullptr;
  return [qdq](EmittedModel& emitted, const Node& layer, const Tensor& bias) {
    return UpdateQuantizedBias(*emitted.graph, layer, bias, qdq);
  };
}

absl::StatusOr<bool> CorrectBiasPass::Run(Graph& graph) {
  if (!options_.data || !options_.emit) {
    return absl::FailedPreconditionError("correct_bias needs calibration data and an emitter");
  }
  std::vector<Target> targets;
  for (Node* n : graph.nodes()) {
    if (!HasFloatBias(*n)) continue;
    int64_t c = n->input(WeightInputsOf(*n).bias)->initializer().num_elements();
    targets.push_back({n, c, std::vector<double>(c, 0.0)});
  }
  if (targets.empty() || options_.factor == 0) return false;

  std::unique_ptr<Graph> float_model = CloneWithoutObservers(graph);
  QC_RETURN_IF_ERROR(MeasureFloat(*float_model, *options_.data, targets));
  // Layer by layer, in order: each layer is measured in a model whose
  // earlier layers are already corrected, so corrections do not compound.
  IncrementalEvaluator eval(*options_.data, options_.memory_budget);
  std::optional<EmittedModel> current;  // the emitted model, corrections so far applied
  bool changed = false;
  for (Target& t : targets) {
    if (t.count == 0) continue;
    if (!current) {
      QC_ASSIGN_OR_RETURN(current, options_.emit(graph.Clone()));
    }
    EmittedModel& emitted = *current;
    const Reading r = ReadingOf(*emitted.graph, emitted.taps, t);
    if (!r.value) continue;  // the emitted model has no such output
    std::vector<double> sums(static_cast<size_t>(t.channels), 0.0);
    int64_t count = 0;
    QC_RETURN_IF_ERROR(eval.ForEachSample(*emitted.graph, r.value, [&](const Tensor& v) {
      int64_t n = AccumulateChannels(v, r.tap, sums);
      if (n < 0) return ShapeError(t);
      count += n;
      return absl::OkStatus();
    }));
    // The next model computes this layer anew: keep what it reads.
    eval.Prune(*emitted.graph, r.value->producer());
    if (count != t.count) continue;
    int bias_index = WeightInputsOf(*t.node).bias;
    Value* bias = t.node->input(bias_index);
    Tensor corrected(DType::kFloat32, {t.channels});
    absl::Span<const float> b = bias->initializer().data<float>();
    float* out = corrected.mutable_data<float>();
    for (int64_t c = 0; c < t.channels; ++c) {
      double diff = (t.sum_float[c] - sums[c]) / static_cast<double>(t.count);
      out[c] = static_cast<float>(b[c] + options_.factor * diff);
    }
    if (corrected == bias->initializer()) continue;
    t.node->SetInput(bias_index, graph.AddInitializer(bias->name() + "_corrected", corrected));
    changed = true;
    // The next layer is measured in the model with this correction: the
    // same model with a new bias constant where the target allows, one
    // emission per sweep instead of one per layer.
    bool updated = false;
    if (options_.update_bias) {
      QC_ASSIGN_OR_RETURN(updated, options_.update_bias(emitted, *t.node, corrected));
    }
    if (!updated) current.reset();
  }
  return changed;
}

}  // namespace quantc
