// legalize_tinpu: repairs a QDQ model's quantization so that every
// requantization fits TINPU's offset-scale-shift block, and says what each
// repair costs.
//
//   Before:  %c = Conv(x: s=2^-4, w: s=2^-3);  QuantizeLinear(%c, s=2^-8)   (w = 2^-7/2^-8 = 2 > 1)
//   After:   QuantizeLinear(%c, s=2^-7)
//            log: "tensor 'c' (output of node 'conv' (Conv)): scale 2^-8 -> 2^-7: weighted
//                  layer: requantization factor 2 exceeds 1 (...); costs 0.4 dB of output SQNR"
//
// Which requantizations are realizable, and how to repair one that is not,
// is the legality model's answer (backends/tinpu/legality.h), asked about
// exactly the requantizations lower_to_integer will emit (tinpu_requant.h).
// In topological order, so later tensors see earlier repairs, each
// QuantizeLinear gets:
// * a zero-point-free activation domain (int8 zp 0 or -128, uint8 zp 128 or
//   0): an asymmetric tensor is widened to the symmetric range covering the
//   same values, and a scale that is not a power of two is rounded up
//   (2^ceil(log2 s): no new clipping);
// * for a weighted layer: power-of-two weight scales at 8-bit weights
//   (rounded up), and its bias requantized at the current accumulator scale
//   s_x s_w[c];
// * the output scale coarsened (by powers of two) until every factor fits
//   its multiplier (kOutputTooFine): the repair that loses no range;
// * a weighted layer's channels whose offset overflows the field or whose
//   multiplier underflows get a coarser weight scale (kChannels), the
//   integer weights re-rounded and the bias requantized.
// Q and DequantizeLinear share their scale initializers (insert_qdq), so a
// repair updates both sides and every consumer sees it. With a float
// reference (options.reference), each repair's cost is measured: the model
// output SQNR against float, on the calibration data, before and after it
// (QDQ simulation, repairs applied in order); above warn_db it is a warning.
#include "passes/legalize_tinpu.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tinpu/legality.h"
#include "ir/printer.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "passes/tinpu_requant.h"
#include "quant/numeric.h"
#include "quant/qparams.h"
#include "quant/sqnr.h"

namespace quantc {
namespace {

using tinpu::Legality;
using tinpu::Problem;
using tinpu::Requant;

std::string Pow2(double s) {
  return IsPowerOfTwo(s) ? absl::StrCat("2^", FloorLog2(s)) : FormatFloat(s);
}

// The tensor a QuantizeLinear quantizes, named as users know it: a graph
// output keeps its public name on the DequantizeLinear output.
std::string Subject(const Graph& g, const Node& q) {
  const Value* dq = DequantizedOutput(q);
  const std::string& name = dq && g.IsGraphOutput(dq) ? dq->name() : q.input(0)->name();
  const Node* p = q.input(0)->producer();
  return absl::StrCat("tensor '", name, "' (", p ? "output of " + p->Describe() : "graph input",
                      ")");
}

class Legalizer {
 public:
  Legalizer(Graph& g, const LegalizeTinpuOptions& o)
      : g_(g), o_(o), model_(tinpu::BitWidths{o.weight_bits}) {}

  absl::StatusOr<bool> Run() {
    if (o_.reference && o_.log) before_ = g_.Clone();
    for (Node* n : g_.nodes().ToVector()) {
      if (n->op_type() == "QuantizeLinear" && n->output(0)->quant()) Legalize(n);
    }
    if (!repairs_.empty() && before_) {
      if (absl::Status st = MeasureCosts(); !st.ok()) return st;
    }
    return changed_;
  }

 private:
  void Note(Diagnostic::Severity sev, std::string subject, std::string message) {
    if (o_.log) o_.log->push_back({sev, std::move(subject), std::move(message), std::nullopt});
  }
  // A move that may cost accuracy: logged, and its graph kept for pricing.
  void Repair(std::string subject, std::string message) {
    changed_ = true;
    if (!o_.log) return;
    // Unmeasured (no reference): a warning, since the cost is unknown.
    Note(Diagnostic::Severity::kWarning, std::move(subject), std::move(message));
    if (before_) repairs_.push_back({o_.log->size() - 1, g_.Clone()});
  }

