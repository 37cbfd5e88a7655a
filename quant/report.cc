#include "quant/report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ir/interpreter.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "quant/sqnr.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

// Bins of an activation histogram (over 256 codes: 8 codes a bin) and the
// most bins of a weight histogram (fewer when there are fewer codes).
constexpr int kActivationBins = 32;
constexpr int kMaxWeightBins = 32;

// One entry per quantized activation: the Q node's float input name, and
// the dequantized Value carrying its quantized version.
struct ActivationPair {
  size_t report_index;
  std::string float_name;
  const Value* dequantized;
};

int StorageBits(DType t) { return static_cast<int>(DTypeSize(t)) * 8; }

std::pair<int64_t, int64_t> StorageRange(DType t) {
  switch (t) {
    case DType::kUInt8:
      return {0, 255};
    case DType::kInt16:
      return {-32768, 32767};
    case DType::kUInt16:
      return {0, 65535};
    default:
      return {-128, 127};
  }
}

// Float values over what the quantizer represents: codes qmin..qmax, each
// code's rounding interval included (a half code either side).
std::optional<RangeHistogram> ActivationHistogram(const QuantParams& qp) {
  if (qp.scale.size() != 1 || qp.zero_point.size() != 1) return std::nullopt;
  const auto [qmin, qmax] = StorageRange(qp.storage);
  const double s = qp.scale[0], zp = static_cast<double>(qp.zero_point[0]);
  return RangeHistogram("value", s * (qmin - zp - 0.5), s * (qmax - zp + 0.5), kActivationBins);
}

// Each weight as value / scale + zero point of its channel, over the
// symmetric integer range of `bits`.
RangeHistogram WeightHistogram(const Tensor& w, const QuantParams& qp, int bits) {
  const int64_t qmax = (int64_t{1} << (bits - 1)) - 1;
  const int codes = static_cast<int>(2 * qmax + 1);
  RangeHistogram h("code", -qmax - 0.5, qmax + 0.5, std::min(codes, kMaxWeightBins));
  const std::vector<int64_t>& dims = w.dims();
  const int64_t channels = static_cast<int64_t>(qp.scale.size());
  const int64_t axis = qp.axis.value_or(0);
  int64_t inner = 1;
  for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
  absl::Span<const float> v = w.data<float>();
  for (size_t i = 0; i < v.size(); ++i) {
    const int64_t c = channels > 1 ? (static_cast<int64_t>(i) / inner) % channels : 0;
    const double zp = c < static_cast<int64_t>(qp.zero_point.size()) ? qp.zero_point[c] : 0;
    if (qp.scale[c] > 0) h.Add(v[i] / qp.scale[c] + zp);
  }
  return h;
}

// The activation quantized right after `layer`, through a fused Relu/Clip
// (which insert_qdq quantizes together with the layer): its float name.
std::optional<std::string> QuantizedOutputOf(const Node& layer) {
  const Value* v = layer.output(0);
  for (int hops = 0; hops < 3 && v->uses().size() == 1; ++hops) {
    const Node* u = v->uses()[0].user;
    if (u->op_type() == "QuantizeLinear") return u->input(0)->name();
    if (u->op_type() != "Relu" && u->op_type() != "Clip") break;
    v = u->output(0);
  }
  return std::nullopt;
}

