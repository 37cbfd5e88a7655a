// Generic QDQ -> integer program: the driver. It maps the quantized graph
// input, walks the QuantizeLinear anchors in graph order (each becomes one
// integer op, see lower_qdq.h), maps the output, and then insists that every
// node took part in some pattern, listing the ones that did not.
#include "backends/c/lower_qdq.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "backends/c/lower.h"
#include "quant/numeric.h"
#include "util/status_macros.h"

namespace quantc::cbackend {
namespace {

// Producers whose output range a following Relu/Clip narrows in place.
bool FusesActivation(const Node& n) {
  return IsOp(n, "Conv") || IsOp(n, "Gemm") || IsOp(n, "MatMul") || IsOp(n, "Add") ||
         IsOp(n, "Mul");
}

bool IsView(const Node& n) {
  return IsOp(n, "Reshape") || IsOp(n, "Flatten") || IsOp(n, "Squeeze") || IsOp(n, "Unsqueeze") ||
         IsOp(n, "Identity") || IsOp(n, "Dropout");
}

// Elementwise functions of one input that a 256-entry table realizes
// exactly (whatever the function, an int8 input has 256 values).
bool IsTableOp(const Node& n) {
  static const char* const kOps[] = {
      "Sigmoid",  "Tanh", "HardSigmoid", "HardSwish", "LeakyRelu", "Elu",  "Selu", "Softplus",
      "Softsign", "Neg",  "Abs",         "Exp",       "Erf",       "Sqrt", "Log",  "Reciprocal"};
  for (const char* op : kOps) {
    if (IsOp(n, op)) return true;
  }
  return false;
}

// Integer range of a model's quantized storage type.
void ModelRange(DType storage, int32_t* lo, int32_t* hi) {
  *lo = storage == DType::kUInt8 ? 0 : -128;
  *hi = storage == DType::kUInt8 ? 255 : 127;
}

}  // namespace

absl::StatusOr<IntProgram> LowerQdq(const Graph& g) { return QdqLowering(g).Run(); }

absl::StatusOr<IntProgram> QdqLowering::Run() {
  p_.format = SourceFormat::kQdq;
  if (g_.inputs().size() != 1 || g_.outputs().size() != 1) {
    return absl::UnimplementedError(
        absl::StrCat("the C backend compiles models with one input and one output; this one has ",
                     g_.inputs().size(), " input(s) and ", g_.outputs().size(), " output(s)"));
  }
  QC_RETURN_IF_ERROR(LowerInput());
  for (const Node* n : g_.nodes()) {
    if (IsOp(*n, "QuantizeLinear") && !cov_.consumed(n)) LowerAnchor(*n);
  }
  const absl::Status output = LowerOutput();
  ConsumeDequantizers();
  cov_.FailUnconsumed(g_,
                      "not part of a pattern the C backend implements (each float op must read "
                      "DequantizeLinear outputs and feed one QuantizeLinear)");
  // Node failures first: they usually explain an unusable output.
  QC_RETURN_IF_ERROR(cov_.ToStatus());
  QC_RETURN_IF_ERROR(output);
  return std::move(p_);
}

absl::Status QdqLowering::LowerInput() {
  const Value* in = g_.inputs()[0];
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> dims, StaticDims(*in));
  p_.input_name = in->name();
  const DType dt = in->type().dtype;
  if (dt == DType::kInt8 || dt == DType::kUInt8) {
    // An integer model input: its parameters come from its dequantizers.
    std::optional<AffineParams> a;
    for (const Use& u : in->uses()) {
      if (!IsOp(*u.user, "DequantizeLinear")) continue;
      QC_ASSIGN_OR_RETURN(AffineParams b, ReadParams(*u.user));
      if (a && !(*a == b)) {
        return absl::UnimplementedError(absl::StrCat(
            "graph input '", in->name(), "' is dequantized with two different parameters"));
      }
      a = b;
    }
    if (!a) {
      return absl::UnimplementedError(
          absl::StrCat("graph input '", in->name(), "' is never dequantized"));
    }
    p_.input = AddTensor(in->name(), dims, *a);
    int_of_[in] = p_.input;
    SetInputQuantizer(*a);  // the float wrappers quantize as the model dequantizes
    return absl::OkStatus();
  }
  if (dt != DType::kFloat32) {
    return absl::UnimplementedError(absl::StrCat("graph input '", in->name(), "' has type ",
                                                 DTypeName(dt),
                                                 " (float32, int8, uint8 are supported)"));
  }
  std::optional<AffineParams> a;
  std::vector<const Node*> quantizers;
  for (const Use& u : in->uses()) {
    if (!IsOp(*u.user, "QuantizeLinear") || u.index != 0) {
      return absl::UnimplementedError(absl::StrCat(
          u.user->Describe(), ": reads the float graph input '", in->name(),
          "' directly; the C backend needs the input quantized first (QuantizeLinear)"));
    }
    QC_ASSIGN_OR_RETURN(AffineParams b, ReadParams(*u.user));
    if (a && !(*a == b)) {
      return absl::UnimplementedError(absl::StrCat("graph input '", in->name(),
                                                   "' is quantized with two different parameters"));
    }
    a = b;
    quantizers.push_back(u.user);
  }
  if (!a) {
    return absl::UnimplementedError(absl::StrCat(
        "graph input '", in->name(), "' is not quantized (no QuantizeLinear reads it)"));
  }
  p_.input = AddTensor(quantizers[0]->output(0)->name(), dims, *a);
  for (const Node* q : quantizers) {
    int_of_[q->output(0)] = p_.input;
    cov_.Consume(q);
  }
  SetInputQuantizer(*a);
  return absl::OkStatus();
}

