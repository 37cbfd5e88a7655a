// TINPU integer ONNX -> integer program: the accumulators of requantization
// blocks (docs/integer-arithmetic.md §5) and the ops that stand on their own
// (MaxPool, views, Relu/Clip, Concat of integer tensors).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "backends/c/lower_tinpu.h"
#include "util/status_macros.h"

namespace quantc::cbackend {
namespace {

// An integer-valued float constant whose values fit int8 (TINPU weights).
absl::StatusOr<std::vector<int8_t>> Int8Values(const Value* v, const char* what) {
  std::optional<Tensor> t = ConstantOf(v);
  if (!t || t->dtype() != DType::kFloat32) {
    return absl::UnimplementedError(absl::StrCat(what, " must be a float32 constant of integers"));
  }
  std::vector<int8_t> out(t->num_elements());
  for (int64_t i = 0; i < t->num_elements(); ++i) {
    const double x = t->GetAsDouble(i);
    if (x != std::floor(x) || x < -128 || x > 127) {
      return absl::UnimplementedError(
          absl::StrCat(what, " element ", i, " = ", x, " is not an int8 integer"));
    }
    out[i] = static_cast<int8_t>(x);
  }
  return out;
}

absl::Status SameDims(const std::vector<int64_t>& got, const std::vector<int64_t>& want) {
  if (got == want) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat("the block's result has shape ", DimsStr(got),
                                               " but its accumulator ", DimsStr(want)));
}

}  // namespace

absl::StatusOr<int> TinpuLowering::OperandIn(const Value* v) {
  auto it = v ? int_of_.find(v) : int_of_.end();
  if (it != int_of_.end()) return it->second;
  QC_ASSIGN_OR_RETURN(std::vector<int8_t> q, Int8Values(v, "a constant operand"));
  IntTensor t;
  t.name = v->name();
  t.dims = ConstantOf(v)->dims();
  t.constant = std::move(q);
  p_.tensors.push_back(std::move(t));
  return static_cast<int>(p_.tensors.size()) - 1;
}

