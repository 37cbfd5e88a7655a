// Mirrors passes/lower_to_integer.cc (LowerQuantize's dispatch) and
// passes/lower_to_integer_layers.cc (the constants of each pattern); see the
// header for why and how the mirror is checked.
#include "train/requant_plan.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "passes/insert_observers.h"
#include "passes/integer_builder.h"
#include "passes/quant_roles.h"
#include "quant/qparams.h"

namespace quantc::train {
namespace {

// The observer an inherit=1 observer shares its quantization with: the one
// feeding its value-preserving producer, followed up the chain.
const Node* RootOf(const Node& obs) {
  const Node* o = &obs;
  while (o->GetInt("inherit", 0)) {
    const Node* p = o->input(0)->producer();
    const Node* src = p && p->input(0) ? p->input(0)->producer() : nullptr;
    if (!src || !IsObserver(*src)) break;
    o = src;
  }
  return o;
}

bool HasConstantInput(const Node& n) {
  return n.input(0) && n.input(1) && n.input(0)->is_initializer() != n.input(1)->is_initializer();
}

ObserverPlan Classify(const Graph& g, const Node& obs, Target target,
                      const std::vector<std::string>& float_ops) {
  ObserverPlan o;
  o.observer = &obs;
  o.root = RootOf(obs);
  const Node* p = obs.input(0)->producer();
  o.layer = p;
  if (o.root != &obs) {
    o.kind = RequantKind::kInherit;
    return o;
  }
  if (target == Target::kGeneric) return o;  // kFakeQuant
  if (!p) {
    o.kind = RequantKind::kInput;
  } else if (p->op_type() == "BatchNormalization" && !p->input(0)->producer() &&
             !IsFloatOp(*p, float_ops)) {
    o.kind = RequantKind::kInputBatchNorm;
  } else if (IsFloatOp(*p, float_ops)) {
    o.kind = RequantKind::kFloatOp;
  } else if (RoleOf(*p) == QuantRole::kActivation && FusesIntoProducer(g, *p)) {
    o.act = p;
    o.layer = p->input(0)->producer();
    if (o.layer->op_type() == "Add") {
      o.kind = HasConstantInput(*o.layer) ? RequantKind::kConstantAdd : RequantKind::kAdd;
    } else {
      o.kind = RequantKind::kWeighted;
    }
  } else if (RoleOf(*p) == QuantRole::kWeighted) {
    o.kind = RequantKind::kWeighted;
  } else if (p->op_type() == "Concat") {
    o.kind = RequantKind::kConcat;
  } else if (p->op_type() == "Mul") {
    o.kind = RequantKind::kMul;
  } else if (p->op_type() == "Add") {
    o.kind = HasConstantInput(*p) ? RequantKind::kConstantAdd : RequantKind::kAdd;
  } else if (p->op_type() == "GlobalAveragePool" || p->op_type() == "AveragePool") {
    o.kind = RequantKind::kPool;
  } else if (RoleOf(*p) == QuantRole::kValuePreserving || RoleOf(*p) == QuantRole::kActivation) {
    o.kind = RequantKind::kElementwise;
  }
  // Anything else has no TINPU form: emitting the model fails (quantc train
  // runs the emission once before training, so that is reported up front).
  return o;
}

// passes/lowering.h: a plain shift when w is 2^-k, else an 8-bit multiplier.
int MultiplierBits(double w) { return IsPowerOfTwo(w) && w <= 1 ? 1 : 8; }

absl::StatusOr<tinpu::OssParams> Compute(const std::vector<double>& w,
                                         const std::vector<double>& off0,
                                         const std::vector<double>* ro, int bits, bool int_bias,
                                         int weight_bits) {
  std::optional<absl::Span<const double>> ro_span;
  if (ro) ro_span = absl::MakeConstSpan(*ro);
  return tinpu::ComputeOss(w, off0, ro_span, bits, tinpu::kShiftBits, int_bias,
                           tinpu::LimitsFor(weight_bits));
}

}  // namespace

RequantPlan BuildRequantPlan(const Graph& g, Target target,
                             const std::vector<std::string>& float_ops) {
  RequantPlan plan;
  for (const Node* n : g.nodes()) {
    if (!IsObserver(*n)) continue;
    plan.by_observer[n] = plan.observers.size();
    plan.observers.push_back(Classify(g, *n, target, float_ops));
  }
  return plan;
}

tinpu::ClipRange RangeOf(bool is_unsigned) {
  return is_unsigned ? tinpu::UnsignedRange(8) : tinpu::SignedRange(8);
}

namespace oss {

absl::StatusOr<tinpu::OssParams> Input(const IntDomain& out, int weight_bits) {
  return Compute({1.0 / out.scale}, {0.0}, nullptr, 8, false, weight_bits);
}

absl::StatusOr<tinpu::OssParams> InputBatchNorm(const std::vector<double>& gamma,
                                                const std::vector<double>& beta,
                                                const std::vector<double>& mean,
                                                const std::vector<double>& var, double eps,
                                                const IntDomain& out, int weight_bits) {
  size_t c = gamma.size();
  std::vector<double> w(c), off0(c), ro(c);
  for (size_t i = 0; i < c; ++i) {
    double g = gamma[i] / std::sqrt(var[i] + eps);
    if (g == 0 || !std::isfinite(g)) {
      return absl::InvalidArgumentError(
          absl::StrCat("channel ", i, " has scale ", g, "; a constant channel has no OSS form"));
    }
    w[i] = g / out.scale;
    off0[i] = -mean[i] + beta[i] / g;
    ro[i] = out.scale / (2 * g);
  }
  return Compute(w, off0, &ro, 12, false, weight_bits);
}

absl::StatusOr<tinpu::OssParams> Rescale(double w, int weight_bits) {
  return Compute({w}, {0.0}, nullptr, MultiplierBits(w), true, weight_bits);
}

absl::StatusOr<tinpu::OssParams> Weighted(const std::vector<double>& ratio,
                                          const std::vector<double>& off0,
                                          const std::vector<double>& abs_sums, bool x_unsigned,
                                          int weight_bits) {
  std::vector<double> ro(ratio.size());
  for (size_t c = 0; c < ratio.size(); ++c) ro[c] = 1.0 / (2.0 * ratio[c]);
  int bits = tinpu::LimitsFor(weight_bits).multiplier_bits;
  if (bits == 1) return Compute(ratio, off0, &ro, 1, true, weight_bits);
  double xmax = x_unsigned ? 255 : 128;
  tinpu::OssParams all;
  for (size_t c = 0; c < ratio.size(); ++c) {
    double bound = abs_sums[c] * xmax + std::abs(off0[c]) + std::abs(ro[c]) + 1;
    int b = tinpu::ExactMultiplierBits(bound, bits);
    std::vector<double> one_ro = {ro[c]};
    auto one = Compute({ratio[c]}, {off0[c]}, &one_ro, b, true, weight_bits);
    if (!one.ok()) return one.status();
    all.offset.push_back(one->offset[0]);
    all.mult.push_back(one->mult[0]);
    all.shift_mult.push_back(one->shift_mult[0]);
    all.shift.push_back(one->shift[0]);
  }
  return all;
}

}  // namespace oss

tinpu::ClipRange FusedClip(const Node* act, const IntDomain& out) {
  return ActivationClip(act, out.scale, RangeOf(out.is_unsigned));
}

std::vector<double> BiasFitFactors(const std::vector<double>& real_bias, double input_scale,
                                   const std::vector<double>& weight_scales, int weight_bits) {
  std::vector<double> factors(weight_scales.size(), 1.0);
  for (size_t c = 0; c < weight_scales.size(); ++c) {
    double need = std::abs(real_bias[c]) / (input_scale * weight_scales[c]);
    factors[c] = tinpu::OffsetFitFactor(need, tinpu::LimitsFor(weight_bits));
  }
  return factors;
}

}  // namespace quantc::train
