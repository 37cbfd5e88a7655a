#include "quant/report.h"

#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "ir/interpreter.h"
#include "ir/printer.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "quant/sqnr.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

// One entry per quantized activation: the Q node's float input name, and
// the dequantized Value carrying its quantized version.
struct ActivationPair {
  size_t report_index;
  std::string float_name;
  const Value* dequantized;
};

// Weight or bias entries: compare each dequantized constant with the float
// initializer it replaced, found structurally: the same layer (by its output,
// whose name both graphs share) reads it at the same input index.
void AddConstants(const Graph& calibrated, const Graph& quantized, QuantReport& r) {
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
    t.kind = qp.kind == QuantTensorKind::kBias ? "bias" : "weight";
    t.layer = layer->name();
    t.min = fd.empty() ? 0 : *std::min_element(fd.begin(), fd.end());
    t.max = fd.empty() ? 0 : *std::max_element(fd.begin(), fd.end());
    t.scale = qp.scale;
    t.zero_point = qp.zero_point;
    t.sqnr_db = a.Db();
    r.tensors.push_back(t);
  }
}

std::string Num(double v) {
  if (std::isinf(v)) return v > 0 ? "\"inf\"" : "\"-inf\"";
  if (std::isnan(v)) return "null";
  return fmt::format("{:.6g}", v);
}

}  // namespace

absl::StatusOr<QuantReport> BuildQuantReport(const Graph& calibrated, const Graph& quantized,
                                             const CalibrationData& data) {
  QuantReport r;
  std::unique_ptr<Graph> float_model = CloneWithoutObservers(calibrated);
  absl::flat_hash_map<std::string, const Node*> observers;  // observed name -> observer
  for (const Node* n : calibrated.nodes()) {
    if (IsObserver(*n)) observers[n->input(0)->name()] = n;
  }
  std::vector<ActivationPair> pairs;
  for (const Node* n : quantized.nodes()) {
    if (n->op_type() != "QuantizeLinear" || !n->output(0)->quant()) continue;
    const Value* dq = DequantizedOutput(*n);
    if (!dq) continue;
    // The float tensor keeps its (possibly internal) name in both graphs;
    // users know a graph output by its public name, on the DQ output.
    const std::string& float_name = n->input(0)->name();
    TensorReport t;
    t.name = quantized.IsGraphOutput(dq) ? dq->name() : float_name;
    t.kind = "activation";
    t.scale = n->output(0)->quant()->scale;
    t.zero_point = n->output(0)->quant()->zero_point;
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
    if (f != float_values.end()) acts[it->second].Add(f->second.data<float>(), t.data<float>());
  });
  for (int64_t i = 0; i < data.num_samples(); ++i) {
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> sample, data.Sample(i));
    float_values.clear();
    for (size_t k = 0; k < sample.size(); ++k) {
      const std::string& name = float_model->inputs()[k]->name();
      if (wanted.contains(name)) float_values[name] = sample[k];
    }
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> fo, fi.Run(sample));
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> qo, qi.Run(sample));
    for (size_t k = 0; k < fo.size() && k < qo.size(); ++k) {
      if (fo[k].dtype() == DType::kFloat32 && qo[k].dtype() == DType::kFloat32) {
        outs[k].Add(fo[k].data<float>(), qo[k].data<float>());
      }
    }
  }
  r.samples = data.num_samples();
  for (size_t i = 0; i < pairs.size(); ++i) r.tensors[pairs[i].report_index].sqnr_db = acts[i].Db();
  for (size_t k = 0; k < outs.size(); ++k) {
    r.outputs.push_back({quantized.outputs()[k]->name(), outs[k].Db(), outs[k].max_abs_error()});
  }
  AddConstants(calibrated, quantized, r);
  return r;
}

std::string ReportToJson(const QuantReport& r,
                         const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> tensors, outputs;
  for (const TensorReport& t : r.tensors) {
    std::vector<std::string> s;
    for (float f : t.scale) s.push_back(Num(f));
    tensors.push_back(absl::StrCat(
        "{\"name\":", JsonString(t.name), ",\"kind\":", JsonString(t.kind),
        t.layer.empty() ? "" : absl::StrCat(",\"layer\":", JsonString(t.layer)),
        ",\"min\":", Num(t.min), ",\"max\":", Num(t.max), ",\"scale\":[", absl::StrJoin(s, ","),
        "],\"zero_point\":[", absl::StrJoin(t.zero_point, ","), "],\"sqnr_db\":", Num(t.sqnr_db),
        "}"));
  }
  for (const OutputReport& o : r.outputs) {
    outputs.push_back(absl::StrCat("{\"name\":", JsonString(o.name), ",\"sqnr_db\":",
                                   Num(o.sqnr_db), ",\"max_abs_error\":", Num(o.max_abs_error), "}"));
  }
  std::string more;
  for (const auto& [key, json] : extra) absl::StrAppend(&more, ",\n", JsonString(key), ":", json);
  return absl::StrCat("{\"samples\":", r.samples, ",\"outputs\":[", absl::StrJoin(outputs, ",\n  "),
                      "],\n\"tensors\":[\n  ", absl::StrJoin(tensors, ",\n  "), "\n]", more,
                      "}\n");
}

std::string ReportToTable(const QuantReport& r) {
  std::string out = fmt::format("{:<48} {:<10} {:>10} {:>10} {:>12} {:>5} {:>9}\n", "tensor",
                                "kind", "min", "max", "scale", "zp", "SQNR dB");
  for (const TensorReport& t : r.tensors) {
    std::string name = t.name.size() > 48 ? "..." + t.name.substr(t.name.size() - 45) : t.name;
    bool per_channel = t.scale.size() > 1;
    out += fmt::format("{:<48} {:<10} {:>10.4g} {:>10.4g} {:>12} {:>5} {:>9.2f}\n", name, t.kind,
                       t.min, t.max, per_channel ? "per-channel" : FormatFloat(t.scale[0]),
                       per_channel ? "-" : absl::StrCat(t.zero_point[0]), t.sqnr_db);
  }
  for (const OutputReport& o : r.outputs) {
    out += fmt::format("model output {:<35} SQNR {:.2f} dB, max |error| {:.4g}\n", o.name,
                       o.sqnr_db, o.max_abs_error);
  }
  return out;
}

}  // namespace quantc