// Weight or bias entries: compare each dequantized constant with the float
// initializer it replaced, found structurally: the same layer (by its output,
// whose name both graphs share) reads it at the same input index. Each
// weight also makes a LayerReport.
void AddConstants(const Graph& calibrated, const Graph& quantized, int weight_bits,
                  QuantReport& r) {
  for (const Node* n : quantized.nodes()) {
    const Value* c = n->num_outputs() > 0 ? DequantizedConstant(n->output(0)) : nullptr;
    if (!c || n->output(0)->uses().empty()) continue;
    const QuantParams& qp = *c->quant();
    if (qp.kind == QuantTensorKind::kActivation) continue;
    const Use& use = n->output(0)->uses()[0];
    const Node* layer = use.user;
    const Value* twin = calibrated.FindValue(layer->output(0)->name());
    const Node* float_layer = twin ? twin->producer() : nullptr;
    const Value* fv = float_layer ? float_layer->input(use.index) : nullptr;
    if (!fv || !fv->is_initializer()) continue;
    const Tensor& f = fv->initializer();
    auto deq = EvaluateNode(*n, {&n->input(0)->initializer(), &n->input(1)->initializer(),
                                 &n->input(2)->initializer()},
                            quantized.opset());
    if (!deq.ok() || f.dtype() != DType::kFloat32) continue;
    SqnrAccumulator a;
    a.Add(f.data<float>(), (*deq)[0].data<float>());
    absl::Span<const float> fd = f.data<float>();
    TensorReport t;
    t.name = fv->name();
    const bool bias = qp.kind == QuantTensorKind::kBias;
    t.kind = bias ? "bias" : "weight";
    t.layer = layer->name();
    t.bits = bias ? StorageBits(qp.storage) : weight_bits;
    t.min = fd.empty() ? 0 : *std::min_element(fd.begin(), fd.end());
    t.max = fd.empty() ? 0 : *std::max_element(fd.begin(), fd.end());
    t.scale = qp.scale;
    t.zero_point = qp.zero_point;
    t.sqnr_db = a.Db();
    if (!bias && !qp.scale.empty()) t.histogram = WeightHistogram(f, qp, weight_bits);
    r.tensors.push_back(t);
    if (bias) continue;
    LayerReport l;
    l.name = layer->name().empty() ? layer->output(0)->name() : layer->name();
    l.op = layer->op_type();
    l.weight = t.name;
    l.weight_bits = weight_bits;
    l.weight_sqnr_db = t.sqnr_db;
    l.output = QuantizedOutputOf(*layer);
    r.layers.push_back(l);
  }
}

}  // namespace

RangeHistogram::RangeHistogram(std::string unit, double lo, double hi, int bins)
    : unit(std::move(unit)), lo(lo), hi(hi), counts(bins, 0) {}

void RangeHistogram::Add(double v) {
  if (!(v >= lo)) {
    ++below;  // NaN counts as outside too
    return;
  }
  if (v >= hi) {
    ++above;
    return;
  }
  const double pos = (v - lo) / (hi - lo) * static_cast<double>(counts.size());
  ++counts[std::min(counts.size() - 1, static_cast<size_t>(pos))];
}

