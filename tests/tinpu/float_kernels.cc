// Float ops of a TINPU model's CPU fallback (quantc keeps ops without a
// TINPU integer form, such as Sigmoid or a final Softmax, in float between
// a dequantizing Mul and a requantizing input-quantize block). They are not
// integer arithmetic: the evaluator computes them as the ONNX specification
// defines them, in double, rounding each result to float32 (what an exact
// float32 implementation returns). ONNX Runtime's vectorized kernels may
// differ from that by a few float32 ulps, so bit-exactness through them
// holds only where no result lands within those ulps of a requantization
// boundary; the tests report any sample where it does not.
#include <cmath>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/tinpu/int_kernels.h"
#include "util/status_macros.h"

namespace quantc::tinpu {
namespace {

using Span = absl::Span<const ExactTensor* const>;

absl::StatusOr<std::vector<double>> Doubles(const ExactTensor& x) {
  std::vector<double> out(x.v.size());
  for (size_t i = 0; i < x.v.size(); ++i) {
    QC_ASSIGN_OR_RETURN(float f, ToFloat(x.v[i]));
    out[i] = f;
  }
  return out;
}

absl::StatusOr<ExactTensor> FromDoubles(const ExactTensor& like, const std::vector<double>& d) {
  ExactTensor r;
  r.dims = like.dims;
  r.float_domain = true;
  r.v.resize(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    QC_ASSIGN_OR_RETURN(r.v[i], FromFloat(static_cast<float>(d[i])));
  }
  return r;
}

template <double (*kFn)(double)>
absl::StatusOr<ExactTensor> UnaryKernel(const Node&, Span in, KernelContext&) {
  if (in.empty() || !in[0]) return absl::InvalidArgumentError("missing input");
  QC_ASSIGN_OR_RETURN(std::vector<double> x, Doubles(*in[0]));
  for (double& v : x) v = kFn(v);
  return FromDoubles(*in[0], x);
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double Tanh(double x) { return std::tanh(x); }

// Softmax along one axis (opset 13 semantics; older opsets' flattening
// coincides for the last axis, the only one accepted there).
absl::StatusOr<ExactTensor> SoftmaxKernel(const Node& n, Span in, KernelContext& ctx) {
  if (in.empty() || !in[0]) return absl::InvalidArgumentError("missing input");
  const ExactTensor& t = *in[0];
  const int64_t rank = static_cast<int64_t>(t.dims.size());
  int64_t axis = n.GetInt("axis", ctx.opset >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank || (ctx.opset < 13 && axis != rank - 1)) {
    return absl::UnimplementedError(absl::StrCat("Softmax axis ", axis, " of rank ", rank));
  }
  QC_ASSIGN_OR_RETURN(std::vector<double> x, Doubles(t));
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < rank; ++d) inner *= t.dims[d];
  const int64_t len = t.dims[axis];
  const int64_t outer = static_cast<int64_t>(x.size()) / (len * inner);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) -> double& { return x[(o * len + k) * inner + i]; };
      double mx = at(0), sum = 0;
      for (int64_t k = 1; k < len; ++k) mx = std::max(mx, at(k));
      for (int64_t k = 0; k < len; ++k) sum += std::exp(at(k) - mx);
      for (int64_t k = 0; k < len; ++k) at(k) = std::exp(at(k) - mx) / sum;
    }
  }
  return FromDoubles(t, x);
}

}  // namespace

KernelFn FindFloatKernel(const std::string& op_type) {
  static const auto* table = new std::map<std::string, KernelFn>{
      {"Sigmoid", UnaryKernel<Sigmoid>},
      {"Softmax", SoftmaxKernel},
      {"Tanh", UnaryKernel<Tanh>},
  };
  auto it = table->find(op_type);
  return it == table->end() ? nullptr : it->second;
}

}  // namespace quantc::tinpu
