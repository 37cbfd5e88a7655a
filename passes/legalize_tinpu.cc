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
#include "absl/strings/str_format.h"
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
  return IsPowerOfTwo(s) ? absl::StrCat("2^", FloorLog2(s)) : FormatFloat(static_cast<float>(s));
}

// The power of two a scale that is none moves to. Up (2^ceil) never clips;
// down (2^floor) keeps more resolution but clips the values in the top
// (1 - down/s) of the range, so it is taken when that loses at most two of
// the `codes` integer steps between the zero point and the range's end
// (e.g. ONNX Runtime's 1/255 input scale for data in [0, 1] -> 2^-8, clipping
// only 1.0 itself by one step, instead of 2^-7, which halves the resolution).
float Power2Near(float s, double codes) {
  const float down = std::ldexp(1.0f, FloorLog2(s));
  return codes * (1 - down / static_cast<double>(s)) <= 2 ? down : Power2Ceil(s);
}

// max |q| per channel of a quantized weight (one entry when per tensor).
std::vector<double> MaxAbsPerChannel(const Value& w) {
  const QuantParams& p = *w.quant();
  const Tensor& t = w.initializer();
  std::vector<double> out(p.scale.size(), 0.0);
  const int64_t axis = p.axis ? *p.axis : 0;
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < t.rank(); ++d) inner *= t.dims()[d];
  const int64_t channels = static_cast<int64_t>(out.size());
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    const size_t c = channels == 1 ? 0 : static_cast<size_t>((i / inner) % channels);
    out[c] = std::max(out[c], std::abs(t.GetAsDouble(i)));
  }
  return out;
}

// The loss of a tensor's SQNR when its scale grows from `from` to `to`
// (uniform quantization noise: 20 log10 of the step ratio).
double ScaleLossDb(double from, double to) { return 20 * std::log10(to / from); }

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
  // Without a reference (an imported model quantized without calibration
  // data) nothing can be measured: `estimate_db`, the loss of the moved
  // tensor's own SQNR under a uniform quantization-noise model, is said
  // instead, and decides the severity; no estimate means a warning.
  void Repair(std::string subject, std::string message,
              std::optional<double> estimate_db = std::nullopt) {
    changed_ = true;
    if (!o_.log) return;
    if (before_) {
      Note(Diagnostic::Severity::kWarning, std::move(subject), std::move(message));
      repairs_.push_back({o_.log->size() - 1, g_.Clone()});
      return;
    }
    if (estimate_db) estimate_db = std::max(0.0, *estimate_db);  // a finer step costs nothing
    const bool minor = estimate_db && *estimate_db <= o_.warn_db;
    absl::StrAppend(&message, estimate_db ? absl::StrFormat("; about %.1f dB of this tensor's "
                                                            "SQNR", *estimate_db)
                                          : std::string(),
                    " (not measured on the model's output: no calibration data)");
    Note(minor ? Diagnostic::Severity::kNote : Diagnostic::Severity::kWarning, std::move(subject),
         std::move(message));
  }

  void SetParams(Node* q, float scale, int64_t zp);
  QuantParams SyncParams(Node* q);
  void Legalize(Node* q);
  bool MakeZeroPointFree(Node* q, const QuantParams& p, float& s, int64_t& zp);
  bool ShiftZeroPoint(Node* q, const QuantParams& p, float& s, int64_t& zp);
  void FitWeightRange(Node* m);
  bool FitRequantizations(Node* q, const TinpuMatch& m, float& s, int64_t zp);
  void FixLayer(Node* m);
  void ScaleWeightChannels(Node* m, const std::vector<double>& factor, const std::string& why);
  void RequantizeBias(Node* m);
  void CheckAccumulator(const Node& m, const Requant& r);
  absl::Status MeasureCosts();
  absl::Status MeasurePerturbations();

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
  if (!model_.UnsignedDomain(p.storage, zp) && ShiftZeroPoint(q, p, s, zp)) return true;
  if (!model_.UnsignedDomain(p.storage, zp)) {
    IntRange r = RangeFor(p.storage, model_.bits().activation, false);
    auto w = ActivationQParams(static_cast<float>((r.qmin - zp) * static_cast<double>(s)),
                               static_cast<float>((r.qmax - zp) * static_cast<double>(s)),
                               model_.ActivationSchemeFor(p.storage));
    if (!w.ok()) return false;
    SetParams(q, w->scale, w->zero_point);
    Repair(subject,
           absl::StrCat("zero point ", zp, " -> ", w->zero_point, ", scale ", FormatFloat(s), " -> ",
                        Pow2(w->scale), ": TINPU activations carry no zero point"),
           ScaleLossDb(s, w->scale));
    s = w->scale;
    zp = w->zero_point;
  } else if (!IsPowerOfTwo(s)) {
    const IntRange r = RangeFor(p.storage, model_.bits().activation, false);
    const double codes = static_cast<double>(std::max(r.qmax - zp, zp - r.qmin));
    const float ns = Power2Near(s, codes);
    SetParams(q, ns, zp);
    Repair(subject,
           absl::StrCat("scale ", FormatFloat(s), " -> ", Pow2(ns),
                        ": TINPU activation scales are powers of two",
                        ns < s ? absl::StrFormat(" (rounded down: the top %.1f of %g codes clip)",
                                                 codes * (1 - ns / s), codes)
                               : ""),
           ScaleLossDb(s, ns));
    s = ns;
  }
  return true;
}