  void SetParams(Node* q, float scale, int64_t zp);
  QuantParams SyncParams(Node* q);
  void Legalize(Node* q);
  bool MakeZeroPointFree(Node* q, const QuantParams& p, float& s, int64_t& zp);
  bool FitRequantizations(Node* q, const TinpuMatch& m, float& s, int64_t zp);
  void FixLayer(Node* m);
  void ScaleWeightChannels(Node* m, const std::vector<double>& factor, const std::string& why);
  void RequantizeBias(Node* m);
  void CheckAccumulator(const Node& m, const Requant& r);
  absl::Status MeasureCosts();

  Graph& g_;
  const LegalizeTinpuOptions& o_;
  Legality model_;
  bool changed_ = false;
  std::unique_ptr<Graph> before_;
  struct Priced {
    size_t diagnostic;
    std::unique_ptr<Graph> after;
  };
  std::vector<Priced> repairs_;
};

void Legalizer::SetParams(Node* q, float scale, int64_t zp) {
  QuantParams p = *q->output(0)->quant();
  if (p.scale[0] == scale && p.zero_point[0] == zp) return;
  p.scale = {scale};
  p.zero_point = {zp};
  q->output(0)->set_quant(p);
  g_.SetInitializer(q->input(1), Tensor::Scalar<float>(scale));
  g_.SetInitializer(q->input(2), ZeroPointTensor(p.storage, zp));
  changed_ = true;
}

// Q/DQ pairs may share initializers (inherited quantization): an earlier
// repair of the source already changed them, so they, not this value's
// recorded parameters, are the truth.
QuantParams Legalizer::SyncParams(Node* q) {
  QuantParams p = *q->output(0)->quant();
  p.scale = {static_cast<float>(q->input(1)->initializer().GetAsDouble(0))};
  p.zero_point = {static_cast<int64_t>(q->input(2)->initializer().GetAsDouble(0))};
  if (!(p == *q->output(0)->quant())) {
    q->output(0)->set_quant(p);
    changed_ = true;
  }
  return p;
}

// A zero-point-free domain with a power-of-two scale: an asymmetric tensor
// is widened to the symmetric range covering the same values. Returns false
// when no TINPU domain covers it (lowering reports the tensor).
bool Legalizer::MakeZeroPointFree(Node* q, const QuantParams& p, float& s, int64_t& zp) {
  const std::string subject = Subject(g_, *q);
  if (!model_.UnsignedDomain(p.storage, zp)) {
    IntRange r = RangeFor(p.storage, model_.bits().activation, false);
    auto w = ActivationQParams(static_cast<float>((r.qmin - zp) * static_cast<double>(s)),
                               static_cast<float>((r.qmax - zp) * static_cast<double>(s)),
                               model_.ActivationSchemeFor(p.storage));
    if (!w.ok()) return false;
    SetParams(q, w->scale, w->zero_point);
    Repair(subject, absl::StrCat("zero point ", zp, " -> ", w->zero_point, ", scale ",
                                 FormatFloat(s), " -> ", Pow2(w->scale),
                                 ": TINPU activations carry no zero point"));
    s = w->scale;
    zp = w->zero_point;
  } else if (!IsPowerOfTwo(s)) {
    SetParams(q, Power2Ceil(s), zp);
    Repair(subject, absl::StrCat("scale ", FormatFloat(s), " -> ", Pow2(Power2Ceil(s)),
                                 ": TINPU activation scales are powers of two"));
    s = Power2Ceil(s);
  }
  return true;
}

// Repairs until every requantization into q's scale is realizable: the
// output first (it changes every channel's round term), then a weighted
// layer's channels; a channel repair raises w, which may need the output
// coarser again. Returns false when the legality model knows no repair
// (lowering then reports the problem).
bool Legalizer::FitRequantizations(Node* q, const TinpuMatch& m, float& s, int64_t zp) {
  for (int round = 0; round < 64; ++round) {
    auto requants = RequantsOf(m, model_, o_.input_prequantized);
    if (!requants.ok()) return false;
    std::optional<Problem> problem;
    double legal = s;
    for (const Requant& r : *requants) {
      if (!problem) problem = model_.Check(r, s);
      legal = std::max(legal, model_.MinOutputScale(r, s));
    }
    if (!problem) {
      if (m.pattern == TinpuPattern::kWeighted) CheckAccumulator(*m.op, (*requants)[0]);
      return true;
    }
    if (problem->kind == Problem::Kind::kOutputTooFine && legal > s) {
      SetParams(q, static_cast<float>(legal), zp);
      std::string hint = m.pattern == TinpuPattern::kInput
                             ? "; an application that quantizes the input itself has no input "
                               "block (--input-mode=prequantized)"
                             : "";
      Repair(Subject(g_, *q),
             absl::StrCat("scale ", Pow2(s), " -> ", Pow2(legal), ": ", problem->why, hint));
      s = static_cast<float>(legal);
      continue;
    }
    if (problem->kind != Problem::Kind::kChannels || m.pattern != TinpuPattern::kWeighted) {
      return false;
    }
    const Requant& r = (*requants)[0];
    std::vector<double> factor(r.unit.size(), 1.0);
    for (int64_t c : problem->channels) {
      std::optional<double> f = model_.ChannelScaleFactor(r, s, c);
      if (!f) return false;
      factor[static_cast<size_t>(c)] = *f;
    }
    ScaleWeightChannels(m.op, factor, problem->why);
  }
  return false;
}

void Legalizer::Legalize(Node* q) {
  QuantParams p = SyncParams(q);
  float s = p.scale[0];
  int64_t zp = p.zero_point[0];
  if (!MakeZeroPointFree(q, p, s, zp)) return;
  TinpuMatch m = MatchTinpu(g_, q);
  if (m.pattern == TinpuPattern::kWeighted) FixLayer(m.op);
  if (!FitRequantizations(q, m, s, zp) || m.pattern != TinpuPattern::kInput) return;
  // The application needs this to feed pre-quantized integers.
  tinpu::ClipRange r = model_.DomainRange(*model_.UnsignedDomain(p.storage, zp));
  Note(Diagnostic::Severity::kNote, Subject(g_, *q),
       absl::StrCat("graph input '", q->input(0)->name(), "' is quantized as round(x / ", Pow2(s),
                    ") in [", r.lo, ", ", r.hi, "]"));
}

// 8-bit weights need power-of-two weight scales (blocks only shift); the
// bias follows the accumulator scale s_x s_w[c], which legalization of the
// input may have changed.
void Legalizer::FixLayer(Node* m) {
  const Value* w = DequantizedConstant(m->input(WeightInputsOf(*m).weight));
  if (w && model_.WeightsPowerOfTwo()) {
    const std::vector<float>& scales = w->quant()->scale;
    std::vector<double> factor(scales.size(), 1.0);
    bool any = false;
    for (size_t c = 0; c < scales.size(); ++c) {
      if (IsPowerOfTwo(scales[c])) continue;
      factor[c] = Power2Ceil(scales[c]) / static_cast<double>(scales[c]);
      any = true;
    }
    if (any) {
      ScaleWeightChannels(m, factor, "8-bit-weight TINPU blocks only shift: weight scales are "
                                     "powers of two");
    }
  }
  RequantizeBias(m);
}

void Legalizer::ScaleWeightChannels(Node* m, const std::vector<double>& factor,
                                    const std::string& why) {
  Value* w = DequantizedConstant(m->input(WeightInputsOf(*m).weight));
  Node* dq = DequantizeOf(m->input(WeightInputsOf(*m).weight));
  if (!w) return;
  if (w->initializer().dtype() != DType::kInt8) return;
  QuantParams wp = *w->quant();
  Tensor q = w->initializer();
  const bool per_tensor = wp.scale.size() == 1;
  const double f_all = *std::max_element(factor.begin(), factor.end());
  const int64_t axis = per_tensor ? 0 : *wp.axis;
  const int64_t channels = per_tensor ? 1 : q.dims()[axis];
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < q.rank(); ++d) inner *= q.dims()[d];
  std::vector<std::string> moved;
  for (int64_t c = 0; c < channels; ++c) {
    const double f = per_tensor ? f_all : factor[static_cast<size_t>(c)];
    if (f == 1) continue;
    const float old = wp.scale[c];
    wp.scale[c] = static_cast<float>(old * f);
    moved.push_back(absl::StrCat(per_tensor ? "" : absl::StrCat("channel ", c, " "), Pow2(old),
                                 " -> ", Pow2(wp.scale[c])));
  }
  Tensor nq(q.dtype(), q.dims());
  for (int64_t i = 0; i < q.num_elements(); ++i) {
    const int64_t c = per_tensor ? 0 : (i / inner) % channels;
    const double f = static_cast<double>(wp.scale[c]) / w->quant()->scale[c];
    nq.mutable_data<int8_t>()[i] = static_cast<int8_t>(RoundHalfEven(q.GetAsDouble(i) / f));
  }
  g_.SetInitializer(w, nq);
  w->set_quant(wp);
  g_.SetInitializer(dq->input(1), per_tensor ? Tensor::Scalar<float>(wp.scale[0])
                                             : Tensor::FromVector<float>({channels}, wp.scale));
  RequantizeBias(m);
  Repair(absl::StrCat("weights of ", m->Describe()),
         absl::StrCat("scale ", absl::StrJoin(moved, ", "), ": ", why));
}

void Legalizer::RequantizeBias(Node* m) {
  const Value* x = m->input(0);
  const QuantParams* xp = DequantizedParams(x);
  const Value* w = DequantizedConstant(m->input(WeightInputsOf(*m).weight));
  Value* b = m->num_inputs() > 2 ? DequantizedConstant(m->input(2)) : nullptr;
  if (!xp || !w || !b || b->initializer().dtype() != DType::kInt32) return;
  const QuantParams& bp = *b->quant();
  std::vector<float> target = BiasScales(xp->scale[0], w->quant()->scale);
  if (bp.scale.size() != target.size() || bp.scale == target) return;
  const Tensor& old = b->initializer();
  Tensor nb(DType::kInt32, old.dims());
  const double lim = static_cast<double>(RangeFor(DType::kInt32, 32, false).qmax);
  for (int64_t i = 0; i < old.num_elements(); ++i) {
    const size_t c = target.size() == 1 ? 0 : static_cast<size_t>(i);
    double q = RoundHalfEven(old.GetAsDouble(i) * bp.scale[c] / target[c]);
    nb.mutable_data<int32_t>()[i] = static_cast<int32_t>(std::clamp(q, -lim - 1, lim));
  }
  QuantParams np = bp;
  np.scale = target;
  g_.SetInitializer(b, nb);
  b->set_quant(np);
  Node* dq = DequantizeOf(m->input(2));
  const Tensor& st = dq->input(1)->initializer();
  g_.SetInitializer(dq->input(1), st.rank() == 0 ? Tensor::Scalar<float>(target[0])
                                                 : Tensor::FromVector<float>(st.dims(), target));
  changed_ = true;
}

// float32 carries integers exactly below 2^24; the NPU accumulates in 32
// bits. A layer whose worst case can cross it may differ in ONNX Runtime.
void Legalizer::CheckAccumulator(const Node& m, const Requant& r) {
  double worst = 0;
  for (size_t c = 0; c < r.input_bound.size(); ++c) {
    worst = std::max(worst, r.input_bound[c] + std::abs(r.offset.empty() ? 0 : r.offset[c]));
  }
  if (worst >= Legality::Float32ExactLimit()) {
    Note(Diagnostic::Severity::kWarning, m.Describe(),
         absl::StrCat("worst-case accumulator ", worst, " exceeds ",
                      Pow2(Legality::Float32ExactLimit()), "; float32 evaluation "
                      "(ONNX Runtime) may round it, the NPU's 32-bit accumulator does not"));
  }
}

// Output SQNR before and after each repair, in order: a repair's cost is
// the drop it causes (the worst over the model's outputs).
absl::Status Legalizer::MeasureCosts() {
  auto ref = o_.reference->Outputs();
  if (!ref.ok()) return ref.status();
  const CalibrationData& data = *o_.reference->data;
  auto sqnr = [&](const Graph& g) -> absl::StatusOr<std::vector<double>> {
    // Observers left for remove_dead_nodes have no kernel: run without them.
    auto acc = CompareOutputs(**ref, *CloneWithoutObservers(g), data);
    if (!acc.ok()) return acc.status();
    std::vector<double> db;
    for (const SqnrAccumulator& a : *acc) db.push_back(std::min(a.Db(), 200.0));  // cap "exact"
    return db;
  };
  auto prev = sqnr(*before_);
  if (!prev.ok()) return prev.status();
  for (Priced& r : repairs_) {
    auto cur = sqnr(*r.after);
    if (!cur.ok()) return cur.status();
    double cost = 0;
    for (size_t k = 0; k < cur->size(); ++k) cost = std::max(cost, (*prev)[k] - (*cur)[k]);
    Diagnostic& d = (*o_.log)[r.diagnostic];
    d.cost_db = cost;
    d.severity = cost > o_.warn_db ? Diagnostic::Severity::kWarning : Diagnostic::Severity::kNote;
    prev = std::move(cur);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<bool> LegalizeTinpuPass::Run(Graph& graph) {
  return Legalizer(graph, options_).Run();
}

}  // namespace quantc
