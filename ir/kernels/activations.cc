// Pointwise activations: Relu, LeakyRelu, PRelu, Clip, Sigmoid, Tanh,
// HardSigmoid, HardSwish, Elu, Selu, Softplus, Softsign.
//
// Formulas are the ONNX spec's, evaluated in the input's precision:
//   HardSigmoid(x) = max(0, min(1, alpha*x + beta))   (alpha 0.2, beta 0.5)
//   HardSwish(x)   = x * HardSigmoid(x) with alpha = 1/6, beta = 0.5
//   Sigmoid(x)     = 1 / (1 + exp(-x))
//   Selu(x)        = gamma * (x > 0 ? x : alpha * exp(x) - alpha)
// Clip takes min/max as attributes before opset 11 and as optional inputs
// from opset 11 on (registered as two kernels).
#include <cmath>
#include <limits>

#include "ir/kernels/broadcast.h"
#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

template <typename T>
absl::StatusOr<Tensor> ClipTyped(const Tensor& x, T lo, T hi) {
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x.dtype(), x.dims()));
  auto in = x.data<T>();
  T* out = y.mutable_data<T>();
  for (size_t i = 0; i < in.size(); ++i) {
    T v = in[i] < lo ? lo : in[i];
    out[i] = v > hi ? hi : v;
  }
  return y;
}

}  // namespace

KernelResult Relu(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  // Relu accepts signed integers from opset 14; one numeric path covers all.
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), x->dims()));
  QC_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto in = x->data<T>();
    T* out = y.mutable_data<T>();
    for (size_t i = 0; i < in.size(); ++i) out[i] = in[i] > T(0) ? in[i] : T(0);
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

KernelResult LeakyRelu(const KernelContext& ctx) {
  const float alpha = ctx.node().GetFloat("alpha", 0.01f);
  return UnaryFloat(ctx, [alpha](auto v) {
    using T = decltype(v);
    return v < T(0) ? static_cast<T>(alpha) * v : v;
  });
}

KernelResult Sigmoid(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) {
    using T = decltype(v);
    return T(1) / (T(1) + std::exp(-v));
  });
}

KernelResult Tanh(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) { return std::tanh(v); });
}

KernelResult HardSigmoid(const KernelContext& ctx) {
  const float alpha = ctx.node().GetFloat("alpha", 0.2f);
  const float beta = ctx.node().GetFloat("beta", 0.5f);
  return UnaryFloat(ctx, [alpha, beta](auto v) {
    using T = decltype(v);
    T s = static_cast<T>(alpha) * v + static_cast<T>(beta);
    return s < T(0) ? T(0) : (s > T(1) ? T(1) : s);
  });
}

KernelResult HardSwish(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) {
    using T = decltype(v);
    T s = v * static_cast<T>(1.0f / 6.0f) + static_cast<T>(0.5f);
    s = s < T(0) ? T(0) : (s > T(1) ? T(1) : s);
    return v * s;
  });
}

KernelResult Elu(const KernelContext& ctx) {
  const float alpha = ctx.node().GetFloat("alpha", 1.0f);
  return UnaryFloat(ctx, [alpha](auto v) {
    using T = decltype(v);
    return v < T(0) ? static_cast<T>(alpha) * (std::exp(v) - T(1)) : v;
  });
}

KernelResult Selu(const KernelContext& ctx) {
  const float alpha = ctx.node().GetFloat("alpha", 1.67326319217681884765625f);
  const float gamma = ctx.node().GetFloat("gamma", 1.05070102214813232421875f);
  return UnaryFloat(ctx, [alpha, gamma](auto v) {
    using T = decltype(v);
    T a = static_cast<T>(alpha), g = static_cast<T>(gamma);
    return v > T(0) ? g * v : g * (a * std::exp(v) - a);
  });
}

KernelResult Softplus(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) {
    using T = decltype(v);
    return std::log(std::exp(v) + T(1));
  });
}

KernelResult Softsign(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) {
    using T = decltype(v);
    return v / (T(1) + std::fabs(v));
  });
}

// PRelu: slope broadcasts unidirectionally to X.
KernelResult PRelu(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* slope, RequireInput(ctx, 1));
  if (x->dtype() != slope->dtype()) return Invalid("X and slope have different element types");
  if (!BroadcastsTo(slope->dims(), x->dims())) {
    return Invalid("slope shape ", ShapeStr(slope->dims()), " does not broadcast to X shape ",
                   ShapeStr(x->dims()));
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), x->dims()));
  BroadcastPlan plan(x->dims(), {x->dims(), slope->dims()});
  QC_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    BroadcastBinary(plan, x->data<T>().data(), slope->data<T>().data(), y.mutable_data<T>(),
                    [](T v, T s) { return v < T(0) ? static_cast<T>(s * v) : v; });
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

// Clip-6: bounds are float attributes.
KernelResult ClipAttr(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_RETURN_IF_ERROR(RequireFloat(*x, "input"));
  const float lo = ctx.node().GetFloat("min", std::numeric_limits<float>::lowest());
  const float hi = ctx.node().GetFloat("max", std::numeric_limits<float>::max());
  QC_ASSIGN_OR_RETURN(Tensor y, DispatchFloat(x->dtype(), [&](auto tag) {
                        using T = typename decltype(tag)::type;
                        return ClipTyped<T>(*x, static_cast<T>(lo), static_cast<T>(hi));
                      }));
  return std::vector<Tensor>{std::move(y)};
}

// Clip-11+: bounds are optional scalar inputs of X's type.
KernelResult ClipInputs(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const Tensor* lo_t = ctx.input(1);
  const Tensor* hi_t = ctx.input(2);
  for (const Tensor* b : {lo_t, hi_t}) {
    if (b == nullptr) continue;
    if (b->dtype() != x->dtype()) return Invalid("min/max must have the input's element type");
    if (b->num_elements() != 1) {
      return Invalid("min/max must be scalars, got shape ", ShapeStr(b->dims()));
    }
  }
  QC_ASSIGN_OR_RETURN(
      Tensor y, DispatchNumeric(x->dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        // An absent bound clips nothing, so float infinities pass through.
        using L = std::numeric_limits<T>;
        T lo = lo_t ? lo_t->data<T>()[0] : (L::has_infinity ? -L::infinity() : L::lowest());
        T hi = hi_t ? hi_t->data<T>()[0] : (L::has_infinity ? L::infinity() : L::max());
        return ClipTyped<T>(*x, lo, hi);
      }));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
