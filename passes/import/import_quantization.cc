// import_quantization: validates every QuantizeLinear/DequantizeLinear of a
// model quantized elsewhere and records its quantization as IR data.
//
//   Before:  %q = QuantizeLinear(%x, %s: f32 [0.1], %zp: u8 [128])
//            %d = DequantizeLinear(%q, %s, %zp);  %w_dq = DequantizeLinear(%w: i8[16,8,3,3],
//            %ws[16], %wzp[16]) {axis=0} %c = Conv(%d, %w_dq, %b_dq)
//   After:   %q: u8 q{u8 s=[0.1] zp=[128]} = QuantizeLinear(...)   (kind: activation)
//            %w: i8 q{i8 s=[...] zp=[...] axis=0}                   (kind: weight; the bias: kind
//            bias)
//
// Checks (InvalidArgument naming the node unless noted):
// * scales are float32 constants (else Unimplemented: dynamic quantization),
//   positive and finite; zero points are constants of the quantized type
//   (int8/uint8; int32 for a dequantized bias, with zero point 0), one per
//   scale;
// * a per-axis scale has as many entries as its axis has channels; only
//   constants (weights) may be per channel (else Unimplemented);
// * a DequantizeLinear reading a QuantizeLinear uses the same scale, zero
//   point and type (an inconsistent pair is an error, not a guess);
// * a DequantizeLinear reads a QuantizeLinear or a constant: an activation
//   that arrives quantized from elsewhere (an integer graph input, an
//   integer op) has a quantization quantc cannot verify;
// * a weight (or bias) constant is dequantized one way only, per channel
//   only along its layer's output-channel axis (else Unimplemented).
// A dequantized constant that is neither a layer's weight nor its bias (a
// quantized addend, say) gets no QuantParams: normalize_qdq turns it into
// the float constant it stands for.
#include "passes/import/import_quantization.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/contrib_ops.h"
#include "ir/printer.h"
#include "passes/quant_roles.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

bool IsQ(const Node& n) { return n.domain().empty() && n.op_type() == "QuantizeLinear"; }
bool IsDq(const Node& n) { return n.domain().empty() && n.op_type() == "DequantizeLinear"; }

absl::Status Invalid(const Node& n, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(n.Describe(), ": ", why));
}

// The scale, zero point and axis one Q/DQ node states, validated.
absl::StatusOr<QuantParams> StatedParams(const Node& n, DType data_type) {
  const Value* s = n.input(1);
  if (!s || !s->is_initializer()) {
    return absl::UnimplementedError(
        absl::StrCat(n.Describe(),
                     ": scale is computed at run time (dynamic quantization is not supported; "
                     "quantc imports static quantization)"));
  }
  if (s->initializer().dtype() != DType::kFloat32) {
    return Invalid(
        n, absl::StrCat("scale must be float32, not ", DTypeName(s->initializer().dtype())));
  }
  QuantParams p;
  for (float v : s->initializer().data<float>()) {
    if (!(v > 0) || !std::isfinite(v)) {
      return Invalid(n, absl::StrCat("scale ", FormatFloat(v), " is not a positive finite number"));
    }
    p.scale.push_back(v);
  }
  if (p.scale.empty()) return Invalid(n, "scale is empty");
  const Value* zp = n.input(2);
  p.storage = zp ? zp->type().dtype : (IsQ(n) ? DType::kUInt8 : data_type);
  if (zp && !zp->is_initializer()) return Invalid(n, "zero point must be a constant");
  const bool q = IsQ(n);
  const bool ok_type =
      p.storage == DType::kInt8 || p.storage == DType::kUInt8 || (!q && p.storage == DType::kInt32);
  if (!ok_type) {
    return Invalid(
        n, absl::StrCat("zero point type ", DTypeName(p.storage), " is not a quantized type ",
                        q ? "QuantizeLinear produces (int8, uint8)"
                          : "DequantizeLinear reads (int8, uint8, int32)"));
  }
  if (!q && data_type != p.storage) {
    return Invalid(n, absl::StrCat("input is ", DTypeName(data_type), " but the zero point is ",
                                   DTypeName(p.storage)));
  }
  const int64_t count = zp ? zp->initializer().num_elements() : 1;
  if (zp && count != static_cast<int64_t>(p.scale.size()) && count != 1) {
    return Invalid(n, absl::StrCat(p.scale.size(), " scales but ", count, " zero points"));
  }
  for (size_t i = 0; i < p.scale.size(); ++i) {
    p.zero_point.push_back(
        zp ? static_cast<int64_t>(zp->initializer().GetAsDouble(count == 1 ? 0 : i)) : 0);
  }
  if (p.storage == DType::kInt32) {
    for (int64_t z : p.zero_point) {
      if (z != 0)
        return Invalid(n,
                       absl::StrCat("int32 zero point ", z, " (an int32 bias has zero point 0)"));
    }
  }
  if (p.scale.size() > 1 || s->initializer().rank() == 1) {
    const auto dims = n.input(0)->type().StaticDims();
    int64_t axis = n.GetInt("axis", 1);
    if (dims && axis < 0) axis += static_cast<int64_t>(dims->size());
    if (p.scale.size() > 1) {
      if (!dims || axis < 0 || axis >= static_cast<int64_t>(dims->size()) ||
          (*dims)[axis] != static_cast<int64_t>(p.scale.size())) {
        return Invalid(n, absl::StrCat(p.scale.size(), " scales do not match axis ", axis,
                                       " of input '", n.input(0)->name(), "'"));
      }
      p.axis = axis;
    }
  }
  return p;
}

