// ONNX semantics (opsets 7..17) mapped onto ATen calls. Padding that ATen
// cannot express (asymmetric pads, auto_pad) is applied explicitly first.
#include "train/torch_ops.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "passes/quant_roles.h"

namespace quantc::train {
namespace {

using at::Tensor;

const Tensor& In(const std::vector<Tensor>& in, int i) {
  static const Tensor kNone;
  return i < static_cast<int>(in.size()) ? in[i] : kNone;
}

std::vector<int64_t> ToInts(const Tensor& t) {
  Tensor c = t.to(at::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

int64_t Axis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

// Begin/end padding per spatial dim from pads or auto_pad (ONNX Conv/Pool).
void SpatialPads(const Node& n, const std::vector<int64_t>& in, const std::vector<int64_t>& k,
                 const std::vector<int64_t>& strides, const std::vector<int64_t>& dil,
                 std::vector<int64_t>& begin, std::vector<int64_t>& end) {
  size_t d = k.size();
  std::vector<int64_t> pads = n.GetInts("pads", std::vector<int64_t>(2 * d, 0));
  begin.assign(pads.begin(), pads.begin() + d);
  end.assign(pads.begin() + d, pads.end());
  std::string auto_pad = n.GetString("auto_pad", "NOTSET");
  if (auto_pad == "VALID") {
    std::fill(begin.begin(), begin.end(), 0);
    std::fill(end.begin(), end.end(), 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < d; ++i) {
      int64_t out = (in[i] + strides[i] - 1) / strides[i];
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + (k[i] - 1) * dil[i] + 1 - in[i]);
      begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end[i] = total - begin[i];
    }
  }
}

// Pads the trailing spatial dims by (begin, end) with `value`, as ATen
// orders them (last dim first); returns the symmetric part ATen can do.
Tensor PadExplicitly(const Tensor& x, const std::vector<int64_t>& begin,
                     const std::vector<int64_t>& end, double value) {
  std::vector<int64_t> p;
  for (size_t i = begin.size(); i-- > 0;) {
    p.push_back(begin[i]);
    p.push_back(end[i]);
  }
  return at::constant_pad_nd(x, p, value);
}

bool Symmetric(const std::vector<int64_t>& b, const std::vector<int64_t>& e) { return b == e; }

struct WindowAttrs {
  std::vector<int64_t> kernel, strides, dilations, begin, end;
};

WindowAttrs Window(const Node& n, const Tensor& x, const std::vector<int64_t>& kernel) {
  WindowAttrs w;
  size_t d = kernel.size();
  w.kernel = kernel;
  w.strides = n.GetInts("strides", std::vector<int64_t>(d, 1));
  w.dilations = n.GetInts("dilations", std::vector<int64_t>(d, 1));
  std::vector<int64_t> in(x.sizes().begin() + 2, x.sizes().end());
  SpatialPads(n, in, kernel, w.strides, w.dilations, w.begin, w.end);
  return w;
}

Tensor MaxPool(const Node& n, const Tensor& x0) {
  WindowAttrs w = Window(n, x0, n.GetInts("kernel_shape"));
  Tensor x = x0;
  std::vector<int64_t> pad = w.begin;
  if (!Symmetric(w.begin, w.end)) {
    x = PadExplicitly(x, w.begin, w.end, -std::numeric_limits<double>::infinity());
    std::fill(pad.begin(), pad.end(), 0);
  }
  bool ceil = n.GetInt("ceil_mode", 0) != 0;
  switch (w.kernel.size()) {
    case 1: return at::max_pool1d(x, w.kernel, w.strides, pad, w.dilations, ceil);
    case 2: return at::max_pool2d(x, w.kernel, w.strides, pad, w.dilations, ceil);
    default: return at::max_pool3d(x, w.kernel, w.strides, pad, w.dilations, ceil);
  }
}

Tensor AveragePool(const Node& n, const Tensor& x0) {
  WindowAttrs w = Window(n, x0, n.GetInts("kernel_shape"));
  bool include = n.GetInt("count_include_pad", 0) != 0;
  Tensor x = x0;
  std::vector<int64_t> pad = w.begin;
  if (!Symmetric(w.begin, w.end)) {  // CheckTrainable: only with count_include_pad
    x = PadExplicitly(x, w.begin, w.end, 0.0);
    std::fill(pad.begin(), pad.end(), 0);
  }
  bool ceil = n.GetInt("ceil_mode", 0) != 0;
  switch (w.kernel.size()) {
    case 1: return at::avg_pool1d(x, w.kernel, w.strides, pad, ceil, include);
    case 2: return at::avg_pool2d(x, w.kernel, w.strides, pad, ceil, include);
    default: return at::avg_pool3d(x, w.kernel, w.strides, pad, ceil, include);
  }
}

Tensor Conv(const Node& n, const Tensor& x0, const Tensor& w, const Tensor& b) {
  std::vector<int64_t> kernel(w.sizes().begin() + 2, w.sizes().end());
  WindowAttrs a = Window(n, x0, kernel);
  Tensor x = x0;
  std::vector<int64_t> pad = a.begin;
  if (!Symmetric(a.begin, a.end)) {
    x = PadExplicitly(x, a.begin, a.end, 0.0);
    std::fill(pad.begin(), pad.end(), 0);
  }
  std::vector<int64_t> out_pad(kernel.size(), 0);
  return at::convolution(x, w, b, a.strides, pad, a.dilations, false, out_pad,
                         n.GetInt("group", 1));
}

Tensor ConvTranspose(const Node& n, const Tensor& x, const Tensor& w, const Tensor& b) {
  size_t d = w.dim() - 2;
  std::vector<int64_t> strides = n.GetInts("strides", std::vector<int64_t>(d, 1));
  std::vector<int64_t> dil = n.GetInts("dilations", std::vector<int64_t>(d, 1));
  std::vector<int64_t> pads = n.GetInts("pads", std::vector<int64_t>(2 * d, 0));
  std::vector<int64_t> out_pad = n.GetInts("output_padding", std::vector<int64_t>(d, 0));
  std::vector<int64_t> zero(d, 0);
  // Full output, then crop the pads (asymmetric pads are a crop too).
  Tensor y = at::convolution(x, w, b, strides, zero, dil, true, out_pad, n.GetInt("group", 1));
  for (size_t i = 0; i < d; ++i) {
    int64_t size = y.size(2 + i);
    y = y.narrow(2 + i, pads[i], size - pads[i] - pads[d + i]);
  }
  return y;
}

Tensor Gemm(const Node& n, const Tensor& a0, const Tensor& b0, const Tensor& c) {
  Tensor a = n.GetInt("transA", 0) ? a0.t() : a0;
  Tensor b = n.GetInt("transB", 0) ? b0.t() : b0;
  Tensor y = at::matmul(a, b);
  float alpha = n.GetFloat("alpha", 1.f), beta = n.GetFloat("beta", 1.f);
  if (alpha != 1.f) y = y * alpha;
  if (c.defined()) y = y + (beta == 1.f ? c : c * beta);
  return y;
}

std::vector<int64_t> AxesOf(const Node& n, const std::vector<Tensor>& in, int64_t opset, int64_t rank) {
  std::vector<int64_t> axes = opset >= 13 && In(in, 1).defined() ? ToInts(In(in, 1)) : n.GetInts("axes");
  for (int64_t& a : axes) a = Axis(a, rank);
  std::sort(axes.begin(), axes.end());
  return axes;
}

Tensor Reshape(const Node& n, const Tensor& x, const Tensor& shape_t) {
  std::vector<int64_t> shape = ToInts(shape_t);
  bool allow_zero = n.GetInt("allowzero", 0) != 0;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allow_zero) shape[i] = x.size(static_cast<int64_t>(i));
  }
  shape[0] = x.size(0);  // the batch (CheckTrainable: the shape keeps it first)
  return x.reshape(shape);
}

Tensor Softmax(const Node& n, const Tensor& x, int64_t opset) {
  int64_t axis = Axis(n.GetInt("axis", opset >= 13 ? -1 : 1), x.dim());
  if (opset >= 13 || axis == x.dim() - 1) return at::softmax(x, axis);
  // Before opset 13: softmax over the flattened trailing dims.
  return at::softmax(x.flatten(axis), axis).reshape(x.sizes());
}

Tensor Clip(const Node& n, const std::vector<Tensor>& in, int64_t opset) {
  c10::optional<at::Scalar> lo, hi;
  if (opset >= 11) {
    if (In(in, 1).defined()) lo = In(in, 1).item<double>();
    if (In(in, 2).defined()) hi = In(in, 2).item<double>();
  } else {
    if (n.FindAttr("min")) lo = n.GetFloat("min", 0);
    if (n.FindAttr("max")) hi = n.GetFloat("max", 0);
  }
  return at::clamp(in[0], lo, hi);
}

Tensor Pad(const Node& n, const std::vector<Tensor>& in, int64_t opset) {
  std::vector<int64_t> pads = opset >= 11 ? ToInts(In(in, 1)) : n.GetInts("pads");
  size_t r = pads.size() / 2;
  std::vector<int64_t> begin(pads.begin() + 2, pads.begin() + r);
  std::vector<int64_t> end(pads.begin() + r + 2, pads.end());
  return PadExplicitly(in[0], begin, end, 0.0);
}

bool IsConstantZero(const Value* v, const Node& n) {
  if (!v) return n.GetFloat("value", 0.f) == 0.f;
  return v->is_initializer() &&
         (v->initializer().num_elements() == 0 || v->initializer().GetAsDouble(0) == 0.0);
}

absl::Status Reject(const Node& n, const std::string& why) {
  return absl::UnimplementedError(
      absl::StrCat(n.Describe(), ": unsupported in training: ", why));
}

// The dims a node may not touch: 0 is the batch.
absl::Status CheckBatchKept(const Node& n, int64_t opset) {
  const std::string& op = n.op_type();
  int64_t rank = n.input(0) && n.input(0)->type().shape
                     ? static_cast<int64_t>(n.input(0)->type().shape->size())
                     : -1;
  auto touches_batch = [&](int64_t axis) { return rank > 0 && Axis(axis, rank) == 0; };
  if (op == "Reshape") {
    const Value* s = n.input(1);
    if (!s || !s->is_initializer()) return Reject(n, "the target shape must be a constant");
    int64_t first = s->initializer().num_elements() ? static_cast<int64_t>(s->initializer().GetAsDouble(0)) : 2;
    if (first != 1 && first != -1 && first != 0) {
      return Reject(n, "the reshape moves the batch dimension (target shape must start with 1)");
    }
  }
  if (op == "Flatten" && n.GetInt("axis", 1) != 1) return Reject(n, "Flatten with axis != 1");
  if (op == "Transpose" && !n.GetInts("perm").empty() && n.GetInts("perm")[0] != 0) {
    return Reject(n, "the permutation moves the batch dimension");
  }
  if ((op == "Concat" || op == "Softmax") && touches_batch(n.GetInt("axis", op == "Softmax" && opset >= 13 ? -1 : 1))) {
    return Reject(n, "axis 0 is the batch dimension");
  }
  if (op == "Squeeze" || op == "Unsqueeze") {
    std::vector<int64_t> axes = n.GetInts("axes");
    if (opset >= 13 && n.input(1)) {
      if (!n.input(1)->is_initializer()) return Reject(n, "axes must be a constant");
      for (int64_t i = 0; i < n.input(1)->initializer().num_elements(); ++i) {
        axes.push_back(static_cast<int64_t>(n.input(1)->initializer().GetAsDouble(i)));
      }
    }
    if (axes.empty()) return Reject(n, "axes must be given");
    int64_t r = op == "Unsqueeze" ? rank + static_cast<int64_t>(axes.size()) : rank;
    for (int64_t a : axes) {
      if (r > 0 && Axis(a, r) == 0) return Reject(n, "axis 0 is the batch dimension");
    }
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& TrainableOps() {
  static const std::vector<std::string> kOps = {
      "Add", "AveragePool", "BatchNormalization", "Clip", "Concat", "Conv", "ConvTranspose",
      "Flatten", "Gemm", "GlobalAveragePool", "HardSigmoid", "HardSwish", "LeakyRelu", "MatMul",
      "MaxPool", "Mul", "Pad", "Relu", "Reshape", "Sigmoid", "Softmax", "Squeeze", "Tanh",
      "Transpose", "Unsqueeze"};
  return kOps;
}

absl::Status CheckTrainable(const Node& n, int64_t opset) {
  const auto& ops = TrainableOps();
  if (!n.domain().empty() || std::find(ops.begin(), ops.end(), n.op_type()) == ops.end()) {
    return Reject(n, absl::StrCat("op not in the supported list (", absl::StrJoin(ops, ", "), ")"));
  }
  const std::string& op = n.op_type();
  for (int i = 1; i < n.num_outputs(); ++i) {
    if (n.output(i) && !n.output(i)->uses().empty()) return Reject(n, "a second output is used");
  }
  if ((op == "MatMul" || op == "Gemm" || op == "Conv" || op == "ConvTranspose") &&
      !(n.input(1) && n.input(1)->is_initializer())) {
    return Reject(n, "the weight must be a constant (two activations are not supported)");
  }
  if (op == "ConvTranspose" && (n.FindAttr("output_shape") || n.GetString("auto_pad", "NOTSET") != "NOTSET")) {
    return Reject(n, "ConvTranspose with output_shape or auto_pad");
  }
  if (op == "Gemm" && n.GetInt("transA", 0)) return Reject(n, "Gemm with transA (moves the batch)");
  if (op == "AveragePool") {
    std::vector<int64_t> pads = n.GetInts("pads");
    size_t d = pads.size() / 2;
    bool asymmetric = !std::equal(pads.begin(), pads.begin() + d, pads.begin() + d);
    if ((asymmetric || n.GetString("auto_pad", "NOTSET") != "NOTSET") && !n.GetInt("count_include_pad", 0)) {
      return Reject(n, "asymmetric AveragePool padding that is not counted in the average");
    }
  }
  if (op == "Pad" && (n.GetString("mode", "constant") != "constant" || !IsConstantZero(n.input(2), n) ||
                      (opset >= 11 && !(n.input(1) && n.input(1)->is_initializer())))) {
    return Reject(n, "Pad other than constant zero padding");
  }
  if (op == "Pad") {
    const Value* p = n.input(1);
    std::vector<int64_t> pads = opset >= 11 ? std::vector<int64_t>{} : n.GetInts("pads");
    if (opset >= 11) {
      for (int64_t i = 0; i < p->initializer().num_elements(); ++i) {
        pads.push_back(static_cast<int64_t>(p->initializer().GetAsDouble(i)));
      }
    }
    size_t r = pads.size() / 2;
    if (r < 2 || pads[0] || pads[1] || pads[r] || pads[r + 1]) {
      return Reject(n, "Pad of the batch or channel dimension");
    }
  }
  return CheckBatchKept(n, opset);
}

at::Tensor RunNode(const Node& n, const std::vector<at::Tensor>& in, int64_t opset) {
  const std::string& op = n.op_type();
  const Tensor& x = in[0];
  if (op == "Relu") return at::relu(x);
  if (op == "Clip") return Clip(n, in, opset);
  if (op == "LeakyRelu") return at::leaky_relu(x, n.GetFloat("alpha", 0.01f));
  if (op == "Sigmoid") return at::sigmoid(x);
  if (op == "Tanh") return at::tanh(x);
  if (op == "HardSwish") return at::hardswish(x);
  if (op == "HardSigmoid") {
    return at::clamp(x * n.GetFloat("alpha", 0.2f) + n.GetFloat("beta", 0.5f), 0.0, 1.0);
  }
  if (op == "MaxPool") return MaxPool(n, x);
  if (op == "AveragePool") return AveragePool(n, x);
  if (op == "GlobalAveragePool") {
    std::vector<int64_t> dims;
    for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
    return x.mean(dims, true);
  }
  if (op == "Add") return in[0] + in[1];
  if (op == "Mul") return in[0] * in[1];
  if (op == "Concat") {
    return at::cat(std::vector<Tensor>(in.begin(), in.end()), Axis(n.GetInt("axis", 1), x.dim()));
  }
  if (op == "Reshape") return Reshape(n, x, In(in, 1));
  if (op == "Flatten") return x.reshape({x.size(0), -1});
  if (op == "Transpose") {
    std::vector<int64_t> perm = n.GetInts("perm");
    if (perm.empty()) {
      for (int64_t d = x.dim(); d-- > 0;) perm.push_back(d);
    }
    return x.permute(perm);
  }
  if (op == "Squeeze") {
    Tensor y = x;
    std::vector<int64_t> axes = AxesOf(n, in, opset, x.dim());
    for (size_t i = axes.size(); i-- > 0;) y = y.squeeze(axes[i]);
    return y;
  }
  if (op == "Unsqueeze") {
    std::vector<int64_t> axes = AxesOf(n, in, opset, x.dim() + static_cast<int64_t>(
        opset >= 13 && In(in, 1).defined() ? In(in, 1).numel() : n.GetInts("axes").size()));
    Tensor y = x;
    for (int64_t a : axes) y = y.unsqueeze(a);
    return y;
  }
  if (op == "Softmax") return Softmax(n, x, opset);
  if (op == "Pad") return Pad(n, in, opset);
  TORCH_CHECK(false, "no training mapping for ", op);
}

at::Tensor RunWeighted(const Node& n, const at::Tensor& x, const at::Tensor& w,
                       const at::Tensor& b) {
  const std::string& op = n.op_type();
  if (op == "Conv") return Conv(n, x, w, b);
  if (op == "ConvTranspose") return ConvTranspose(n, x, w, b);
  if (op == "Gemm") return Gemm(n, x, w, b);
  Tensor y = at::matmul(x, w);
  return b.defined() ? y + b : y;
}

std::vector<int64_t> ChannelShape(const Node& n, int64_t channels, int64_t rank) {
  std::vector<int64_t> shape(std::max<int64_t>(rank, 1), 1);
  bool conv = n.op_type() == "Conv" || n.op_type() == "ConvTranspose";
  shape[conv ? std::min<int64_t>(1, rank - 1) : rank - 1] = channels;
  return shape;
}

at::Tensor ToTorch(const quantc::Tensor& t) {
  std::vector<int64_t> dims = t.dims();
  if (t.dtype() == DType::kFloat32) {
    at::Tensor out = at::empty(dims, at::kFloat);
    if (t.num_bytes()) std::memcpy(out.data_ptr<float>(), t.raw(), t.num_bytes());
    return out;
  }
  at::Tensor out = at::empty(dims, at::kLong);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    out.data_ptr<int64_t>()[i] = static_cast<int64_t>(t.GetAsDouble(i));
  }
  return out;
}

quantc::Tensor FromTorch(const at::Tensor& t) {
  at::Tensor c = t.detach().to(at::kFloat).contiguous();
  quantc::Tensor out(DType::kFloat32, c.sizes().vec());
  if (c.numel()) std::memcpy(out.mutable_raw(), c.data_ptr<float>(), c.numel() * sizeof(float));
  return out;
}

}  // namespace quantc::train