// A zero point one code away from a TINPU domain's (PyTorch's quint8
// symmetric zero point 127, where TINPU's signed domain has 128): the
// integers keep their scale and take that domain, losing the one code at
// the range's far end, which is what TI does with such tensors (format doc
// §1.2). Widening the range instead would double the step.
bool Legalizer::ShiftZeroPoint(Node* q, const QuantParams& p, float& s, int64_t& zp) {
  for (int64_t d : {-1, 1}) {
    if (!model_.UnsignedDomain(p.storage, zp + d)) continue;
    const IntRange r = RangeFor(p.storage, model_.bits().activation, false);
    const float ns = IsPowerOfTwo(s) ? s
                                     : Power2Near(s, static_cast<double>(std::max(
                                                         r.qmax - (zp + d), (zp + d) - r.qmin)));
    const double lost = d > 0 ? (r.qmax - zp) * static_cast<double>(s)
                              : (r.qmin - zp) * static_cast<double>(s);
    SetParams(q, ns, zp + d);
    Repair(Subject(g_, *q),
           absl::StrCat("zero point ", zp, " -> ", zp + d,
                        ns != s ? absl::StrCat(", scale ", FormatFloat(s), " -> ", Pow2(ns)) : "",
                        ": TINPU activations carry no zero point; the value ", FormatFloat(static_cast<float>(lost)),
                        " at the range's end now clips to its neighbour (as TI does)"),
           ScaleLossDb(s, ns));
    s = ns;
    zp += d;
    return true;
  }
  return false;
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
    for (const Requant& r : *requants) {
      if (!problem) problem = model_.Check(r, s);
    }
    double legal = s;
    if (problem) {
      for (const Requant& r : *requants) legal = std::max(legal, model_.MinOutputScale(r, s));
    }
    if (!problem) {
      if (m.pattern == TinpuPattern::kWeighted) CheckAccumulator(*m.op, (*requants)[0]);
      return true;
    }
    if (m.pattern == TinpuPattern::kWeighted && o_.refit_layers) {
      o_.refit_layers->push_back(m.op->output(0)->name());
    }
    if (problem->kind == Problem::Kind::kOutputTooFine && legal > s) {
      SetParams(q, static_cast<float>(legal), zp);
      std::string hint = m.pattern == TinpuPattern::kInput
                             ? "; an application that quantizes the input itself has no input "
                               "block (--input-mode=prequantized)"
                             : "";
      Repair(Subject(g_, *q),
             absl::StrCat("scale ", Pow2(s), " -> ", Pow2(legal), ": ", problem->why, hint),
             ScaleLossDb(s, legal));
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
    std::vector<double> max_abs;  // read only when some scale must move
    for (size_t c = 0; c < scales.size(); ++c) {
      if (IsPowerOfTwo(scales[c])) continue;
      if (max_abs.empty()) max_abs = MaxAbsPerChannel(*w);
      factor[c] = Power2Near(scales[c], max_abs[c]) / static_cast<double>(scales[c]);
      any = true;
    }
    if (any) {
      ScaleWeightChannels(m, factor, "8-bit-weight TINPU blocks only shift: weight scales are "
                                     "powers of two");
    }
  }
  FitWeightRange(m);
  RequantizeBias(m);
}