void QdqLowering::SetInputQuantizer(const AffineParams& a) {
  InputQuantizer& iq = p_.input_quantizer;
  iq.kind = InputQuantizer::Kind::kAffine;
  iq.scale = {a.scale};
  iq.zero_point = {a.zero_point};
  ModelRange(a.storage, &iq.lo, &iq.hi);
  iq.storage_offset = a.storage_offset();
}

absl::Status QdqLowering::LowerOutput() {
  const Value* out = g_.outputs()[0];
  p_.output_name = out->name();
  auto it = int_of_.find(out);
  if (it != int_of_.end()) {
    p_.output = it->second;
    const AffineParams& a = params_[it->second];
    p_.output_dequantizer = {a.scale, a.stored_zero_point()};
  } else {
    const Node* dq = out->producer();
    if (dq == nullptr || !IsOp(*dq, "DequantizeLinear") || !int_of_.contains(dq->input(0))) {
      return absl::UnimplementedError(absl::StrCat(
          "graph output '", out->name(),
          "' is not a quantized tensor: the C backend needs it to be a QuantizeLinear output "
          "or its DequantizeLinear"));
    }
    QC_ASSIGN_OR_RETURN(AffineParams a, ReadParams(*dq));
    p_.output = int_of_[dq->input(0)];
    if (!(a == params_[p_.output])) {
      return absl::UnimplementedError(absl::StrCat(
          dq->Describe(), ": dequantizes the output with other parameters than it was quantized"));
    }
    p_.output_dequantizer = {a.scale, a.stored_zero_point()};
    cov_.Consume(dq);
  }
  if (p_.StorageOf(p_.output) == p_.StorageOf(p_.input)) {
    return absl::UnimplementedError("the graph output is the graph input (no computation)");
  }
  return absl::OkStatus();
}

void QdqLowering::LowerAnchor(const Node& q) {
  cov_.Consume(&q);
  absl::StatusOr<AffineParams> oq = ReadParams(q);
  absl::StatusOr<std::vector<int64_t>> dims = StaticDims(*q.output(0));
  const Node* p = q.input(0) ? q.input(0)->producer() : nullptr;
  if (!oq.ok() || !dims.ok() || p == nullptr) {
    cov_.Fail(q, !oq.ok()     ? std::string(oq.status().message())
                 : !dims.ok() ? std::string(dims.status().message())
                              : "quantizes a constant or a second graph input");
    return;
  }
  const Node* act = nullptr;
  if ((IsOp(*p, "Relu") || IsOp(*p, "Clip")) && p->input(0) && p->input(0)->producer() &&
      FusesActivation(*p->input(0)->producer()) && SingleUse(g_, *p->input(0))) {
    act = p;
    p = p->input(0)->producer();
  }
  // Registered even when the pattern fails, so readers downstream lower
  // normally and the error lists only real failures.
  const int out = AddTensor(q.output(0)->name(), *dims, *oq);
  int_of_[q.output(0)] = out;
  absl::Status st = LowerPattern(q, *p, act, out);
  if (!st.ok()) {
    cov_.Fail(*p, std::string(st.message()));
    return;
  }
  cov_.Consume(p);
  if (act) cov_.Consume(act);
}