absl::Status TinpuLowering::Conv(const Node& n, const OssBlock& b, int out) {
  if (n.input(2) != nullptr) return absl::UnimplementedError("a TINPU Conv has no bias input");
  QC_ASSIGN_OR_RETURN(int x, IntIn(n.input(0)));
  QC_ASSIGN_OR_RETURN(std::vector<int8_t> w, Int8Values(n.input(1), "the weight"));
  const std::vector<int64_t> xd = p_.tensors[x].dims;
  const std::vector<int64_t> wd = ConstantOf(n.input(1))->dims();
  const int64_t group = n.GetInt("group", 1);
  if (wd.size() != xd.size() || (xd.size() != 3 && xd.size() != 4) || group < 1 ||
      xd[1] != wd[1] * group || wd[0] % group != 0) {
    return absl::UnimplementedError(
        absl::StrCat("input ", DimsStr(xd), ", weights ", DimsStr(wd), ", group ", group));
  }
  IntOp op = NewOp(OpKind::kConv, n.name(), {x}, out);
  op.group = group;
  QC_ASSIGN_OR_RETURN(op.window,
                      MakeWindow2(n, xd, std::vector<int64_t>(wd.begin() + 2, wd.end()), false));
  const std::vector<int64_t> od = WindowOutputDims(xd, wd[0], op.window);
  QC_RETURN_IF_ERROR(SameDims(p_.tensors[out].dims, od));
  op.weights = std::move(w);
  op.bias.assign(wd[0], 0);
  const int64_t per = static_cast<int64_t>(op.weights.size()) / wd[0];
  for (int64_t c = 0; c < wd[0]; ++c) {
    int64_t sum = 0;
    for (int64_t i = 0; i < per; ++i) sum += std::abs(op.weights[c * per + i]);
    if (256 * sum > INT32_MAX)
      return absl::UnimplementedError("the accumulator can overflow int32");
  }
  QC_ASSIGN_OR_RETURN(op.requant, BlockRequant(b, od, 1, out));
  acc_nodes_.push_back(&n);
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status TinpuLowering::MatMul(const Node& n, const OssBlock& b, int out) {
  const bool gemm = IsOp(n, "Gemm");
  if (gemm && (n.GetInt("transA", 0) != 0 || n.GetFloat("alpha", 1) != 1.0f ||
               n.GetFloat("beta", 1) != 1.0f || n.input(2) != nullptr)) {
    return absl::UnimplementedError("Gemm with transA, alpha, beta or C");
  }
  QC_ASSIGN_OR_RETURN(int x, IntIn(n.input(0)));
  QC_ASSIGN_OR_RETURN(std::vector<int8_t> w, Int8Values(n.input(1), "the weight"));
  const std::vector<int64_t> xd = p_.tensors[x].dims;
  const std::vector<int64_t> wd = ConstantOf(n.input(1))->dims();
  const bool trans_b = gemm && n.GetInt("transB", 0) != 0;
  if (wd.size() != 2 || xd.empty() || xd.back() != wd[trans_b ? 1 : 0]) {
    return absl::UnimplementedError(
        absl::StrCat("input ", DimsStr(xd), " and weights ", DimsStr(wd)));
  }
  IntOp op = NewOp(OpKind::kFullyConnected, n.name(), {x}, out);
  op.in_features = xd.back();
  op.out_features = wd[trans_b ? 0 : 1];
  const int64_t k = op.in_features, m = op.out_features;
  op.weights.resize(k * m);
  for (int64_t o = 0; o < m; ++o) {
    int64_t sum = 0;
    for (int64_t i = 0; i < k; ++i) {
      op.weights[o * k + i] = w[trans_b ? o * k + i : i * m + o];
      sum += std::abs(op.weights[o * k + i]);
    }
    if (256 * sum > INT32_MAX)
      return absl::UnimplementedError("the accumulator can overflow int32");
  }
  op.bias.assign(m, 0);
  std::vector<int64_t> od = xd;
  od.back() = m;
  QC_RETURN_IF_ERROR(SameDims(p_.tensors[out].dims, od));
  QC_ASSIGN_OR_RETURN(op.requant, BlockRequant(b, od, static_cast<int64_t>(od.size()) - 1, out));
  acc_nodes_.push_back(&n);
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status TinpuLowering::Add(const Node& n, const OssBlock& b, int out) {
  IntOp op = NewOp(OpKind::kAdd, n.name(), {}, out);
  std::optional<Tensor> constant;  // an addend from the initializers
  int const_index = -1;
  for (int i = 0; i < 2; ++i) {
    const Value* v = n.input(i);
    int32_t scale = 1;
    // A residual input aligned to the finer scale by Mul(x, 2^k).
    const Node* m = v && v->producer() && SingleUse(g_, *v) ? v->producer() : nullptr;
    if (m && IsOp(*m, "Mul") && int_of_.contains(m->input(0)) && ConstantOf(m->input(1)) &&
        ConstantOf(m->input(1))->num_elements() == 1) {
      const double k = ConstantOf(m->input(1))->GetAsDouble(0);
      int e = 0;
      if (std::frexp(k, &e) != 0.5 || e < 1 || e > 23) {
        return absl::UnimplementedError(
            absl::StrCat("input alignment factor ", k, " is not 2^k with 0 <= k <= 22"));
      }
      scale = static_cast<int32_t>(k);
      v = m->input(0);
      acc_nodes_.push_back(m);
    }
    if (!int_of_.contains(v) && ConstantOf(v)) {
      constant = ConstantOf(v);
      const_index = i;
      op.input_scales.push_back({scale, 0});
      continue;
    }
    QC_ASSIGN_OR_RETURN(int t, IntIn(v));
    op.inputs.push_back(t);
    op.input_scales.push_back({scale, 0});
  }
  acc_nodes_.push_back(&n);
  if (constant) return AddConstant(op, *constant, const_index, b, out);
  if (op.inputs.size() != 2) return absl::UnimplementedError("an Add of two constants");
  if (255LL * (op.input_scales[0].multiplier + op.input_scales[1].multiplier) > INT32_MAX) {
    return absl::UnimplementedError("the aligned sum can overflow int32");
  }
  const std::vector<int64_t> od =
      Broadcast(p_.tensors[op.inputs[0]].dims, p_.tensors[op.inputs[1]].dims);
  if (od.empty()) return absl::UnimplementedError("operands do not broadcast (up to rank 4)");
  QC_RETURN_IF_ERROR(SameDims(p_.tensors[out].dims, od));
  QC_ASSIGN_OR_RETURN(op.requant, BlockRequant(b, od, -1, out));
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

// An integer constant added to an activation (a Linear's bias on a 3-D
// tensor): acc = v * scale_x + c * scale_c, one kAffine op.
absl::Status TinpuLowering::AddConstant(IntOp& op, const Tensor& c, int const_index,
                                        const OssBlock& b, int out) {
  if (op.inputs.size() != 1) return absl::UnimplementedError("an Add of two constants");
  const int x = op.inputs[0];
  const std::vector<int64_t>& xd = p_.tensors[x].dims;
  if (Broadcast(xd, c.dims()) != xd) {
    return absl::UnimplementedError(
        "a constant addend that does not broadcast into the activation");
  }
  // input_scales follow the node's input order.
  const int32_t sx = op.input_scales[1 - const_index].multiplier;
  const int32_t sc = op.input_scales[const_index].multiplier;
  op.kind = OpKind::kAffine;
  op.affine_dims = c.dims();
  for (int64_t i = 0; i < c.num_elements(); ++i) {
    const double v = c.GetAsDouble(i) * sc;
    if (v != std::floor(v) || std::abs(v) + 255.0 * sx > INT32_MAX) {
      return absl::UnimplementedError(absl::StrCat("constant addend ", c.GetAsDouble(i),
                                                   " is not an integer that fits the accumulator"));
    }
    op.affine_scale.push_back(sx);
    op.bias.push_back(static_cast<int32_t>(v));
  }
  op.input_scales.clear();
  QC_RETURN_IF_ERROR(SameDims(p_.tensors[out].dims, xd));
  QC_ASSIGN_OR_RETURN(op.requant, BlockRequant(b, xd, -1, out));
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status TinpuLowering::Mul(const Node& n, const OssBlock& b, int out) {
  IntOp op = NewOp(OpKind::kMul, n.name(), {}, out);
  for (int i = 0; i < 2; ++i) {
    QC_ASSIGN_OR_RETURN(int t, OperandIn(n.input(i)));
    op.inputs.push_back(t);
  }
  const std::vector<int64_t> od =
      Broadcast(p_.tensors[op.inputs[0]].dims, p_.tensors[op.inputs[1]].dims);
  if (od.empty()) return absl::UnimplementedError("operands do not broadcast (up to rank 4)");
  QC_RETURN_IF_ERROR(SameDims(p_.tensors[out].dims, od));
  QC_ASSIGN_OR_RETURN(op.requant, BlockRequant(b, od, -1, out));
  acc_nodes_.push_back(&n);
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status TinpuLowering::ReduceSum(const Node& n, const OssBlock& b, int out) {
  QC_ASSIGN_OR_RETURN(int x, IntIn(n.input(0)));
  const std::vector<int64_t> xd = p_.tensors[x].dims;
  std::vector<int64_t> axes = n.GetInts("axes");
  if (std::optional<Tensor> a = ConstantOf(n.input(1))) {
    axes.clear();
    for (int64_t i = 0; i < a->num_elements(); ++i)
      axes.push_back(static_cast<int64_t>(a->GetAsDouble(i)));
  }
  const int64_t rank = static_cast<int64_t>(xd.size());
  for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  std::sort(axes.begin(), axes.end());
  const std::vector<int64_t> spatial =
      rank == 4 ? std::vector<int64_t>{2, 3} : std::vector<int64_t>{2};
  if ((rank != 3 && rank != 4) || axes != spatial) {
    return absl::UnimplementedError("ReduceSum other than over the spatial axes (global pooling)");
  }
  IntOp op = NewOp(OpKind::kAvgPool, n.name(), {x}, out);
  op.window.in = op.window.kernel = {rank == 4 ? xd[2] : 1, xd.back()};
  if (p_.tensors[out].num_elements() != xd[0] * xd[1]) {
    return absl::UnimplementedError("the block's result is not one value per channel");
  }
  QC_ASSIGN_OR_RETURN(op.requant, BlockRequant(b, p_.tensors[out].dims, -1, out));
  acc_nodes_.push_back(&n);
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status TinpuLowering::AvgPool(const Node& round, const OssBlock& b, int out) {
  const Node* mul = round.input(0) ? round.input(0)->producer() : nullptr;
  const Node* pool =
      mul && IsOp(*mul, "Mul") && mul->input(0) ? mul->input(0)->producer() : nullptr;
  std::optional<Tensor> area = mul ? ConstantOf(mul->input(1)) : std::nullopt;
  if (!pool || !IsOp(*pool, "AveragePool") || !area || area->num_elements() != 1 ||
      !SingleUse(g_, *round.input(0)) || !SingleUse(g_, *mul->input(0))) {
    return absl::UnimplementedError("Round of other than AveragePool -> Mul(kernel area)");
  }
  QC_ASSIGN_OR_RETURN(int x, IntIn(pool->input(0)));
  const std::vector<int64_t> xd = p_.tensors[x].dims;
  IntOp op = NewOp(OpKind::kAvgPool, pool->name(), {x}, out);
  QC_ASSIGN_OR_RETURN(op.window, MakeWindow2(*pool, xd, {}, pool->GetInt("ceil_mode", 0) != 0));
  const Window2& w = op.window;
  const bool padded = w.pad_begin[0] + w.pad_begin[1] + w.pad_end[0] + w.pad_end[1] > 0;
  if (pool->GetInt("ceil_mode", 0) != 0 || (padded && pool->GetInt("count_include_pad", 0) == 0) ||
      area->GetAsDouble(0) != static_cast<double>(w.kernel[0] * w.kernel[1])) {
    return absl::UnimplementedError(
        "AveragePool whose windows do not all average kernel-area values (ceil_mode, or pads "
        "without count_include_pad), or a Mul other than by the kernel area");
  }
  const std::vector<int64_t> od = WindowOutputDims(xd, xd[1], w);
  QC_RETURN_IF_ERROR(SameDims(p_.tensors[out].dims, od));
  QC_ASSIGN_OR_RETURN(op.requant, BlockRequant(b, od, -1, out));
  acc_nodes_.insert(acc_nodes_.end(), {&round, mul, pool});
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status TinpuLowering::Requantize(const std::string& name, int in, const OssBlock& b,
                                       int out) {
  if (p_.tensors[in].num_elements() != p_.tensors[out].num_elements()) {
    return absl::UnimplementedError("the block changes the tensor's size");
  }
  IntOp op = NewOp(OpKind::kRequant, name, {in}, out);
  QC_ASSIGN_OR_RETURN(op.requant, BlockRequant(b, p_.tensors[out].dims, -1, out));
  p_.ops.push_back(std::move(op));
  return absl::OkStatus();
}

void TinpuLowering::LowerStandalone(const Node& n) {
  const bool view = IsOp(n, "Reshape") || IsOp(n, "Flatten") || IsOp(n, "Squeeze") ||
                    IsOp(n, "Unsqueeze") || IsOp(n, "Identity");
  if (!view && !IsOp(n, "MaxPool") && !IsOp(n, "Relu") && !IsOp(n, "Clip") && !IsOp(n, "Concat"))
    return;
  const int inputs = view || IsOp(n, "Clip") ? 1 : n.num_inputs();
  for (int i = 0; i < inputs; ++i) {
    if (!int_of_.contains(n.input(i))) return;  // not an integer op; the final check reports it
  }
  absl::Status st = [&]() -> absl::Status {
    const int x = int_of_[n.input(0)];
    const IntTensor in = p_.tensors[x];
    QC_ASSIGN_OR_RETURN(std::vector<int64_t> od, StaticDims(*n.output(0)));
    IntTensor t;
    t.name = n.output(0)->name();
    t.dims = od;
    t.zero_point = in.zero_point;
    if (view) {
      if (NumElements(od) != in.num_elements()) return absl::InvalidArgumentError("size changes");
      t.view_of = p_.StorageOf(x);
    }
    p_.tensors.push_back(std::move(t));
    const int out = static_cast<int>(p_.tensors.size()) - 1;
    int_of_[n.output(0)] = out;
    if (view) return absl::OkStatus();
    IntOp op;
    op.name = n.name();
    op.inputs = {x};
    op.output = out;
    if (IsOp(n, "MaxPool")) {
      if (n.num_outputs() > 1 && !n.output(1)->uses().empty()) {
        return absl::UnimplementedError("MaxPool indices");
      }
      op.kind = OpKind::kMaxPool;
      QC_ASSIGN_OR_RETURN(op.window, MakeWindow2(n, in.dims, {}, n.GetInt("ceil_mode", 0) != 0));
      if (WindowOutputDims(in.dims, in.dims[1], op.window) != od) {
        return absl::InvalidArgumentError("output shape differs from the pool's");
      }
    } else if (IsOp(n, "Concat")) {
      op.kind = OpKind::kConcat;
      op.axis = n.GetInt("axis", 1) < 0 ? n.GetInt("axis", 1) + static_cast<int64_t>(od.size())
                                        : n.GetInt("axis", 1);
      op.inputs.clear();
      for (int i = 0; i < n.num_inputs(); ++i) {
        const int t2 = int_of_[n.input(i)];
        if (p_.tensors[t2].zero_point != in.zero_point) {
          return absl::UnimplementedError("Concat of signed and unsigned integer tensors");
        }
        op.inputs.push_back(t2);
        op.input_copies.push_back(true);
        op.input_requants.emplace_back();
      }
    } else {  // Relu / Clip: an identity requantization with a clamp
      double lo = IsOp(n, "Relu") ? 0 : -INFINITY, hi = INFINITY;
      for (int i = 1; IsOp(n, "Clip") && i <= 2; ++i) {
        std::optional<Tensor> c = ConstantOf(n.input(i));
        if (n.input(i) && (!c || c->num_elements() != 1)) {
          return absl::UnimplementedError("Clip bounds must be constants");
        }
        if (c) (i == 1 ? lo : hi) = c->GetAsDouble(0);
      }
      op.kind = OpKind::kRequant;
      op.requant = {Requant::Kind::kOss, {1}, {0}, {0}, in.zero_point, -128, 127};
      op.requant.lo = static_cast<int32_t>(std::max(-128.0, std::ceil(lo) + in.zero_point));
      op.requant.hi = static_cast<int32_t>(std::min(127.0, std::floor(hi) + in.zero_point));
    }
    p_.ops.push_back(std::move(op));
    return absl::OkStatus();
  }();
  if (!st.ok()) return cov_.Fail(n, std::string(st.message()));
  cov_.Consume(&n);
}

}  // namespace quantc::cbackend
