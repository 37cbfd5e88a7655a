// legalize_tinpu: repairs a QDQ model's quantization so that every
// requantization fits TINPU's offset-scale-shift block, logging each move.
//
//   Before:  %c = Conv(x: s=2^-4, w: s=2^-3);  QuantizeLinear(%c, s=2^-8)   (w = 2^-7/2^-8 = 2 > 1)
//   After:   QuantizeLinear(%c, s=2^-7)   log: "node 'conv': output scale 2^-8 -> 2^-7: ..."
//
// Constraints (tinpu-format.md §6) and the repair chosen for each, applied
// in topological order so later layers see earlier repairs:
// * activations per tensor, symmetric, zero point 0 (signed) or the type's
//   minimum (non-negative data, TINPU's unsigned [0, 255]); a scale that is
//   not a power of two is rounded up (2^ceil(log2 s): no new clipping).
// * a layer's requantization factor w = s_in s_w / s_out must satisfy
//   w <= 1 (shift >= 0): when the output scale is finer than the
//   accumulator's, the output scale is coarsened to the accumulator scale
//   (the only move that loses no range; it costs output resolution).
//   Likewise for Add (finest input scale) and pooling (s_in / A).
// * the input-quantize multiplier 1/s_in must fit 8 bits (<= 255): a finer
//   input scale is coarsened to 2^-7.
// * accumulators: float32 carries integers exactly below 2^24; a layer whose
//   worst case |acc| (sum |w_q| * max |x_int| + |bias|) can exceed it is
//   logged as a warning (it is exact on the NPU's 32-bit accumulators).
// Q and DequantizeLinear share their scale initializers (insert_qdq), so a
// repair updates both sides and every consumer sees it.
#include "passes/legalize_tinpu.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "ir/printer.h"
#include "passes/quant_roles.h"
#include "quant/qparams.h"

namespace quantc {
namespace {

std::string Pow2(double s) {
  int e;
  std::frexp(s, &e);
  return IsPowerOfTwo(s) ? absl::StrCat("2^", e - 1) : FormatFloat(s);
}

class Legalizer {
 public:
  Legalizer(Graph& g, const LegalizeTinpuOptions& o) : g_(g), o_(o) {}

  bool Run() {
    for (Node* n : g_.nodes().ToVector()) {
      if (n->op_type() == "QuantizeLinear" && n->output(0)->quant()) Legalize(n);
    }
    return changed_;
  }

 private:
  void Log(const Node& n, const std::string& what) {
    if (o_.log) o_.log->push_back(absl::StrCat(n.Describe(), ": ", what));
  }

  // Sets a QuantizeLinear's (shared) scale and zero point.
  void SetParams(Node* q, float scale, int64_t zp) {
    QuantParams p = *q->output(0)->quant();
    if (p.scale[0] == scale && p.zero_point[0] == zp) return;
    p.scale = {scale};
    p.zero_point = {zp};
    q->output(0)->set_quant(p);
    g_.SetInitializer(q->input(1), Tensor::Scalar<float>(scale));
    Tensor z = p.storage == DType::kUInt8 ? Tensor::Scalar<uint8_t>(static_cast<uint8_t>(zp))
                                          : Tensor::Scalar<int8_t>(static_cast<int8_t>(zp));
    g_.SetInitializer(q->input(2), z);
    changed_ = true;
  }

  // The scale of a DequantizeLinear output's activation, or 0.
  static float ScaleOf(const Value* v) {
    const Node* dq = v ? v->producer() : nullptr;
    if (!dq || dq->op_type() != "DequantizeLinear" || !dq->input(0)->quant()) return 0;
    return dq->input(0)->quant()->scale[0];
  }

  void Legalize(Node* q);
  double MinOutputScale(Node* q);
  void CheckAccumulator(const Node& m);

