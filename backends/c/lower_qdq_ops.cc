// Generic QDQ -> integer program: one builder per op family. Each reads its
// operands through DequantizeLinear, checks what the kernel needs, derives
// the real multipliers from the scales (docs/integer-arithmetic.md §4) and
// appends one op (or a view) to the program.
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "backends/c/lower_qdq.h"
#include "ir/interpreter.h"
#include "quant/fixed_point.h"
#include "quant/numeric.h"
#include "quant/qparams.h"
#include "util/status_macros.h"

namespace quantc::cbackend {
namespace {

// Pre-shift of elementwise requantizations of (x - zp) (|x - zp| <= 255).
constexpr int kElementwisePreShift = 20;

absl::Status CheckDims(const std::vector<int64_t>& got, const std::vector<int64_t>& want,
                       const char* what) {
  if (got == want) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " has shape ", DimsStr(got), " but the op computes ", DimsStr(want)));
}

// Weights must be int8 with zero point 0, per tensor or per channel along
// `channel_axis`; returns one scale per output channel.
absl::StatusOr<std::vector<float>> WeightScales(const QuantConstant& w, int64_t channel_axis,
                                                int64_t channels) {
  if (w.q.dtype() != DType::kInt8) {
    return absl::UnimplementedError(absl::StrCat("weights of type ", DTypeName(w.q.dtype()),
                                                 " (the C backend takes int8 weights)"));
  }
  for (int64_t z : w.zero_point) {
    if (z != 0) return absl::UnimplementedError("weights with a non-zero zero point");
  }
  if (w.axis >= 0 && w.axis != channel_axis) {
    return absl::UnimplementedError(absl::StrCat("weights quantized per channel along axis ",
                                                 w.axis, " instead of ", channel_axis));
  }
  if (w.axis < 0) return std::vector<float>(channels, w.scale[0]);
  return w.scale;
}

// Int32 bias (zero point 0) whose scale is input scale x weight scale.
absl::StatusOr<std::vector<int32_t>> BiasValues(const QuantConstant& b, float s_in,
                                                const std::vector<float>& s_w) {
  const int64_t n = static_cast<int64_t>(s_w.size());
  if (b.q.dtype() != DType::kInt32 || b.q.num_elements() != n) {
    return absl::UnimplementedError(
        absl::StrCat("bias must be int32 with ", n, " elements (one per output channel)"));
  }
  std::vector<int32_t> v(n);
  for (int64_t c = 0; c < n; ++c) {
    const double want = static_cast<double>(s_in) * s_w[c];
    const double got = b.scale.size() == 1 ? b.scale[0] : b.scale[c];
    const int64_t zp = b.zero_point.size() == 1 ? b.zero_point[0] : b.zero_point[c];
    if (zp != 0 || std::abs(got - want) > 1e-5 * want) {
      return absl::UnimplementedError(absl::StrCat(
          "bias channel ", c, " has scale ", got, " (zero point ", zp,
          "); the integer kernel needs input scale x weight scale = ", want, " and zero point 0"));
    }
    v[c] = b.q.data<int32_t>()[c];
  }
  return v;
}