std::string Brief(const QuantParams& p) {
  return absl::StrCat(
      DTypeName(p.storage), " scale ",
      p.scale.size() == 1 ? FormatFloat(p.scale[0]) : absl::StrCat("[", p.scale.size(), "]"),
      " zero point ", p.zero_point.size() == 1 ? absl::StrCat(p.zero_point[0]) : "[...]");
}

// What a dequantized constant is to the layers reading it.
std::optional<QuantTensorKind> ConstantKind(const Value& dq_out) {
  std::optional<QuantTensorKind> kind;
  for (const Use& u : dq_out.uses()) {
    WeightInputs wi =
        RoleOf(*u.user) == QuantRole::kWeighted ? WeightInputsOf(*u.user) : WeightInputs{};
    std::optional<QuantTensorKind> k;
    if (u.index == wi.weight) k = QuantTensorKind::kWeight;
    if (u.index == wi.bias) k = QuantTensorKind::kBias;
    if (!k || (kind && *kind != *k)) return std::nullopt;
    kind = k;
  }
  return kind;
}

class Importer {
 public:
  explicit Importer(Graph& g) : g_(g) {}

  absl::StatusOr<bool> Run() {
    for (Node* n : g_.nodes()) {
      if (IsQ(*n)) QC_RETURN_IF_ERROR(Quantize(n));
      if (IsDq(*n)) QC_RETURN_IF_ERROR(Dequantize(n));
    }
    return changed_;
  }

 private:
  void Set(Value* v, const QuantParams& p) {
    if (v->quant() && *v->quant() == p) return;
    v->set_quant(p);
    changed_ = true;
  }

  absl::Status Quantize(Node* q) {
    QC_ASSIGN_OR_RETURN(QuantParams p, StatedParams(*q, q->input(0)->type().dtype));
    if (p.axis) {
      return absl::UnimplementedError(absl::StrCat(
          q->Describe(), ": per-channel quantization of activation '", q->input(0)->name(),
          "' is not supported (activations are quantized per tensor)"));
    }
    p.kind = QuantTensorKind::kActivation;
    Set(q->output(0), p);
    return absl::OkStatus();
  }

  absl::Status Dequantize(Node* dq) {
    Value* x = dq->input(0);
    QC_ASSIGN_OR_RETURN(QuantParams p, StatedParams(*dq, x->type().dtype));
    if (x->is_initializer()) return Constant(dq, x, p);
    const Node* q = x->producer();
    if (!q || !IsQ(*q)) {
      const std::string from = !q ? "graph input" : absl::StrCat("output of ", q->Describe());
      return Invalid(*dq, absl::StrCat("its input '", x->name(), "' (", from,
                                       ") is a quantized "
                                       "activation no QuantizeLinear produces, so its quantization "
                                       "cannot be checked; quantc needs the float tensor and its "
                                       "QuantizeLinear"));
    }
    const QuantParams& qp = *x->quant();
    if (qp.scale != p.scale || qp.zero_point != p.zero_point || qp.storage != p.storage || p.axis) {
      return Invalid(*dq, absl::StrCat("dequantizes with ", Brief(p), " but ", q->Describe(),
                                       " quantized with ", Brief(qp),
                                       "; the two sides of a Q/DQ pair must agree"));
    }
    return absl::OkStatus();
  }

  absl::Status Constant(Node* dq, Value* c, QuantParams p) {
    std::optional<QuantTensorKind> kind = ConstantKind(*dq->output(0));
    if (!kind) return absl::OkStatus();  // a plain constant: normalize_qdq dequantizes it
    p.kind = *kind;
    if (*kind == QuantTensorKind::kWeight && p.axis) {
      const Node& layer = *dq->output(0)->uses()[0].user;
      const int64_t want = WeightChannelAxis(layer, c->initializer().rank());
      if (*p.axis != want) {
        return absl::UnimplementedError(absl::StrCat(
            dq->Describe(), ": weight '", c->name(), "' is quantized per channel along axis ",
            *p.axis, ", but ", layer.Describe(), " has its output channels on axis ", want));
      }
    }
    if (c->quant() && !(*c->quant() == p) && seen_.contains(c)) {
      return Invalid(*dq, absl::StrCat("constant '", c->name(), "' is dequantized with ", Brief(p),
                                       " here and with ", Brief(*c->quant()), " elsewhere"));
    }
    seen_.insert(c);
    Set(c, p);
    return absl::OkStatus();
  }

  Graph& g_;
  bool changed_ = false;
  absl::flat_hash_set<const Value*> seen_;
};

}  // namespace

bool IsQuantizedModel(const Graph& g) {
  for (const Node* n : g.nodes()) {
    const std::string& op = n->op_type();
    if (n->domain() == kMicrosoftDomain && IsContribQuantizedOp(op)) return true;
    if (!n->domain().empty()) continue;
    if (op == "QuantizeLinear" || op == "DequantizeLinear" || op == "QLinearConv" ||
        op == "QLinearMatMul" || op == "MatMulInteger" || op == "ConvInteger") {
      return true;
    }
  }
  return false;
}

absl::StatusOr<bool> ImportQuantizationPass::Run(Graph& graph) { return Importer(graph).Run(); }

}  // namespace quantc
