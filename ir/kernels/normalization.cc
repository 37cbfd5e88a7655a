// BatchNormalization, InstanceNormalization and LayerNormalization.
//
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
//
// InstanceNormalization (opset 6): the same formula with the mean and
// population variance of each (sample, channel) over the spatial dims.
//
// LayerNormalization (opset 17): X is viewed as [rows, cols] with cols the
// product of the dims from `axis` on; per row
//   Y = (x - mean) / sqrt(var + epsilon) * Scale + B
// with Scale and B of cols elements (or one, broadcast), plus optional
// outputs Mean and InvStdDev = 1 / sqrt(var + epsilon) with shape
// X.dims[:axis] + [1] * (rank - axis). As in the op's function body, the
// statistics and the normalized value are computed in the stash type
// (float32; stash_type=1 is the only supported value) and Mean/InvStdDev
// are float32 whatever X is, while the affine step runs in X's type.
//
// Both accumulate the statistics in double (two passes: mean, then squared
// deviations) so long rows do not lose precision.
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
  QC_ASSIGN_OR_RETURN(Tensor y0, Tensor::Create(x.dtype(), x.dims()));
  outs.push_back(std::move(y0));
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

namespace {

// Mean and population variance of n values, accumulated in double.
template <typename T>
void RowStats(const T* x, int64_t n, double* mean, double* var) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
  *mean = n > 0 ? sum / static_cast<double>(n) : 0.0;
  double sq = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - *mean;
    sq += d * d;
  }
  *var = n > 0 ? sq / static_cast<double>(n) : 0.0;
}

// Scale or B of LayerNormalization as doubles: `cols` elements, or one to
// broadcast (the function body multiplies by Flatten(Scale, 0)).
absl::StatusOr<std::vector<double>> AffineParam(const Tensor* t, int64_t cols, double dflt,
                                                absl::string_view what) {
  if (t == nullptr) return std::vector<double>(cols, dflt);
  if (t->num_elements() != cols && t->num_elements() != 1) {
    return Invalid(what, " ", ShapeStr(t->dims()), " must have ", cols, " elements (or 1)");
  }
  QC_ASSIGN_OR_RETURN(Tensor d, CastTensor(*t, DType::kFloat64));
  std::vector<double> v(d.data<double>().begin(), d.data<double>().end());
  if (v.size() == 1) v.assign(cols, v[0]);
  return v;
}

}  // namespace

KernelResult InstanceNormalization(const KernelContext& ctx) {
  const Tensor* in[3];
  for (int i = 0; i < 3; ++i) {
    QC_ASSIGN_OR_RETURN(in[i], RequireInput(ctx, i));
  }
  const Tensor& x = *in[0];
  QC_RETURN_IF_ERROR(RequireFloat(x, "input"));
  if (x.rank() < 2) return Invalid("input ", ShapeStr(x.dims()), " must have rank >= 2");
  const int64_t n = x.dims()[0], c = x.dims()[1];
  const int64_t size = c == 0 || n == 0 ? 0 : x.num_elements() / (n * c);
  static const char* kNames[] = {"input", "scale", "B"};
  for (int i = 1; i < 3; ++i) {
    if (in[i]->dtype() != x.dtype() || in[i]->num_elements() != c) {
      return Invalid(kNames[i], " (", DTypeName(in[i]->dtype()), " ", ShapeStr(in[i]->dims()),
                     ") must be a ", DTypeName(x.dtype()), " vector of ", c, " channels");
    }
  }
  const double eps = ctx.node().GetFloat("epsilon", 1e-5f);
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x.dtype(), x.dims()));
  DispatchFloat(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* scale = in[1]->data<T>().data();
    const T* bias = in[2]->data<T>().data();
    for (int64_t p = 0; p < n * c; ++p) {
      const T* xp = x.data<T>().data() + p * size;
      T* yp = y.mutable_data<T>() + p * size;
      double mean, var;
      RowStats(xp, size, &mean, &var);
      const double denom = std::sqrt(var + eps);
      const double sc = static_cast<double>(scale[p % c]), b = static_cast<double>(bias[p % c]);
      for (int64_t k = 0; k < size; ++k) {
        yp[k] = static_cast<T>((static_cast<double>(xp[k]) - mean) / denom * sc + b);
      }
    }
    return absl::OkStatus();
  }).IgnoreError();
  return std::vector<Tensor>{std::move(y)};
}

KernelResult LayerNormalization(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x_in, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* scale_in, RequireInput(ctx, 1));
  const DType type = x_in->dtype();
  if (type != DType::kFloat32 && type != DType::kFloat64 && type != DType::kFloat16 &&
      type != DType::kBFloat16) {
    return Unsupported("X has element type ", DTypeName(type), "; only float types are supported");
  }
  const int64_t stash = ctx.node().GetInt("stash_type", 1);
  if (stash != 1) return Unsupported("stash_type ", stash, " is not supported (only 1, float32)");
  const int64_t rank = x_in->rank();
  QC_ASSIGN_OR_RETURN(const int64_t axis, NormalizeAxis(ctx.node().GetInt("axis", -1), rank));
  int64_t rows = 1, cols = 1;
  std::vector<int64_t> stat_dims;
  for (int64_t d = 0; d < rank; ++d) {
    (d < axis ? rows : cols) *= x_in->dims()[d];
    stat_dims.push_back(d < axis ? x_in->dims()[d] : 1);
  }
  QC_ASSIGN_OR_RETURN(std::vector<double> scale, AffineParam(scale_in, cols, 1.0, "Scale"));
  QC_ASSIGN_OR_RETURN(std::vector<double> bias, AffineParam(ctx.input(2), cols, 0.0, "B"));
  // Statistics and the normalized value in float32 (the stash type).
  QC_ASSIGN_OR_RETURN(Tensor xf, CastTensor(*x_in, DType::kFloat32));
  const float* x = xf.data<float>().data();
  const float eps = ctx.node().GetFloat("epsilon", 1e-5f);
  std::vector<float> mean(rows), inv_std(rows), normalized(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    double m, var;
    RowStats(x + r * cols, cols, &m, &var);
    mean[r] = static_cast<float>(m);
    const float std_dev = std::sqrt(static_cast<float>(var) + eps);
    inv_std[r] = 1.0f / std_dev;
    for (int64_t k = 0; k < cols; ++k) {
      normalized[r * cols + k] = (x[r * cols + k] - mean[r]) / std_dev;
    }
  }
  // The affine step in X's type; 16-bit X runs it in float32 and rounds once.
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(type == DType::kFloat64 ? type : DType::kFloat32, x_in->dims()));
  DispatchFloat(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = y.mutable_data<T>();
    for (int64_t i = 0; i < rows * cols; ++i) {
      out[i] = static_cast<T>(normalized[i]) * static_cast<T>(scale[i % cols]) +
               static_cast<T>(bias[i % cols]);
    }
    return absl::OkStatus();
  }).IgnoreError();
  if (y.dtype() != type) {
    QC_ASSIGN_OR_RETURN(y, CastTensor(y, type));
  }
  std::vector<Tensor> outs;
  outs.push_back(std::move(y));
  if (ctx.num_outputs() > 1) outs.push_back(Tensor::FromVector<float>(stat_dims, mean));
  if (ctx.num_outputs() > 2) outs.push_back(Tensor::FromVector<float>(stat_dims, inv_std));
  return outs;
}

}  // namespace kernels
}  // namespace quantc