absl::StatusOr<QuantReport> BuildQuantReport(const Graph& calibrated, const Graph& quantized,
                                             const CalibrationData& data, int weight_bits,
                                             const std::function<void(int64_t, int64_t)>& progress,
                                             absl::Span<const int64_t> samples,
                                             std::vector<std::vector<Tensor>>* float_outputs) {
  std::vector<int64_t> all;
  if (samples.empty()) {
    all = EvenlySpacedSamples(data.num_samples(), 0);
    samples = all;
  }
  QuantReport r;
  std::unique_ptr<Graph> float_model = CloneWithoutObservers(calibrated);
  absl::flat_hash_map<std::string, const Node*> observers;  // observed name -> observer
  for (const Node* n : calibrated.nodes()) {
    if (IsObserver(*n)) observers[n->input(0)->name()] = n;
  }
  std::vector<ActivationPair> pairs;
  absl::flat_hash_map<std::string, size_t> activation_index;  // float name -> tensor
  for (const Node* n : quantized.nodes()) {
    if (n->op_type() != "QuantizeLinear" || !n->output(0)->quant()) continue;
    const Value* dq = DequantizedOutput(*n);
    if (!dq) continue;
    // The float tensor keeps its (possibly internal) name in both graphs;
    // users know a graph output by its public name, on the DQ output.
    const std::string& float_name = n->input(0)->name();
    const QuantParams& qp = *n->output(0)->quant();
    TensorReport t;
    t.name = quantized.IsGraphOutput(dq) ? dq->name() : float_name;
    t.kind = "activation";
    t.bits = StorageBits(qp.storage);
    t.scale = qp.scale;
    t.zero_point = qp.zero_point;
    t.histogram = ActivationHistogram(qp);
    auto obs = observers.find(float_name);
    if (obs != observers.end()) {
      // An inherit=1 observer reuses its producer's input range: follow the
      // chain of value-preserving ops back to the observer that measured it.
      const Node* o = obs->second;
      for (int hops = 0; o && o->GetInt("inherit", 0) && hops < 64; ++hops) {
        const Node* p = o->input(0)->producer();
        const Value* in = p ? p->input(0) : nullptr;
        o = in && in->producer() && IsObserver(*in->producer()) ? in->producer() : nullptr;
      }
      std::vector<float> mm = o ? o->GetFloats("minmax") : std::vector<float>{};
      if (mm.size() == 2) {
        t.min = mm[0];
        t.max = mm[1];
      }
    }
    activation_index.emplace(float_name, r.tensors.size());
    pairs.push_back({r.tensors.size(), float_name, dq});
    r.tensors.push_back(t);
  }
  // Run both models per sample; the float side keeps the tensors the
  // quantized side's observer callback then compares against.
  absl::flat_hash_map<std::string, Tensor> float_values;
  absl::flat_hash_map<std::string, size_t> wanted;  // float name -> pair
  for (size_t i = 0; i < pairs.size(); ++i) wanted[pairs[i].float_name] = i;
  absl::flat_hash_map<const Value*, size_t> dq_pair;
  for (size_t i = 0; i < pairs.size(); ++i) dq_pair[pairs[i].dequantized] = i;
  std::vector<SqnrAccumulator> acts(pairs.size()), outs(quantized.outputs().size());
  Interpreter fi(*float_model), qi(quantized);
  fi.set_observer([&](const Value& v, const Tensor& t) {
    if (wanted.contains(v.name())) float_values[v.name()] = t;
  });
  qi.set_observer([&](const Value& v, const Tensor& t) {
    auto it = dq_pair.find(&v);
    if (it == dq_pair.end()) return;
    auto f = float_values.find(pairs[it->second].float_name);
    if (f == float_values.end()) return;
    acts[it->second].Add(f->second.data<float>(), t.data<float>());
    std::optional<RangeHistogram>& h = r.tensors[pairs[it->second].report_index].histogram;
    if (h) {
      for (float x : f->second.data<float>()) h->Add(x);
    }
  });
  const int64_t total = static_cast<int64_t>(samples.size());
  for (int64_t done = 0; done < total; ++done) {
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> sample, data.Sample(samples[done]));
    float_values.clear();
    for (size_t k = 0; k < sample.size(); ++k) {
      const std::string& name = float_model->inputs()[k]->name();
      if (wanted.contains(name)) float_values[name] = sample[k];
    }
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> fo, fi.Run(sample));
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> qo, qi.Run(sample));
    if (float_outputs) float_outputs->push_back(fo);
    for (size_t k = 0; k < fo.size() && k < qo.size(); ++k) {
      if (fo[k].dtype() == DType::kFloat32 && qo[k].dtype() == DType::kFloat32) {
        outs[k].Add(fo[k].data<float>(), qo[k].data<float>());
      }
    }
    if (progress) progress(done + 1, total);
  }
  r.samples = total;
  r.calibration_samples = data.num_samples();
  for (size_t i = 0; i < pairs.size(); ++i) r.tensors[pairs[i].report_index].sqnr_db = acts[i].Db();
  for (size_t k = 0; k < outs.size(); ++k) {
    r.outputs.push_back({quantized.outputs()[k]->name(), outs[k].Db(), outs[k].max_abs_error()});
  }
  AddConstants(calibrated, quantized, weight_bits, r);
  for (LayerReport& l : r.layers) {
    auto it = l.output ? activation_index.find(*l.output) : activation_index.end();
    if (it == activation_index.end()) {
      l.output.reset();
      continue;
    }
    l.output = r.tensors[it->second].name;
    l.output_sqnr_db = r.tensors[it->second].sqnr_db;
  }
  return r;
}

}  // namespace quantc