// Every int32 partial sum of an output channel must fit: |bias| + 256 *
// sum |w| bounds both sum (x - zp) w (|x - zp| <= 255) and the kernels'
// (bias - zp sum w) + sum x w (|zp|, |x| <= 128).
absl::Status CheckAccumulator(const std::vector<int8_t>& w, const std::vector<int32_t>& bias,
                              int64_t per_channel) {
  for (size_t c = 0; c < bias.size(); ++c) {
    int64_t sum = 0;
    for (int64_t i = 0; i < per_channel; ++i) sum += std::abs(w[c * per_channel + i]);
    if (std::abs(static_cast<int64_t>(bias[c])) + 256 * sum > INT32_MAX) {
      return absl::UnimplementedError(
          absl::StrCat("output channel ", c, " can overflow the int32 accumulator"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status QdqLowering::Conv(const Node& n, int out, const AffineParams& oq, int32_t lo,
                               int32_t hi) {
  QC_ASSIGN_OR_RETURN(int x, ActivationIn(n.input(0)));
  QC_ASSIGN_OR_RETURN(QuantConstant w, ConstantIn(n.input(1)));
  const std::vector<int64_t> xd = p_.tensors[x].dims;
  const std::vector<int64_t> wd = w.q.dims();
  const int64_t group = n.GetInt("group", 1);
  if (wd.size() != xd.size() || (xd.size() != 3 && xd.size() != 4) || group < 1 ||
      xd[1] != wd[1] * group || wd[0] % group != 0) {
    return absl::UnimplementedError(absl::StrCat("input ", DimsStr(xd), ", weights ", DimsStr(wd),
                                                 ", group ", group,
                                                 ": the C backend has 1-D and 2-D convs"));
  }
  const int64_t m = wd[0];
  QC_ASSIGN_OR_RETURN(std::vector<float> s_w, WeightScales(w, 0, m));
  IntOp op = NewOp(OpKind::kConv, n.name(), {x}, out);
  op.group = group;
  QC_ASSIGN_OR_RETURN(op.window,
                      MakeWindow2(n, xd, std::vector<int64_t>(wd.begin() + 2, wd.end()), false));
  QC_RETURN_IF_ERROR(CheckDims(p_.tensors[out].dims, WindowOutputDims(xd, m, op.window), "output"));
  const float s_x = params_[x].scale;
  op.bias.assign(m, 0);
  if (n.input(2) != nullptr) {
    QC_ASSIGN_OR_RETURN(QuantConstant b, ConstantIn(n.input(2)));
    QC_ASSIGN_OR_RETURN(op.bias, BiasValues(b, s_x, s_w));
  }
  op.weights.assign(w.q.data<int8_t>().begin(), w.q.data<int8_t>().end());
  QC_RETURN_IF_ERROR(CheckAccumulator(op.weights, op.bias, w.q.num_elements() / m));
  std::vector<double> mult(m);
  for (int64_t c = 0; c < m; ++c) mult[c] = static_cast<double>(s_x) * s_w[c] / oq.scale;
  QC_ASSIGN_OR_RETURN(op.requant, FixedRequant(mult, oq.stored_zero_point(), lo, hi));
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status QdqLowering::Gemm(const Node& n, int out, const AffineParams& oq, int32_t lo,
                               int32_t hi) {
  const bool gemm = n.op_type() == "Gemm";
  if (gemm && (n.GetInt("transA", 0) != 0 || n.GetFloat("alpha", 1) != 1.0f ||
               n.GetFloat("beta", 1) != 1.0f)) {
    return absl::UnimplementedError("Gemm with transA, alpha or beta other than 0, 1, 1");
  }
  QC_ASSIGN_OR_RETURN(int x, ActivationIn(n.input(0)));
  QC_ASSIGN_OR_RETURN(QuantConstant w, ConstantIn(n.input(1)));
  const std::vector<int64_t> xd = p_.tensors[x].dims;
  const std::vector<int64_t> wd = w.q.dims();
  const bool trans_b = gemm && n.GetInt("transB", 0) != 0;
  if (wd.size() != 2 || xd.empty() || (gemm && xd.size() != 2)) {
    return absl::UnimplementedError(
        absl::StrCat("input ", DimsStr(xd), " and weights ", DimsStr(wd),
                     ": the C backend multiplies by a constant 2-D weight"));
  }
  const int64_t k = trans_b ? wd[1] : wd[0];
  const int64_t nout = trans_b ? wd[0] : wd[1];
  if (xd.back() != k) {
    return absl::InvalidArgumentError(
        absl::StrCat("input ", DimsStr(xd), " does not match weights ", DimsStr(wd)));
  }
  std::vector<int64_t> od = xd;
  od.back() = nout;
  QC_RETURN_IF_ERROR(CheckDims(p_.tensors[out].dims, od, "output"));
  QC_ASSIGN_OR_RETURN(std::vector<float> s_w, WeightScales(w, trans_b ? 0 : 1, nout));
  IntOp op = NewOp(OpKind::kFullyConnected, n.name(), {x}, out);
  op.in_features = k;
  op.out_features = nout;
  op.weights.resize(nout * k);
  for (int64_t o = 0; o < nout; ++o) {
    for (int64_t i = 0; i < k; ++i) {
      op.weights[o * k + i] = w.q.data<int8_t>()[trans_b ? o * k + i : i * nout + o];
    }
  }
  const float s_x = params_[x].scale;
  op.bias.assign(nout, 0);
  if (gemm && n.input(2) != nullptr) {
    QC_ASSIGN_OR_RETURN(QuantConstant b, ConstantIn(n.input(2)));
    QC_ASSIGN_OR_RETURN(op.bias, BiasValues(b, s_x, s_w));
  }
  QC_RETURN_IF_ERROR(CheckAccumulator(op.weights, op.bias, k));
  std::vector<double> mult(nout);
  for (int64_t c = 0; c < nout; ++c) mult[c] = static_cast<double>(s_x) * s_w[c] / oq.scale;
  QC_ASSIGN_OR_RETURN(op.requant, FixedRequant(mult, oq.stored_zero_point(), lo, hi));
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status QdqLowering::AddMul(const Node& n, int out, const AffineParams& oq, int32_t lo,
                                 int32_t hi) {
  for (int i = 0; i < 2; ++i) {
    const Value* v = n.input(i);
    std::optional<Tensor> c = ConstantOf(v);
    if (c && v->producer() == nullptr) return FloatConstant(n, 1 - i, *c, out, oq, lo, hi);
  }
  QC_ASSIGN_OR_RETURN(int a, OperandIn(n.input(0)));
  QC_ASSIGN_OR_RETURN(int b, OperandIn(n.input(1)));
  const std::vector<int64_t> bd = Broadcast(p_.tensors[a].dims, p_.tensors[b].dims);
  if (bd.empty() || bd.size() > 4) {
    return absl::UnimplementedError(absl::StrCat("operands ", DimsStr(p_.tensors[a].dims), " and ",
                                                 DimsStr(p_.tensors[b].dims),
                                                 " (broadcasting up to rank 4 is supported)"));
  }
  QC_RETURN_IF_ERROR(CheckDims(p_.tensors[out].dims, bd, "output"));
  IntOp op;
  op.name = n.name();
  op.inputs = {a, b};
  op.output = out;
  const double sa = params_[a].scale, sb = params_[b].scale;
  std::vector<double> mult;
  if (n.op_type() == "Add") {
    // Both inputs at 2^20 times half the larger input scale, then added
    // (TFLite's int8 Add): a' = MulQ((a - zp_a) 2^20, s_a / 2 max(s)).
    op.kind = OpKind::kAdd;
    op.pre_shift = kElementwisePreShift;
    const double twice = 2 * std::max(sa, sb);
    for (double s : {sa, sb}) {
      QC_ASSIGN_OR_RETURN(QuantizedMultiplier q, QuantizeMultiplier(s / twice));
      op.input_scales.push_back({q.multiplier, q.shift});
    }
    mult = {twice / (std::ldexp(1.0, op.pre_shift) * oq.scale)};
  } else {
    op.kind = OpKind::kMul;
    op.pre_shift = PreShiftFor(255 * 255);
    mult = {sa * sb / (std::ldexp(1.0, op.pre_shift) * oq.scale)};
  }
  QC_ASSIGN_OR_RETURN(op.requant, FixedRequant(mult, oq.stored_zero_point(), lo, hi));
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status QdqLowering::MaxPool(const Node& n, int out) {
  if (n.GetInt("storage_order", 0) != 0 ||
      (n.num_outputs() > 1 && !n.output(1)->name().empty() && !n.output(1)->uses().empty())) {
    return absl::UnimplementedError("MaxPool indices (second output) or column-major storage");
  }
  QC_ASSIGN_OR_RETURN(int x, ActivationIn(n.input(0)));
  const std::vector<int64_t> xd = p_.tensors[x].dims;
  IntOp op;
  op.kind = OpKind::kMaxPool;
  op.name = n.name();
  op.inputs = {x};
  QC_ASSIGN_OR_RETURN(op.window, MakeWindow2(n, xd, {}, n.GetInt("ceil_mode", 0) != 0));
  QC_RETURN_IF_ERROR(
      CheckDims(p_.tensors[out].dims, WindowOutputDims(xd, xd[1], op.window), "output"));
  // Max commutes with the monotone requantization, so differing output
  // parameters cost one extra elementwise op after the pool.
  const bool same = params_[out] == params_[x];
  op.output = same ? out : AddTensor(n.name() + "_pooled", p_.tensors[out].dims, params_[x]);
  const int pooled = op.output;
  p_.ops.push_back(std::move(op));
  return same ? absl::OkStatus() : Rescale(n.name(), pooled, out, -128, 127);
}

absl::Status QdqLowering::AvgPool(const Node& n, int out, const AffineParams& oq) {
  QC_ASSIGN_OR_RETURN(int x, ActivationIn(n.input(0)));
  const std::vector<int64_t> xd = p_.tensors[x].dims;
  IntOp op = NewOp(OpKind::kAvgPool, n.name(), {x}, out);
  if (n.op_type() == "GlobalAveragePool") {
    if (xd.size() != 3 && xd.size() != 4) {
      return absl::UnimplementedError("GlobalAveragePool of a rank other than 3 or 4");
    }
    op.window.in = op.window.kernel = {xd.size() == 4 ? xd[2] : 1, xd.back()};
  } else {
    if (n.GetInt("ceil_mode", 0) != 0) return absl::UnimplementedError("AveragePool ceil_mode=1");
    QC_ASSIGN_OR_RETURN(op.window, MakeWindow2(n, xd, {}, false));
    op.count_include_pad = n.GetInt("count_include_pad", 0) != 0;
  }
  QC_RETURN_IF_ERROR(
      CheckDims(p_.tensors[out].dims, WindowOutputDims(xd, xd[1], op.window), "output"));
  const Window2& w = op.window;
  const int64_t area = w.kernel[0] * w.kernel[1];
  const bool padded = w.pad_begin[0] + w.pad_begin[1] + w.pad_end[0] + w.pad_end[1] > 0;
  op.requant_per_count = padded && !op.count_include_pad;
  op.pre_shift = PreShiftFor(static_cast<uint64_t>(255 * area));
  std::vector<double> mult;
  for (int64_t count = op.requant_per_count ? 1 : area; count <= area; ++count) {
    mult.push_back(params_[x].scale / (count * std::ldexp(1.0, op.pre_shift) * oq.scale));
  }
  QC_ASSIGN_OR_RETURN(op.requant, FixedRequant(mult, oq.stored_zero_point(), -128, 127));
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status QdqLowering::Concat(const Node& n, int out, const AffineParams& oq) {
  IntOp op = NewOp(OpKind::kConcat, n.name(), {}, out);
  const std::vector<int64_t>& od = p_.tensors[out].dims;
  op.axis = n.GetInt("axis", 1);
  if (op.axis < 0) op.axis += static_cast<int64_t>(od.size());
  if (op.axis < 0 || op.axis >= static_cast<int64_t>(od.size())) {
    return absl::InvalidArgumentError(absl::StrCat("axis ", n.GetInt("axis", 1), " out of range"));
  }
  int64_t total = 0;
  for (int i = 0; i < n.num_inputs(); ++i) {
    QC_ASSIGN_OR_RETURN(int t, OperandIn(n.input(i)));
    std::vector<int64_t> d = p_.tensors[t].dims;
    if (d.size() != od.size()) return absl::InvalidArgumentError("inputs of different ranks");
    total += d[op.axis];
    d[op.axis] = od[op.axis];
    QC_RETURN_IF_ERROR(CheckDims(d, od, "an input (outside the concat axis)"));
    op.inputs.push_back(t);
    const bool copy = params_[t] == oq;
    op.input_copies.push_back(copy);
    Requant rq;
    if (!copy) {
      QC_ASSIGN_OR_RETURN(
          rq, FixedRequant({params_[t].scale / (std::ldexp(1.0, kElementwisePreShift) * oq.scale)},
                           oq.stored_zero_point(), -128, 127));
    }
    op.input_requants.push_back(std::move(rq));
  }
  if (total != od[op.axis]) return absl::InvalidArgumentError("inputs do not add up to the output");
  op.pre_shift = kElementwisePreShift;
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status QdqLowering::Rescale(const std::string& name, int in, int out, int32_t lo,
                                  int32_t hi) {
  if (p_.tensors[in].num_elements() != p_.tensors[out].num_elements()) {
    return absl::InvalidArgumentError("input and output sizes differ");
  }
  IntOp op = NewOp(OpKind::kRequant, name, {in}, out);
  op.pre_shift = kElementwisePreShift;
  const double m = params_[in].scale / (std::ldexp(1.0, op.pre_shift) * params_[out].scale);
  QC_ASSIGN_OR_RETURN(op.requant, FixedRequant({m}, params_[out].stored_zero_point(), lo, hi));
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status QdqLowering::View(const Node& n, int out) {
  QC_ASSIGN_OR_RETURN(int x, ActivationIn(n.input(0)));
  if (p_.tensors[x].num_elements() != p_.tensors[out].num_elements()) {
    return absl::InvalidArgumentError("input and output sizes differ");
  }
  if (params_[out] == params_[x]) {
    p_.tensors[out].view_of = p_.StorageOf(x);
    return absl::OkStatus();
  }
  const int v = AddTensor(n.name() + "_view", p_.tensors[out].dims, params_[x]);
  p_.tensors[v].view_of = p_.StorageOf(x);
  return Rescale(n.name(), v, out, -128, 127);
}

absl::Status QdqLowering::Lut(const Node& n, int out, const AffineParams& oq) {
  QC_ASSIGN_OR_RETURN(int x, ActivationIn(n.input(0)));
  if (n.num_inputs() != 1) return absl::UnimplementedError("a table op with extra inputs");
  // The float op on all 256 dequantized codes, through quantc's own float
  // kernel and QuantizeLinear: exactly what the QDQ model computes.
  const AffineParams& iq = params_[x];
  Tensor codes(DType::kFloat32, {256});
  for (int s = -128; s < 128; ++s) {
    const int64_t q = s - iq.storage_offset();
    codes.mutable_data<float>()[s + 128] = static_cast<float>(q - iq.zero_point) * iq.scale;
  }
  const Tensor* args[] = {&codes};
  QC_ASSIGN_OR_RETURN(std::vector<Tensor> y, EvaluateNode(n, args, g_.opset()));
  int32_t qmin = oq.storage == DType::kUInt8 ? 0 : -128;
  QC_ASSIGN_OR_RETURN(Tensor q, QuantizeTensor(y[0], {oq.scale}, {oq.zero_point}, 0, oq.storage,
                                               IntRange{qmin, qmin + 255}));
  IntOp op = NewOp(OpKind::kLut, n.name(), {x}, out);
  for (int i = 0; i < 256; ++i) {
    op.table[i] = static_cast<int8_t>(static_cast<int32_t>(q.GetAsDouble(i)) + oq.storage_offset());
  }
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status QdqLowering::Softmax(const Node& n, int out, const AffineParams& oq) {
  QC_ASSIGN_OR_RETURN(int x, ActivationIn(n.input(0)));
  const std::vector<int64_t>& d = p_.tensors[x].dims;
  const int64_t rank = static_cast<int64_t>(d.size());
  int64_t axis = n.GetInt("axis", g_.opset() < 13 ? 1 : -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return absl::InvalidArgumentError("axis out of range");
  IntOp op = NewOp(OpKind::kSoftmax, n.name(), {x}, out);
  for (int64_t i = 0; i < rank; ++i) {
    // Before opset 13 the op normalizes over all dims from `axis` on.
    int64_t& f = i < axis ? op.outer : (i == axis || g_.opset() < 13 ? op.n : op.inner);
    f *= d[i];
  }
  if (op.n > 4095) {
    return absl::UnimplementedError(
        absl::StrCat("softmax over ", op.n, " elements (the int8 kernel sums at most 4095)"));
  }
  for (int i = 0; i < 256; ++i) {
    op.exp_table[i] = static_cast<uint32_t>(
        RoundHalfEven(std::ldexp(std::exp(-static_cast<double>(params_[x].scale) * i), 20)));
  }
  QC_ASSIGN_OR_RETURN(op.requant, FixedRequant({std::ldexp(1.0, -30) / oq.scale},
                                               oq.stored_zero_point(), -128, 127));
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

// A float constant the quantizer kept in float (the bias of a Linear on a
// 3-D tensor, a constant scale) joins the accumulator exactly enough:
//   Add: acc = x^ 2^p + round(c 2^p / s_x),  m = s_x / (2^p s_y)
//   Mul: acc = x^ round(c 2^k),              m = s_x / (2^k s_y)
// with 2^p, 2^k as large as keeps |acc| < 2^30.
absl::Status QdqLowering::FloatConstant(const Node& n, int x_index, const Tensor& c, int out,
                                        const AffineParams& oq, int32_t lo, int32_t hi) {
  QC_ASSIGN_OR_RETURN(int x, ActivationIn(n.input(x_index)));
  const std::vector<int64_t>& xd = p_.tensors[x].dims;
  if (c.dtype() != DType::kFloat32 || Broadcast(xd, c.dims()) != xd || xd.size() > 4) {
    return absl::UnimplementedError(absl::StrCat(
        "constant operand of type ", DTypeName(c.dtype()), " and shape ", DimsStr(c.dims()),
        " (a float32 constant that broadcasts into the activation is supported)"));
  }
  QC_RETURN_IF_ERROR(CheckDims(p_.tensors[out].dims, xd, "output"));
  double max_abs = 0;
  for (int64_t i = 0; i < c.num_elements(); ++i) {
    const double v = c.data<float>()[i];
    if (!std::isfinite(v)) return absl::InvalidArgumentError("the constant holds NaN or Inf");
    max_abs = std::max(max_abs, std::abs(v));
  }
  const double sx = params_[x].scale;
  if (n.op_type() == "Add" && max_abs / sx > std::ldexp(1.0, 30)) {
    return absl::UnimplementedError("the constant is too large for the activation's scale");
  }
  IntOp op = NewOp(OpKind::kAffine, n.name(), {x}, out);
  op.affine_dims = c.dims();
  int shift = 0;
  if (n.op_type() == "Add") {
    shift = PreShiftFor(static_cast<uint64_t>(std::ceil(255 + max_abs / sx)));
    for (int64_t i = 0; i < c.num_elements(); ++i) {
      op.affine_scale.push_back(1 << shift);
      op.bias.push_back(
          static_cast<int32_t>(RoundHalfEven(std::ldexp(c.data<float>()[i] / sx, shift))));
    }
  } else {
    int e = 0;
    std::frexp(max_abs, &e);  // max_abs < 2^e
    shift = max_abs > 0 ? std::min(22 - e, 60) : 0;
    for (int64_t i = 0; i < c.num_elements(); ++i) {
      op.affine_scale.push_back(
          static_cast<int32_t>(RoundHalfEven(std::ldexp(c.data<float>()[i], shift))));
      op.bias.push_back(0);
    }
  }
  QC_ASSIGN_OR_RETURN(op.requant, FixedRequant({sx / (std::ldexp(1.0, shift) * oq.scale)},
                                               oq.stored_zero_point(), lo, hi));
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

}  // namespace quantc::cbackend