  Graph& g_;
  const LegalizeTinpuOptions& o_;
  bool changed_ = false;
};

// The finest output scale this Q's producer can requantize to (w <= 1).
double Legalizer::MinOutputScale(Node* q) {
  const Node* p = q->input(0)->producer();
  if (!p) return 1.0 / 255.0;  // input quantize: 1/s <= 255
  if ((p->op_type() == "Relu" || p->op_type() == "Clip") && FusesIntoProducer(g_, *p)) {
    p = p->input(0)->producer();
  }
  if (RoleOf(*p) == QuantRole::kWeighted) {
    const Node* wdq = p->input(1) ? p->input(1)->producer() : nullptr;
    float sx = ScaleOf(p->input(0));
    if (!wdq || !wdq->input(0)->quant() || sx == 0) return 0;
    double m = 0;
    for (float sw : wdq->input(0)->quant()->scale) m = std::max(m, static_cast<double>(sx) * sw);
    return m;
  }
  if (p->op_type() == "Add") {
    float a = ScaleOf(p->input(0)), b = ScaleOf(p->input(1));
    return a > 0 && b > 0 ? std::min(a, b) : 0;
  }
  if (p->op_type() == "GlobalAveragePool" || p->op_type() == "AveragePool") {
    // A power-of-two window keeps the rescale a plain shift when the output
    // scale is at least s_in / A; other windows need an 8-bit multiplier
    // anyway, which also covers w > 1.
    auto dims = p->input(0)->type().StaticDims();
    double area = 1;
    if (p->op_type() == "AveragePool") {
      for (int64_t k : p->GetInts("kernel_shape")) area *= static_cast<double>(k);
    } else if (dims) {
      for (size_t a = 2; a < dims->size(); ++a) area *= static_cast<double>((*dims)[a]);
    }
    return IsPowerOfTwo(area) ? ScaleOf(p->input(0)) / area : 0;
  }
  return ScaleOf(p->input(0));  // value-preserving ops: keep the input's scale
}

void Legalizer::Legalize(Node* q) {
  // Q/DQ pairs may share initializers (inherited quantization): an earlier
  // repair of the source already changed them, so they, not this value's
  // recorded parameters, are the truth.
  QuantParams p = *q->output(0)->quant();
  p.scale = {static_cast<float>(q->input(1)->initializer().GetAsDouble(0))};
  p.zero_point = {static_cast<int64_t>(q->input(2)->initializer().GetAsDouble(0))};
  if (!(p == *q->output(0)->quant())) {
    q->output(0)->set_quant(p);
    changed_ = true;
  }
  float s = p.scale[0];
  int64_t zp = p.zero_point[0];
  IntRange r = RangeFor(p.storage, 8, false);
  if (zp != 0 && zp != r.qmin) {
    // Asymmetric: widen to the symmetric range covering the same values.
    double lo = (r.qmin - zp) * static_cast<double>(s), hi = (r.qmax - zp) * static_cast<double>(s);
    double need = std::max(std::abs(lo), std::abs(hi)) / 127.5;
    float ns = Power2Ceil(static_cast<float>(need));
    Log(*q, absl::StrCat("zero point ", zp, " -> 0, scale ", FormatFloat(s), " -> ", Pow2(ns),
                         ": TINPU activations are symmetric"));
    s = ns;
    zp = p.storage == DType::kUInt8 ? 127 : 0;
  } else if (!IsPowerOfTwo(s)) {
    float ns = Power2Ceil(s);
    Log(*q, absl::StrCat("scale ", FormatFloat(s), " -> ", Pow2(ns),
                         ": 8-bit TINPU scales are powers of two"));
    s = ns;
  }
  double min_scale = MinOutputScale(q);
  if (s < min_scale) {
    float ns = Power2Ceil(static_cast<float>(min_scale));
    const char* why = q->input(0)->producer()
                          ? ": finer than its producer's accumulator scale, which would need a "
                            "negative shift"
                          : ": the input-quantize multiplier 1/s must fit 8 bits (<= 255)";
    Log(*q, absl::StrCat("scale ", Pow2(s), " -> ", Pow2(ns), why));
    s = ns;
  }
  SetParams(q, s, zp);
  if (!q->input(0)->producer()) {
    // The application needs this to feed pre-quantized integers.
    bool is_unsigned = zp == r.qmin;
    Log(*q, absl::StrCat("graph input '", q->input(0)->name(), "' is quantized as round(x / ",
                         Pow2(s), ") in [", is_unsigned ? 0 : -128, ", ", is_unsigned ? 255 : 127,
                         "]"));
  }
  const Node* prod = q->input(0)->producer();
  if (prod && (prod->op_type() == "Relu" || prod->op_type() == "Clip") &&
      FusesIntoProducer(g_, *prod)) {
    prod = prod->input(0)->producer();
  }
  if (prod && RoleOf(*prod) == QuantRole::kWeighted) CheckAccumulator(*prod);
}

void Legalizer::CheckAccumulator(const Node& m) {
  const Node* wdq = m.input(1) ? m.input(1)->producer() : nullptr;
  if (!wdq || !wdq->input(0)->is_initializer()) return;
  const Tensor& w = wdq->input(0)->initializer();
  int64_t axis = WeightChannelAxis(m, w.rank());
  if (w.dtype() != DType::kInt8 || w.rank() < 2 || axis < 0) return;
  std::vector<double> sums = AbsSumsAlongAxis(w, axis);
  int64_t worst = static_cast<int64_t>(*std::max_element(sums.begin(), sums.end())) * 255;
  if (worst >= (int64_t{1} << 24)) {
    Log(m, absl::StrCat("warning: worst-case accumulator ", worst,
                        " exceeds 2^24; float32 evaluation (ONNX Runtime) may round it, the "
                        "NPU's 32-bit accumulator does not"));
  }
}

}  // namespace

absl::StatusOr<bool> LegalizeTinpuPass::Run(Graph& graph) {
  return Legalizer(graph, options_).Run();
}

}  // namespace quantc