absl::Status QdqLowering::LowerPattern(const Node& q, const Node& p, const Node* act, int out) {
  if (!p.domain().empty()) {
    return absl::UnimplementedError(absl::StrCat("operator domain '", p.domain(), "'"));
  }
  const AffineParams oq = params_[out];
  int32_t lo = -128, hi = 127;
  QC_RETURN_IF_ERROR(ActivationBounds(act, oq, &lo, &hi));
  if (IsOp(p, "Conv")) return Conv(p, out, oq, lo, hi);
  if (IsOp(p, "Gemm") || IsOp(p, "MatMul")) return Gemm(p, out, oq, lo, hi);
  if (IsOp(p, "Add") || IsOp(p, "Mul")) return AddMul(p, out, oq, lo, hi);
  if (IsOp(p, "MaxPool")) return MaxPool(p, out);
  if (IsOp(p, "AveragePool") || IsOp(p, "GlobalAveragePool")) return AvgPool(p, out, oq);
  if (IsOp(p, "Concat")) return Concat(p, out, oq);
  if (IsOp(p, "Softmax")) return Softmax(p, out, oq);
  if (IsView(p)) return View(p, out);
  if (IsTableOp(p)) return Lut(p, out, oq);
  if (IsOp(p, "Relu") || IsOp(p, "Clip")) {
    QC_ASSIGN_OR_RETURN(int in, ActivationIn(p.input(0)));
    QC_RETURN_IF_ERROR(ActivationBounds(&p, oq, &lo, &hi));
    return Rescale(p.name(), in, out, lo, hi);
  }
  if (IsOp(p, "DequantizeLinear")) {  // Q(DQ(x)): a plain requantization
    QC_ASSIGN_OR_RETURN(int in, ActivationIn(q.input(0)));
    return Rescale(q.name(), in, out, lo, hi);
  }
  return absl::UnimplementedError("no integer kernel for this op in the C backend");
}

void QdqLowering::ConsumeDequantizers() {
  for (const Node* n : g_.nodes()) {
    if (!IsOp(*n, "DequantizeLinear") || cov_.consumed(n)) continue;
    bool all = !g_.IsGraphOutput(n->output(0));
    // Readers that failed are reported themselves; their inputs are not.
    for (const Use& u : n->output(0)->uses()) all = all && cov_.handled(u.user);
    if (all) cov_.Consume(n);
  }
}

absl::StatusOr<AffineParams> QdqLowering::ReadParams(const Node& qdq) const {
  std::optional<Tensor> s = ConstantOf(qdq.input(1));
  if (!s || s->dtype() != DType::kFloat32 || s->num_elements() != 1) {
    return absl::UnimplementedError(absl::StrCat(
        qdq.Describe(), ": the scale must be one constant float32 (per-tensor quantization)"));
  }
  AffineParams a;
  a.scale = s->data<float>()[0];
  a.storage = DType::kUInt8;
  if (const Value* zv = qdq.input(2)) {
    std::optional<Tensor> z = ConstantOf(zv);
    if (!z || z->num_elements() != 1 ||
        (z->dtype() != DType::kInt8 && z->dtype() != DType::kUInt8)) {
      return absl::UnimplementedError(
          absl::StrCat(qdq.Describe(), ": the zero point must be one constant int8 or uint8"));
    }
    a.storage = z->dtype();
    a.zero_point = static_cast<int32_t>(z->GetAsDouble(0));
  }
  if (!(a.scale > 0) || std::isinf(a.scale)) {
    return absl::InvalidArgumentError(
        absl::StrCat(qdq.Describe(), ": scale ", a.scale, " is not a positive number"));
  }
  return a;
}

absl::StatusOr<int> QdqLowering::ActivationIn(const Value* v) {
  const Node* dq = v ? v->producer() : nullptr;
  if (dq == nullptr || !IsOp(*dq, "DequantizeLinear")) {
    return absl::UnimplementedError(
        absl::StrCat("input '", v ? v->name() : "",
                     "' is not a DequantizeLinear output (a float tensor "
                     "reaches an op; the C backend runs integer ops only)"));
  }
  auto it = int_of_.find(dq->input(0));
  if (it == int_of_.end()) {
    return absl::UnimplementedError(
        absl::StrCat("input '", v->name(), "' dequantizes '", dq->input(0)->name(),
                     "', which is not an activation quantized earlier in the graph"));
  }
  QC_ASSIGN_OR_RETURN(AffineParams a, ReadParams(*dq));
  if (!(a == params_[it->second])) {
    return absl::UnimplementedError(absl::StrCat(
        dq->Describe(), ": dequantizes with other parameters than the tensor was quantized with"));
  }
  return it->second;
}

