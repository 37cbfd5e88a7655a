// See tinpu_requant.h. Each pattern's requantization, in the notation of
// backends/tinpu/legality.h (unit = real value of one input integer):
//   input            unit 1 (the input is real-valued)
//   input BN         unit g[c] = gamma / sqrt(var + eps),
//                    offset -mean + beta / g (BN(x) = g (x + offset))
//   float op output  unit 1
//   weighted         unit s_x s_w[c], offset qbias[c], bound sum|w_c| max|x|
//   add              unit = the alignment scale of the two inputs
//   constant add     unit s_x (the constant joins at the activation's scale)
//   mul              unit s_a s_b (a constant's own power-of-two scale)
//   pool             unit s_in / area
//   concat           one move per input, unit s_i
//   elementwise      a move, unit s_in
#include "passes/tinpu_requant.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "passes/quant_roles.h"
#include "quant/numeric.h"

namespace quantc {
namespace {

using tinpu::Requant;
using tinpu::RequantSite;

absl::Status Precondition(const Node& n, const std::string& why) {
  return absl::FailedPreconditionError(absl::StrCat(n.Describe(), ": ", why));
}

// The scale of the activation behind DequantizeLinear output `v`.
absl::StatusOr<double> ScaleOf(const Node& user, const Value* v) {
  const QuantParams* p = DequantizedParams(v);
  if (!p || p->scale.size() != 1) {
    return Precondition(user, absl::StrCat("input '", v ? v->name() : "",
                                           "' is not a per-tensor quantized activation"));
  }
  return static_cast<double>(p->scale[0]);
}

Requant Move(double unit) { return Requant{RequantSite::kMove, {unit}, {}, {}}; }

absl::StatusOr<Requant> InputBatchNorm(const Node& bn) {
  for (int i = 1; i < 5; ++i) {
    if (!bn.input(i) || !bn.input(i)->is_initializer()) {
      return Precondition(bn, "input BatchNormalization needs constant parameters");
    }
  }
  const Tensor& gamma = bn.input(1)->initializer();
  const Tensor& beta = bn.input(2)->initializer();
  const Tensor& mean = bn.input(3)->initializer();
  const Tensor& var = bn.input(4)->initializer();
  const double eps = bn.GetFloat("epsilon", 1e-5f);
  Requant r{RequantSite::kInputBatchNorm, {}, {}, {}};
  for (int64_t i = 0; i < gamma.num_elements(); ++i) {
    double g = gamma.GetAsDouble(i) / std::sqrt(var.GetAsDouble(i) + eps);
    if (g == 0 || !std::isfinite(g)) {
      return Precondition(bn, absl::StrCat("channel ", i, " has scale ", g,
                                           "; a constant channel has no OSS form"));
    }
    r.unit.push_back(g);
    r.offset.push_back(-mean.GetAsDouble(i) + beta.GetAsDouble(i) / g);
  }
  return r;
}

absl::StatusOr<Requant> Weighted(const Node& m, const tinpu::Legality& model) {
  auto acc = AccumulatorOf(m, model);
  if (!acc.ok()) return acc.status();
  const int64_t channels = static_cast<int64_t>(acc->scale.size());
  std::vector<double> sums = WeightAbsSums(m, channels);
  Requant r{RequantSite::kWeighted, acc->scale, acc->int_bias, {}};
  for (double s : sums) r.input_bound.push_back(model.AccumulatorBound(s, acc->input_unsigned));
  return r;
}

absl::StatusOr<Requant> Product(const Node& m, const tinpu::Legality& model) {
  double unit = 1;
  for (int i = 0; i < 2; ++i) {
    const Value* in = m.input(i);
    if (in && in->is_initializer() && in->type().dtype == DType::kFloat32) {
      auto f = model.QuantizeFactor(in->initializer());
      if (!f.ok()) return Precondition(m, std::string(f.status().message()));
      unit *= f->scale;
      continue;
    }
    auto s = ScaleOf(m, in);
    if (!s.ok()) return s.status();
    unit *= *s;
  }
  return Requant{RequantSite::kMul, {unit}, {}, {}};
}

absl::StatusOr<std::vector<Requant>> One(absl::StatusOr<Requant> r) {
  if (!r.ok()) return r.status();
  return std::vector<Requant>{*std::move(r)};
}

}  // namespace

TinpuMatch MatchTinpu(const Graph& g, Node* q) {
  Node* p = q->input(0)->producer();
  if (!p) return {TinpuPattern::kInput, q, nullptr, nullptr, ""};
  if (p->op_type() == "BatchNormalization" && !p->input(0)->producer() && !p->float_op()) {
    return {TinpuPattern::kInputBatchNorm, q, p, nullptr, ""};
  }
  if (p->float_op()) return {TinpuPattern::kFloatOp, q, p, nullptr, ""};
  Computation c = ComputationOf(g, p);
  const std::string& op = c.op->op_type();
  auto add = [&](Node* n) {
    bool one_constant = n->input(0)->is_initializer() != n->input(1)->is_initializer();
    return one_constant ? TinpuPattern::kConstantAdd : TinpuPattern::kAdd;
  };
  if (c.activation) {
    return {op == "Add" ? add(c.op) : TinpuPattern::kWeighted, q, c.op, c.activation, ""};
  }
  TinpuPattern pattern = OpPattern(*p);
  if (pattern == TinpuPattern::kAdd) pattern = add(p);
  std::string why;  // which vocabulary rule a value-moving op breaks
  const QuantRole role = RoleOf(*p);
  if (pattern == TinpuPattern::kUnsupported &&
      (role == QuantRole::kValuePreserving || role == QuantRole::kActivation)) {
    tinpu::Legality::MovesIntegers(*p, &why);
  }
  return {pattern, q, p, nullptr, why};
}

TinpuPattern OpPattern(const Node& p) {
  const std::string& op = p.op_type();
  if (!p.domain().empty()) return TinpuPattern::kUnsupported;
  if (RoleOf(p) == QuantRole::kWeighted) return TinpuPattern::kWeighted;
  if (op == "Concat") return TinpuPattern::kConcat;
  if (op == "Mul") return TinpuPattern::kMul;
  if (op == "Add") return TinpuPattern::kAdd;
  if (op == "GlobalAveragePool" || op == "AveragePool") return TinpuPattern::kPool;
  if (RoleOf(p) == QuantRole::kValuePreserving || RoleOf(p) == QuantRole::kActivation) {
    // Only ops that exist on TINPU integers as they are (a constant-shape
    // Reshape, Slice, MaxPool, ...): the legality model knows which.
    return tinpu::Legality::MovesIntegers(p, nullptr) ? TinpuPattern::kElementwise
                                                      : TinpuPattern::kUnsupported;
  }
  return TinpuPattern::kUnsupported;
}

absl::StatusOr<Accumulator> AccumulatorOf(const Node& m, const tinpu::Legality& model) {
  const QuantParams* xp = DequantizedParams(m.input(0));
  const Value* w = DequantizedConstant(m.input(WeightInputsOf(m).weight));
  if (!xp || xp->scale.size() != 1) {
    return Precondition(m, "input is not a per-tensor quantized activation");
  }
  std::optional<bool> x_unsigned = model.UnsignedDomain(xp->storage, xp->zero_point[0]);
  if (!x_unsigned) return Precondition(m, "input is not zero-point free; run legalize_tinpu");
  if (!w || w->initializer().rank() < 1) return Precondition(m, "needs an int8 weight constant");
  const Tensor& wt = w->initializer();
  const int64_t axis = WeightChannelAxis(m, wt.rank());
  if (axis < 0) {
    return absl::UnimplementedError(absl::StrCat(
        m.Describe(), m.op_type() == "ConvTranspose"
                          ? ": grouped ConvTranspose has no per-channel TINPU form"
                          : ": weight has no output-channel axis"));
  }
  Accumulator a;
  a.input_scale = xp->scale[0];
  a.input_unsigned = *x_unsigned;
  const QuantParams& wp = *w->quant();
  const int64_t channels = wt.dims()[axis];
  const Value* b = m.num_inputs() > 2 ? m.input(2) : nullptr;
  const Value* bq = b ? DequantizedConstant(b) : nullptr;
  if (b && !bq) return Precondition(m, "bias must be an int32 constant");
  for (int64_t c = 0; c < channels; ++c) {
    double sw = wp.scale[wp.scale.size() == 1 ? 0 : c];
    a.scale.push_back(a.input_scale * sw);
    double qbias = 0;
    if (bq) {
      // Re-derived at the current accumulator scale: legalization may have
      // moved the input or weight scale since insert_qdq.
      const QuantParams& bp = *bq->quant();
      int64_t i = bq->initializer().num_elements() == 1 ? 0 : c;
      double real = bq->initializer().GetAsDouble(i) * bp.scale[bp.scale.size() == 1 ? 0 : c];
      qbias = RoundHalfEven(real / a.scale.back());
    }
    a.int_bias.push_back(qbias);
  }
  return a;
}

tinpu::ClipRange FusedActivationClip(const Node* act, double scale, tinpu::ClipRange r) {
  if (!act) return r;
  if (act->op_type() == "Relu") r.lo = std::max<int64_t>(r.lo, 0);
  if (act->op_type() == "Clip") {
    auto bound = [&](int input, const char* attr, double dflt) {
      const Value* v = act->input(input);
      if (v && v->is_initializer()) return v->initializer().GetAsDouble(0);
      return static_cast<double>(act->GetFloat(attr, static_cast<float>(dflt)));
    };
    double lo = RoundHalfEven(bound(1, "min", -INFINITY) / scale);
    double hi = RoundHalfEven(bound(2, "max", INFINITY) / scale);
    if (std::isfinite(lo)) r.lo = std::max<int64_t>(r.lo, static_cast<int64_t>(lo));
    if (std::isfinite(hi)) r.hi = std::min<int64_t>(r.hi, static_cast<int64_t>(hi));
  }
  return r;
}

double PoolArea(const Node& p) {
  double area = 1;
  if (p.op_type() == "AveragePool") {
    for (int64_t k : p.GetInts("kernel_shape")) area *= static_cast<double>(k);
    return area;
  }
  auto dims = p.input(0)->type().StaticDims();
  if (!dims || dims->size() < 3) return 0;
  for (size_t a = 2; a < dims->size(); ++a) area *= static_cast<double>((*dims)[a]);
  return area;
}

absl::StatusOr<std::vector<Requant>> RequantsOf(const TinpuMatch& m,
                                                const tinpu::Legality& model,
                                                bool input_prequantized) {
  switch (m.pattern) {
    case TinpuPattern::kInput:
      if (input_prequantized) return std::vector<Requant>{};
      return std::vector<Requant>{{RequantSite::kInputQuantize, {1.0}, {}, {}}};
    case TinpuPattern::kFloatOp:
      return std::vector<Requant>{{RequantSite::kFloatOpOutput, {1.0}, {}, {}}};
    case TinpuPattern::kInputBatchNorm: return One(InputBatchNorm(*m.op));
    case TinpuPattern::kWeighted: return One(Weighted(*m.op, model));
    case TinpuPattern::kMul: return One(Product(*m.op, model));
    case TinpuPattern::kAdd: {
      auto a = ScaleOf(*m.op, m.op->input(0));
      auto b = ScaleOf(*m.op, m.op->input(1));
      if (!a.ok()) return a.status();
      if (!b.ok()) return b.status();
      return std::vector<Requant>{{RequantSite::kAdd, {model.AddAlignScale(*a, *b)}, {}, {}}};
    }
    case TinpuPattern::kConstantAdd: {
      auto s = ScaleOf(*m.op, m.op->input(m.op->input(0)->is_initializer() ? 1 : 0));
      if (!s.ok()) return s.status();
      return std::vector<Requant>{{RequantSite::kAdd, {*s}, {}, {}}};
    }
    case TinpuPattern::kPool: {
      auto s = ScaleOf(*m.op, m.op->input(0));
      if (!s.ok()) return s.status();
      double area = PoolArea(*m.op);
      if (area <= 0) return Precondition(*m.op, "pooling needs a static input shape");
      return std::vector<Requant>{{RequantSite::kPool, {*s / area}, {}, {}}};
    }
    case TinpuPattern::kConcat: {
      std::vector<Requant> rs;
      for (const Value* in : m.op->inputs()) {
        auto s = ScaleOf(*m.op, in);
        if (!s.ok()) return s.status();
        rs.push_back(Move(*s));
      }
      return rs;
    }
    case TinpuPattern::kElementwise: {
      auto s = ScaleOf(*m.op, m.op->input(0));
      if (!s.ok()) return s.status();
      return std::vector<Requant>{Move(*s)};
    }
    case TinpuPattern::kUnsupported: break;
  }
  return absl::UnimplementedError(
      absl::StrCat(m.op->Describe(), ": ", m.why.empty() ? "has no TINPU integer form" : m.why));
}

}  // namespace quantc
