// TINPU integer ONNX -> integer program: the driver. It walks the graph in
// order; every Floor anchors a requantization block (matched backward to
// its accumulator and forward through its Clip and any Relu/Clip that
// follow), which becomes one op; MaxPool, views, Relu/Clip and Concat of
// integer tensors lower on their own. Every node must be covered.
#include "backends/c/lower_tinpu.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "backends/c/lower.h"
#include "util/status_macros.h"

namespace quantc::cbackend {
namespace {

// The single reader of `v` (nullptr if it has several, or is an output).
const Node* OnlyUser(const Graph& g, const Value* v) {
  return v != nullptr && SingleUse(g, *v) ? v->uses()[0].user : nullptr;
}

// For a binary node with exactly one constant input: that constant and the
// other input.
bool SplitConstant(const Node& n, std::optional<Tensor>* c, const Value** other) {
  if (n.num_inputs() != 2) return false;
  for (int i = 0; i < 2; ++i) {
    std::optional<Tensor> t = ConstantOf(n.input(i));
    if (t && !ConstantOf(n.input(1 - i))) {
      *c = std::move(t);
      *other = n.input(1 - i);
      return true;
    }
  }
  return false;
}

std::vector<double> AllValues(const Tensor& t) {
  std::vector<double> v(t.num_elements());
  for (int64_t i = 0; i < t.num_elements(); ++i) v[i] = t.GetAsDouble(i);
  return v;
}

// Clip bounds from inputs (opset >= 11) or attributes.
absl::Status ClipBounds(const Node& clip, double* lo, double* hi) {
  double mn = clip.GetFloat("min", -INFINITY), mx = clip.GetFloat("max", INFINITY);
  for (int i = 1; i <= 2; ++i) {
    if (clip.input(i) == nullptr) continue;
    std::optional<Tensor> t = ConstantOf(clip.input(i));
    if (!t || t->num_elements() != 1) {
      return absl::UnimplementedError(absl::StrCat(clip.Describe(), ": bounds must be constants"));
    }
    (i == 1 ? mn : mx) = t->GetAsDouble(0);
  }
  *lo = std::max(*lo, mn);
  *hi = std::min(*hi, mx);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IntProgram> LowerTinpu(const Graph& g) { return TinpuLowering(g).Run(); }

absl::StatusOr<IntProgram> TinpuLowering::Run() {
  p_.format = SourceFormat::kTinpu;
  if (g_.inputs().size() != 1 || g_.outputs().size() != 1) {
    return absl::UnimplementedError(
        absl::StrCat("the C backend compiles models with one input and one output; this one has ",
                     g_.inputs().size(), " input(s) and ", g_.outputs().size(), " output(s)"));
  }
  p_.input_name = g_.inputs()[0]->name();
  for (const Node* n : g_.nodes()) {
    if (cov_.consumed(n)) continue;
    if (IsOp(*n, "Floor")) {
      LowerBlock(*n);
    } else {
      LowerStandalone(*n);
    }
  }
  if (p_.input < 0) {
    return absl::UnimplementedError(absl::StrCat(
        "graph input '", p_.input_name,
        "' has no input-quantize block (Add -> Mul -> Mul -> Floor -> Clip); models made with "
        "--input-mode=prequantized do not say which integers they take"));
  }
  const absl::Status output = LowerOutput();
  cov_.FailUnconsumed(g_, "not part of a TINPU pattern the C backend implements");
  // Node failures first: they usually explain an unusable output.
  QC_RETURN_IF_ERROR(cov_.ToStatus());
  QC_RETURN_IF_ERROR(output);
  return std::move(p_);
}

absl::StatusOr<OssBlock> TinpuLowering::MatchBlock(const Node& floor) const {
  OssBlock b;
  auto bad = [&](const std::string& why) {
    return absl::UnimplementedError(absl::StrCat(
        "not an offset-scale-shift block (Add -> Mul -> Mul -> Floor -> Clip): ", why));
  };
  const Value* t3 = floor.input(0);
  const Node* shift = t3 && t3->producer() && SingleUse(g_, *t3) ? t3->producer() : nullptr;
  std::optional<Tensor> shift_c, mult_c, offset_c;
  const Value *t2 = nullptr, *t1 = nullptr;
  if (!shift || !IsOp(*shift, "Mul") || !SplitConstant(*shift, &shift_c, &t2)) {
    return bad("no Mul by 2^-shift before the Floor");
  }
  const Node* mult = t2->producer() && SingleUse(g_, *t2) ? t2->producer() : nullptr;
  if (!mult || !IsOp(*mult, "Mul") || !SplitConstant(*mult, &mult_c, &t1)) {
    return bad("no Mul by the multiplier before the shift");
  }
  const Node* add = t1->producer() && SingleUse(g_, *t1) ? t1->producer() : nullptr;
  b.acc = t1;
  if (add && IsOp(*add, "Add") && SplitConstant(*add, &offset_c, &b.acc)) {
    b.nodes.push_back(add);
    b.offset = AllValues(*offset_c);
  } else {
    b.offset = {0.0};
  }
  b.mult = AllValues(*mult_c);
  b.shift_mult = AllValues(*shift_c);
  b.nodes.insert(b.nodes.end(), {mult, shift, &floor});
  const Node* clip = OnlyUser(g_, floor.output(0));
  if (!clip || !IsOp(*clip, "Clip")) return bad("the Floor is not followed by a Clip");
  QC_RETURN_IF_ERROR(ClipBounds(*clip, &b.lo, &b.hi));
  b.nodes.push_back(clip);
  // Activations after the block narrow its range instead of costing an op.
  const Node* next = clip;
  while (const Node* u = OnlyUser(g_, next->output(0))) {
    if (IsOp(*u, "Relu")) {
      b.lo = std::max(b.lo, 0.0);
    } else if (IsOp(*u, "Clip") && ClipBounds(*u, &b.lo, &b.hi).ok()) {
    } else {
      break;
    }
    b.nodes.push_back(u);
    next = u;
  }
  b.out = next->output(0);
  b.offset_t = std::move(offset_c);
  b.mult_t = std::move(mult_c);
  b.shift_t = std::move(shift_c);
  return b;
}

namespace {

// Entries of a block constant `t` for an accumulator of dims `acc`: 1 for a
// single value, else the size of `axis`, along which alone `t` may vary.
absl::StatusOr<int64_t> Entries(const Tensor& t, const std::vector<int64_t>& acc, int64_t axis) {
  if (t.num_elements() == 1) return 1;
  const int64_t lead = static_cast<int64_t>(acc.size()) - t.rank();
  bool ok = axis >= 0 && lead >= 0;
  for (int64_t i = 0; ok && i < t.rank(); ++i) {
    ok = t.dims()[i] == (lead + i == axis ? acc[axis] : 1);
  }
  if (!ok) {
    return absl::UnimplementedError(
        absl::StrCat("requantization constants of shape ", DimsStr(t.dims()),
                     " for a result of shape ", DimsStr(acc),
                     axis >= 0 ? absl::StrCat(" (one value, or one per index of axis ", axis, ")")
                               : std::string(" (this op takes one value)")));
  }
  return acc[axis];
}

// Whether `v` is an integer of at most `bits` magnitude bits.
bool IsInt(double v, int bits) { return v == std::floor(v) && std::abs(v) < std::ldexp(1.0, bits); }

}  // namespace

void TinpuLowering::LowerBlock(const Node& floor) {
  cov_.Consume(&floor);
  absl::StatusOr<OssBlock> b = MatchBlock(floor);
  if (!b.ok()) return cov_.Fail(floor, std::string(b.status().message()));
  // On failure the block's own nodes are reported through the Floor alone.
  for (const Node* n : b->nodes) cov_.Consume(n);
  absl::StatusOr<int> out = AddBlockTensor(*b->out, b->lo, b->hi);
  if (!out.ok()) {
    if (b->acc->producer() && !int_of_.contains(b->acc)) cov_.Consume(b->acc->producer());
    return cov_.Fail(floor, std::string(out.status().message()));
  }
  int_of_[b->out] = *out;  // even if the op fails: readers lower normally
  acc_nodes_.clear();
  const Node* p = b->acc->producer();
  absl::Status st;
  if (b->acc->is_graph_input()) {
    st = LowerInputBlock(*b, *out);
  } else if (int_of_.contains(b->acc)) {
    st = Requantize(floor.name(), int_of_[b->acc], *b, *out);
  } else if (p == nullptr) {
    st = absl::UnimplementedError("requantizes a constant");
  } else if (IsOp(*p, "Conv")) {
    st = Conv(*p, *b, *out);
  } else if (IsOp(*p, "MatMul") || IsOp(*p, "Gemm")) {
    st = MatMul(*p, *b, *out);
  } else if (IsOp(*p, "Add")) {
    st = Add(*p, *b, *out);
  } else if (IsOp(*p, "Mul")) {
    st = Mul(*p, *b, *out);
  } else if (IsOp(*p, "ReduceSum")) {
    st = ReduceSum(*p, *b, *out);
  } else if (IsOp(*p, "Round")) {
    st = AvgPool(*p, *b, *out);
  } else {
    st = absl::UnimplementedError("no integer kernel for a requantization of this op");
  }
  if (!st.ok()) return cov_.Fail(p ? *p : floor, std::string(st.message()));
  for (const Node* n : acc_nodes_) cov_.Consume(n);
}

absl::Status TinpuLowering::LowerInputBlock(const OssBlock& b, int out) {
  const Value* x = b.acc;
  if (x->uses().size() != 1) {
    return absl::UnimplementedError(
        absl::StrCat("graph input '", x->name(), "' is read outside its input-quantize block"));
  }
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> in, StaticDims(*x));
  if (p_.tensors[out].num_elements() != NumElements(in)) {
    return absl::UnimplementedError("the input block broadcasts the input to another size");
  }
  InputQuantizer& q = p_.input_quantizer;
  q.kind = InputQuantizer::Kind::kOss;
  int64_t n = 1;
  for (const std::optional<Tensor>* t : {&b.offset_t, &b.mult_t, &b.shift_t}) {
    if (!t->has_value()) continue;
    QC_ASSIGN_OR_RETURN(int64_t e, Entries(**t, in, 1));
    n = std::max(n, e);
  }
  for (int64_t c = 0; c < n; ++c) {
    auto pick = [&](const std::vector<double>& v) {
      return static_cast<float>(v[v.size() == 1 ? 0 : c]);
    };
    q.offset.push_back(pick(b.offset));
    q.mult.push_back(pick(b.mult));
    q.shift_mult.push_back(pick(b.shift_mult));
  }
  for (size_t d = 2; d < in.size(); ++d) q.inner *= in[d];
  q.lo = static_cast<int32_t>(b.lo);
  q.hi = static_cast<int32_t>(b.hi);
  q.storage_offset = p_.tensors[out].zero_point;
  p_.input = out;
  return absl::OkStatus();
}

absl::StatusOr<int> TinpuLowering::AddBlockTensor(const Value& v, double lo, double hi) {
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> dims, StaticDims(v));
  int32_t zp = 0;
  if (!IsInt(lo, 31) || !IsInt(hi, 31) || lo > hi) {
    return absl::UnimplementedError(absl::StrCat("clip range [", lo, ", ", hi, "] of '", v.name(),
                                                 "' is not a range of integers"));
  }
  if (lo >= -128 && hi <= 127) {
    zp = 0;
  } else if (lo >= 0 && hi <= 255) {
    zp = -128;
  } else {
    return absl::UnimplementedError(absl::StrCat("clip range [", lo, ", ", hi, "] of '", v.name(),
                                                 "' needs more than 8 bits (the C backend stores "
                                                 "int8 and uint8 tensors)"));
  }
  IntTensor t;
  t.name = v.name();
  t.dims = std::move(dims);
  t.zero_point = zp;
  p_.tensors.push_back(std::move(t));
  return static_cast<int>(p_.tensors.size()) - 1;
}

absl::StatusOr<Requant> TinpuLowering::BlockRequant(const OssBlock& b,
                                                    const std::vector<int64_t>& acc_dims,
                                                    int64_t channel_axis, int out) const {
  int64_t n = 1;
  for (const std::optional<Tensor>* t : {&b.offset_t, &b.mult_t, &b.shift_t}) {
    if (!t->has_value()) continue;
    QC_ASSIGN_OR_RETURN(int64_t e, Entries(**t, acc_dims, channel_axis));
    n = std::max(n, e);
  }
  Requant r;
  r.kind = Requant::Kind::kOss;
  for (int64_t c = 0; c < n; ++c) {
    auto pick = [&](const std::vector<double>& v) { return v[v.size() == 1 ? 0 : c]; };
    const double off = pick(b.offset), mult = pick(b.mult), sm = pick(b.shift_mult);
    int e = 0;
    const double frac = std::frexp(sm, &e);  // sm = 2^-k  <=>  frac = 0.5, k = 1 - e
    if (!IsInt(off, 31) || !IsInt(mult, 24) || frac != 0.5 || 1 - e < 0 || 1 - e > 62) {
      return absl::UnimplementedError(absl::StrCat(
          "requantization entry ", c, " (offset ", off, ", multiplier ", mult, ", shift ", sm,
          ") is not integer offset, integer multiplier and 2^-k (0 <= k <= 62)"));
    }
    r.offset.push_back(static_cast<int32_t>(off));
    r.multiplier.push_back(static_cast<int32_t>(mult));
    r.shift.push_back(1 - e);
  }
  const int32_t zp = p_.tensors[out].zero_point;
  r.out_zero_point = zp;
  r.lo = static_cast<int32_t>(b.lo) + zp;
  r.hi = static_cast<int32_t>(b.hi) + zp;
  return r;
}

absl::StatusOr<int> TinpuLowering::IntIn(const Value* v) const {
  auto it = v ? int_of_.find(v) : int_of_.end();
  if (it == int_of_.end()) {
    return absl::UnimplementedError(absl::StrCat("input '", v ? v->name() : "",
                                                 "' is not an integer tensor (the result of a "
                                                 "requantization block, a pool or a view)"));
  }
  return it->second;
}

absl::Status TinpuLowering::LowerOutput() {
  const Value* o = g_.outputs()[0];
  p_.output_name = o->name();
  float scale = 1.0f;
  const Node* mul = o->producer();
  std::optional<Tensor> s;
  const Value* x = o;
  if (!int_of_.contains(o) && mul && IsOp(*mul, "Mul") && SplitConstant(*mul, &s, &x) &&
      int_of_.contains(x) && s->num_elements() == 1 && s->dtype() == DType::kFloat32) {
    scale = s->data<float>()[0];  // --output-float: the output's scale
    cov_.Consume(mul);
  }
  QC_ASSIGN_OR_RETURN(p_.output, IntIn(x));
  p_.output_dequantizer = {scale, p_.tensors[p_.output].zero_point};
  return absl::OkStatus();
}

}  // namespace quantc::cbackend