absl::StatusOr<QuantConstant> QdqLowering::ConstantIn(const Value* v) const {
  const Node* dq = v ? v->producer() : nullptr;
  std::optional<Tensor> q =
      dq && IsOp(*dq, "DequantizeLinear") ? ConstantOf(dq->input(0)) : std::nullopt;
  if (!q) {
    return absl::UnimplementedError(absl::StrCat("input '", v ? v->name() : "",
                                                 "' is not a quantized constant (DequantizeLinear "
                                                 "of an initializer)"));
  }
  QuantConstant c;
  c.q = *q;
  std::optional<Tensor> s = ConstantOf(dq->input(1));
  std::optional<Tensor> z = ConstantOf(dq->input(2));
  if (!s || s->dtype() != DType::kFloat32 || (dq->input(2) && !z)) {
    return absl::UnimplementedError(
        absl::StrCat(dq->Describe(), ": scale and zero point must be constants"));
  }
  for (int64_t i = 0; i < s->num_elements(); ++i) {
    c.scale.push_back(s->data<float>()[i]);
    c.zero_point.push_back(z ? static_cast<int64_t>(z->GetAsDouble(i)) : 0);
  }
  if (s->num_elements() > 1) {
    int64_t axis = dq->GetInt("axis", 1);
    if (axis < 0) axis += q->rank();
    if (axis < 0 || axis >= q->rank() || q->dims()[axis] != s->num_elements()) {
      return absl::InvalidArgumentError(
          absl::StrCat(dq->Describe(), ": per-axis scale does not match the constant's dims"));
    }
    c.axis = axis;
  }
  return c;
}

absl::StatusOr<int> QdqLowering::OperandIn(const Value* v) {
  absl::StatusOr<int> act = ActivationIn(v);
  if (act.ok()) return act;
  absl::StatusOr<QuantConstant> c = ConstantIn(v);
  if (!c.ok()) return act.status();
  if (c->axis >= 0 || (c->q.dtype() != DType::kInt8 && c->q.dtype() != DType::kUInt8)) {
    return absl::UnimplementedError(
        absl::StrCat("constant operand '", v->name(), "' must be int8/uint8 with one scale"));
  }
  AffineParams a;
  a.scale = c->scale[0];
  a.zero_point = static_cast<int32_t>(c->zero_point[0]);
  a.storage = c->q.dtype();
  const int t = AddTensor(v->name(), c->q.dims(), a);
  for (int64_t i = 0; i < c->q.num_elements(); ++i) {
    p_.tensors[t].constant.push_back(
        static_cast<int8_t>(static_cast<int32_t>(c->q.GetAsDouble(i)) + a.storage_offset()));
  }
  return t;
}

int QdqLowering::AddTensor(const std::string& name, std::vector<int64_t> dims,
                           const AffineParams& a) {
  IntTensor t;
  t.name = name;
  t.dims = std::move(dims);
  t.zero_point = a.stored_zero_point();
  t.scale = a.scale;
  p_.tensors.push_back(std::move(t));
  params_.push_back(a);
  return static_cast<int>(p_.tensors.size()) - 1;
}

absl::Status QdqLowering::ActivationBounds(const Node* act, const AffineParams& out, int32_t* lo,
                                           int32_t* hi) const {
  if (act == nullptr) return absl::OkStatus();
  int32_t qmin = 0, qmax = 0;
  ModelRange(out.storage, &qmin, &qmax);
  // QuantizeLinear of a float bound, in the int8 storage domain.
  auto quantize = [&](float v) {
    const float r =
        static_cast<float>(RoundHalfEven(v / out.scale)) + static_cast<float>(out.zero_point);
    const float c = std::min(std::max(r, static_cast<float>(qmin)), static_cast<float>(qmax));
    return static_cast<int32_t>(c) + out.storage_offset();
  };
  if (IsOp(*act, "Relu")) {
    *lo = std::max(*lo, out.stored_zero_point());
    return absl::OkStatus();
  }
  float mn = -INFINITY, mx = INFINITY;
  if (g_.opset() < 11) {
    mn = act->GetFloat("min", mn);
    mx = act->GetFloat("max", mx);
  } else {
    for (int i = 1; i <= 2; ++i) {
      if (act->input(i) == nullptr) continue;
      std::optional<Tensor> t = ConstantOf(act->input(i));
      if (!t || t->num_elements() != 1 || t->dtype() != DType::kFloat32) {
        return absl::UnimplementedError(
            absl::StrCat(act->Describe(), ": Clip bounds must be float32 constants"));
      }
      (i == 1 ? mn : mx) = t->data<float>()[0];
    }
  }
  *lo = std::max(*lo, quantize(mn));
  *hi = std::min(*hi, quantize(mx));
  if (*lo > *hi) {
    return absl::UnimplementedError(absl::StrCat(act->Describe(), ": empty Clip range"));
  }
  return absl::OkStatus();
}

}  // namespace quantc::cbackend
