// BatchNormalization.
//
// Inference (the usual case):
//   y = (x - mean) / sqrt(var + epsilon) * scale + B        per channel (dim 1)
// evaluated per element exactly in that order, in the input's precision.
//
// Training statistics are also supported, because ONNX's own tests use them
// and an exporter may leave a training-mode node behind:
//   opset >= 14: training_mode=1; outputs Y, running_mean, running_var
//   opset < 14:  more than one output requested; outputs Y, running_mean,
//                running_var, saved_mean, saved_var
// with batch statistics over all dims but 1 (population variance) and
//   running = input_running * momentum + batch * (1 - momentum).
// `spatial=0` (opset < 9) per-element statistics are not supported.
#include <cmath>
#include <vector>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

template <typename T>
void Normalize(const T* x, const T* scale, const T* bias, const T* mean, const T* var, T eps,
               int64_t n, int64_t c, int64_t size, T* y) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) {
      const T* xp = x + (i * c + ch) * size;
      T* yp = y + (i * c + ch) * size;
      const T denom = std::sqrt(var[ch] + eps);
      for (int64_t k = 0; k < size; ++k) yp[k] = (xp[k] - mean[ch]) / denom * scale[ch] + bias[ch];
    }
  }
}

// Mean and population variance per channel, summed in input order.
template <typename T>
void BatchStats(const T* x, int64_t n, int64_t c, int64_t size, std::vector<T>& mean,
                std::vector<T>& var) {
  mean.assign(c, T(0));
  var.assign(c, T(0));
  const T count = static_cast<T>(n * size);
  for (int64_t ch = 0; ch < c; ++ch) {
    T sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      const T* xp = x + (i * c + ch) * size;
      for (int64_t k = 0; k < size; ++k) sum += xp[k];
    }
    mean[ch] = sum / count;
    T sq = 0;
    for (int64_t i = 0; i < n; ++i) {
      const T* xp = x + (i * c + ch) * size;
      for (int64_t k = 0; k < size; ++k) sq += (xp[k] - mean[ch]) * (xp[k] - mean[ch]);
    }
    var[ch] = sq / count;
  }
}

}  // namespace

KernelResult BatchNormalization(const KernelContext& ctx) {
  const Tensor* in[5];
  for (int i = 0; i < 5; ++i) {
    QC_ASSIGN_OR_RETURN(in[i], RequireInput(ctx, i));
  }
  const Tensor& x = *in[0];
  QC_RETURN_IF_ERROR(RequireFloat(x, "X"));
  if (ctx.node().GetInt("spatial", 1) == 0) {
    return Unsupported("spatial=0 (per-element statistics) is not supported");
  }
  if (x.rank() < 2) return Invalid("X ", ShapeStr(x.dims()), " must have rank >= 2");
  const int64_t n = x.dims()[0], c = x.dims()[1];
  const int64_t size = c == 0 || n == 0 ? 0 : x.num_elements() / (n * c);
  static const char* kNames[] = {"X", "scale", "B", "mean", "var"};
  for (int i = 1; i < 5; ++i) {
    if (in[i]->dtype() != x.dtype() || in[i]->num_elements() != c) {
      return Invalid(kNames[i], " (", DTypeName(in[i]->dtype()), " ", ShapeStr(in[i]->dims()),
                     ") must be a ", DTypeName(x.dtype()), " vector of ", c, " channels");
    }
  }
  const bool training =
      ctx.opset() >= 14 ? ctx.node().GetInt("training_mode", 0) != 0 : ctx.num_outputs() > 1;
  const float eps = ctx.node().GetFloat("epsilon", 1e-5f);
  const float momentum = ctx.node().GetFloat("momentum", 0.9f);
  std::vector<Tensor> outs;
  outs.emplace_back(x.dtype(), x.dims());
  DispatchFloat(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* scale = in[1]->data<T>().data();
    const T* bias = in[2]->data<T>().data();
    const T* mean = in[3]->data<T>().data();
    const T* var = in[4]->data<T>().data();
    T* y = outs[0].mutable_data<T>();
    if (!training) {
      Normalize<T>(x.data<T>().data(), scale, bias, mean, var, static_cast<T>(eps), n, c, size, y);
      return absl::OkStatus();
    }
    std::vector<T> bmean, bvar;
    BatchStats<T>(x.data<T>().data(), n, c, size, bmean, bvar);
    Normalize<T>(x.data<T>().data(), scale, bias, bmean.data(), bvar.data(), static_cast<T>(eps), n,
                 c, size, y);
    const T mom = static_cast<T>(momentum);
    std::vector<T> rmean(c), rvar(c);
    for (int64_t ch = 0; ch < c; ++ch) {
      rmean[ch] = mean[ch] * mom + bmean[ch] * (T(1) - mom);
      rvar[ch] = var[ch] * mom + bvar[ch] * (T(1) - mom);
    }
    outs.push_back(Tensor::FromVector<T>({c}, rmean));
    outs.push_back(Tensor::FromVector<T>({c}, rvar));
    if (ctx.opset() < 14) {
      outs.push_back(Tensor::FromVector<T>({c}, bmean));
      outs.push_back(Tensor::FromVector<T>({c}, bvar));
    }
    return absl::OkStatus();
  }).IgnoreError();
  if (static_cast<int>(outs.size()) > ctx.num_outputs()) outs.resize(ctx.num_outputs());
  return outs;
}

}  // namespace kernels
}  // namespace quantc