// TINPU weights are narrow-range (+-127 at 8 bits); an imported int8
// weight may use -128 (PyTorch's qint8 range): those few integers clip to
// -127, one step each, rather than coarsening whole channels.
void Legalizer::FitWeightRange(Node* m) {
  Value* w = DequantizedConstant(m->input(WeightInputsOf(*m).weight));
  if (!w || w->initializer().dtype() != DType::kInt8) return;
  const Tensor& t = w->initializer();
  const int64_t lim = model_.WeightLimit();
  absl::Span<const int8_t> q = t.data<int8_t>();
  const int64_t clipped = std::count_if(q.begin(), q.end(), [lim](int8_t v) {
    return v < -lim || v > lim;
  });
  if (clipped == 0) return;
  Tensor nt(DType::kInt8, t.dims());
  int8_t* out = nt.mutable_data<int8_t>();
  for (size_t i = 0; i < q.size(); ++i) {
    out[i] = static_cast<int8_t>(std::clamp<int64_t>(q[i], -lim, lim));
  }
  g_.SetInitializer(w, nt);
  // Noise model: rounding leaves each weight RoundingNoisePower() step^2 of
  // error on average, a clip about one step^2 more.
  const double n = static_cast<double>(t.num_elements());
  Repair(absl::StrCat("weights of ", m->Describe()),
         absl::StrCat(clipped, " of ", t.num_elements(), " integer weights outside +-", lim,
                      " clipped to it (TINPU weights are narrow-range), one step each"),
         10 * std::log10(1 + static_cast<double>(clipped) / (n * RoundingNoisePower())));
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
  // Noise model: each weight's rounding error grows with its step squared.
  double noise_before = 0, noise_after = 0;
  for (int64_t i = 0; i < q.num_elements(); ++i) {
    const int64_t c = per_tensor ? 0 : (i / inner) % channels;
    const double f = static_cast<double>(wp.scale[c]) / w->quant()->scale[c];
    // f < 1 (a scale rounded down) may push the largest integers past the
    // narrow range: they clip (Power2Near bounds that to two steps).
    const double lim = static_cast<double>(model_.WeightLimit());
    nq.mutable_data<int8_t>()[i] =
        static_cast<int8_t>(std::clamp(RoundHalfEven(q.GetAsDouble(i) / f), -lim, lim));
    noise_before += std::pow(static_cast<double>(w->quant()->scale[c]), 2);
    noise_after += std::pow(static_cast<double>(wp.scale[c]), 2);
  }
  if (moved.size() > 4) {
    const size_t n = moved.size();
    moved.resize(2);
    moved.push_back(absl::StrCat("... (", n, " of ", channels, " channels)"));
  }
  g_.SetInitializer(w, nq);
  w->set_quant(wp);
  g_.SetInitializer(dq->input(1), per_tensor ? Tensor::Scalar<float>(wp.scale[0])
                                             : Tensor::FromVector<float>({channels}, wp.scale));
  RequantizeBias(m);
  Repair(absl::StrCat("weights of ", m->Describe()),
         absl::StrCat("scale ", absl::StrJoin(moved, ", "), ": ", why,
                      "; the integers are requantized from their dequantized values"),
         10 * std::log10(noise_after / noise_before));
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
  QuantParams np = bp;
  np.scale = target;
  g_.SetInitializer(b, RequantizedBias(b->initializer(), bp.scale, target));
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
  if (o_.reference_is_quantized) return MeasurePerturbations();
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

// For an imported model (reference_is_quantized): each repair's change of
// the model output, as the SQNR of the output after it against before it
// (the worst over the outputs); it has no "cost in dB" because the imported
// output is exact by definition before the first repair.
absl::Status Legalizer::MeasurePerturbations() {
  const CalibrationData& data = *o_.reference->data;
  auto run = [&](const Graph& g) {
    return RunOnData(*CloneWithoutObservers(g), data, o_.reference->max_samples);
  };
  auto prev = run(*before_);
  if (!prev.ok()) return prev.status();
  for (Priced& r : repairs_) {
    auto cur = run(*r.after);
    if (!cur.ok()) return cur.status();
    double db = INFINITY;
    for (size_t k = 0; k < (*cur)[0].size(); ++k) {
      SqnrAccumulator a;
      for (size_t i = 0; i < cur->size(); ++i) {
        if ((*cur)[i][k].dtype() != DType::kFloat32) continue;
        a.Add((*prev)[i][k].data<float>(), (*cur)[i][k].data<float>());
      }
      db = std::min(db, a.Db());
    }
    Diagnostic& d = (*o_.log)[r.diagnostic];
    absl::StrAppend(&d.message, std::isinf(db) ? "; leaves the model output unchanged on the calibration data"
                                               : absl::StrFormat("; moves the model output by a change %.1f dB "
                                                                 "below its signal",
                                                                 db));
    d.severity = db < o_.warn_perturbation_db ? Diagnostic::Severity::kWarning
                                              : Diagnostic::Severity::kNote;
    prev = std::move(cur);
  }
  return absl::OkStatus();
}

}  // namespace

Tensor RequantizedBias(const Tensor& q, absl::Span<const float> from, absl::Span<const float> to) {
  Tensor nb(DType::kInt32, q.dims());
  const double lim = static_cast<double>(RangeFor(DType::kInt32, 32, false).qmax);
  for (int64_t i = 0; i < q.num_elements(); ++i) {
    const size_t c = to.size() == 1 ? 0 : static_cast<size_t>(i);
    double v = RoundHalfEven(q.GetAsDouble(i) * from[c] / to[c]);
    nb.mutable_data<int32_t>()[i] = static_cast<int32_t>(std::clamp(v, -lim - 1, lim));
  }
  return nb;
}

absl::StatusOr<bool> LegalizeTinpuPass::Run(Graph& graph) {
  return Legalizer(graph, options_).Run();
}

}  // namespace quantc
