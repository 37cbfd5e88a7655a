// normalize_qlinear_ops: QOperator form -> QDQ form, op by op.
//
//   Before:  %y: u8 = QLinearConv(%x: u8, %xs, %xzp, %w: i8, %ws[C], %wzp, %ys, %yzp, %b: i32[C])
//            %p: u8 = MaxPool(%y)
//   After:   %x_dq = DequantizeLinear(%x, %xs, %xzp)
//            %w_dq = DequantizeLinear(%w, %ws, %wzp[C]) {axis=0}
//            %b_dq = DequantizeLinear(%b, %xs * %ws[C], 0) {axis=0}
//            %c = Conv(%x_dq, %w_dq, %b_dq);  %y_q = QuantizeLinear(%c, %ys, %yzp)
//            %p = MaxPool(DequantizeLinear(%y_q, %ys, %yzp));  %p_q = QuantizeLinear(%p, %ys, %yzp)
//
// Math: every QLinear op is defined as "dequantize the inputs, run the float
// op, quantize the result" (ONNX and ONNX Runtime's contrib docs), so the
// rewrite is that definition written out; its bias is int32 at x_scale *
// w_scale[c] with zero point 0, exactly as QLinearConv adds it. Covered:
//   QLinearConv, QLinearMatMul (b's per-column scale on axis 1), and from
//   com.microsoft QLinearAdd, QLinearMul, QLinearGlobalAveragePool,
//   QLinearAveragePool, QLinearConcat, QLinearSigmoid, QLinearLeakyRelu and
//   QGemm (float output without y_scale);
//   value-moving ops (MaxPool, Reshape, Flatten, Transpose, ...) applied
//   directly to a quantized integer tensor: they run on its dequantized
//   values and requantize with the same scale and zero point (the same
//   integers, since they only move values).
// Nodes are visited in topological order, so a quantized input is already
// the output of a QuantizeLinear when its reader is rewritten. Scales must
// be constants (static quantization). The old nodes become dead.
#include "passes/import/normalize_qlinear_ops.h"

#include "absl/strings/str_cat.h"
#include "ir/contrib_ops.h"
#include "passes/import/qdq_nodes.h"
#include "passes/quant_roles.h"
#include "quant/qparams.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

using import::AddDequantize;
using import::AddQuantize;
using import::AxisFor;
using import::QuantizeOf;
using import::ZeroPointFor;

bool IsQuantizedType(DType t) { return t == DType::kInt8 || t == DType::kUInt8; }

std::string BaseName(const Node& n) { return n.name().empty() ? n.output(0)->name() : n.name(); }

class Rewriter {
 public:
  explicit Rewriter(Graph& g) : g_(g) {}

  absl::StatusOr<bool> Run() {
    bool changed = false;
    for (Node* n : g_.nodes().ToVector()) {
      QC_ASSIGN_OR_RETURN(bool c, Rewrite(n));
      changed = changed || c;
    }
    return changed;
  }

 private:
  absl::StatusOr<bool> Rewrite(Node* n) {
    const std::string& op = n->op_type();
    if (n->domain().empty()) {
      if (op == "QLinearConv") return Conv(n);
      if (op == "QLinearMatMul") return Simple(n, "MatMul", {{0, 1, 2, -1}, {3, 4, 5, 1}}, 6);
      if (RoleOf(*n) == QuantRole::kValuePreserving) return ValueMove(n);
      return false;
    }
    if (n->domain() != kMicrosoftDomain) return false;
    if (op == "QLinearAdd") return Simple(n, "Add", {{0, 1, 2, -1}, {3, 4, 5, -1}}, 6);
    if (op == "QLinearMul") return Simple(n, "Mul", {{0, 1, 2, -1}, {3, 4, 5, -1}}, 6);
    if (op == "QLinearGlobalAveragePool") return Simple(n, "GlobalAveragePool", {{0, 1, 2, -1}}, 3);
    if (op == "QLinearAveragePool") return Simple(n, "AveragePool", {{0, 1, 2, -1}}, 3);
    if (op == "QLinearSigmoid") return Simple(n, "Sigmoid", {{0, 1, 2, -1}}, 3);
    if (op == "QLinearLeakyRelu") return Simple(n, "LeakyRelu", {{0, 1, 2, -1}}, 3);
    if (op == "QLinearConcat") return Concat(n);
    if (op == "QGemm") return Gemm(n);
    return absl::UnimplementedError(
        absl::StrCat(n->Describe(), ": not a QOperator op quantc knows"));
  }

  // One quantized operand: (data, scale, zero point) input indices and the
  // channel axis its scale may run along (-1: per tensor only).
  struct Operand {
    int data, scale, zero_point, channel_axis;
  };

  absl::StatusOr<Value*> Dequantized(Node* n, const Operand& o, const std::string& tag) {
    Value* x = n->input(o.data);
    if (!x)
      return absl::InvalidArgumentError(absl::StrCat(n->Describe(), ": missing input ", o.data));
    QC_RETURN_IF_ERROR(import::ConstantScales(*n, n->input(o.scale), "scale").status());
    std::optional<int64_t> axis = AxisFor(n->input(o.scale), o.channel_axis);
    if (axis && o.channel_axis < 0) {
      return absl::UnimplementedError(absl::StrCat(n->Describe(), ": per-channel scale on input ",
                                                   o.data, " is not supported"));
    }
    Value* zp = ZeroPointFor(g_, n->input(o.zero_point), n->input(o.scale), x->type().dtype,
                             BaseName(*n) + tag);
    return AddDequantize(g_, x, n->input(o.scale), zp, axis, n, BaseName(*n) + tag)->output(0);
  }

  // The float op on dequantized inputs, then a QuantizeLinear at the
  // output's scale (input `out_scale`, zero point the next input) unless
  // the op outputs float (QGemm without y_scale).
  Node* Finish(Node* n, Node* op, int out_scale) {
    TensorType ft = n->output(0)->type();
    ft.dtype = DType::kFloat32;
    op->output(0)->set_type(ft);
    for (const Attribute& a : n->attributes()) {
      if (a.name != "channels_last") op->SetAttr(a);
    }
    import::TakeName(g_, n, op);
    Value* result = op->output(0);
    if (out_scale >= 0 && n->input(out_scale)) {
      Value* zp = ZeroPointFor(g_, n->input(out_scale + 1), n->input(out_scale), DType::kUInt8,
                               BaseName(*op) + "_output");
      result =
          AddQuantize(g_, result, n->input(out_scale), zp, n->output(0)->type(), n, BaseName(*op))
              ->output(0);
    }
    g_.ReplaceAllUsesWith(n->output(0), result);
    return op;
  }

  absl::StatusOr<bool> Simple(Node* n, const char* float_op, std::vector<Operand> operands,
                              int out_scale) {
    if (n->GetInt("channels_last", 0)) {
      return absl::UnimplementedError(
          absl::StrCat(n->Describe(), ": channels_last is not supported"));
    }
    std::vector<Value*> ins;
    for (size_t i = 0; i < operands.size(); ++i) {
      QC_ASSIGN_OR_RETURN(Value * v, Dequantized(n, operands[i], absl::StrCat("_in", i)));
      ins.push_back(v);
    }
    Finish(n, g_.AddNode(float_op, ins, {BaseName(*n) + "_float"}, n), out_scale);
    return true;
  }

  // int32 bias at x_scale * w_scale[c], zero point 0 (QLinearConv, QGemm).
  absl::StatusOr<Value*> Bias(Node* n, int bias, int x_scale, int w_scale, int64_t axis) {
    Value* b = n->input(bias);
    if (!b) return nullptr;
    QC_ASSIGN_OR_RETURN(std::vector<float> xs,
                        import::ConstantScales(*n, n->input(x_scale), "input scale"));
    QC_ASSIGN_OR_RETURN(std::vector<float> ws,
                        import::ConstantScales(*n, n->input(w_scale), "weight scale"));
    std::vector<float> bs = BiasScales(xs[0], ws);
    const int64_t c = static_cast<int64_t>(bs.size());
    Value* s = g_.AddInitializer(b->name() + "_scale", c > 1 ? Tensor::FromVector<float>({c}, bs)
                                                             : Tensor::Scalar<float>(bs[0]));
    Value* zp = g_.AddInitializer(b->name() + "_zero_point",
                                  ZeroPointTensor(DType::kInt32, 0, c > 1 ? c : 0));
    return AddDequantize(g_, b, s, zp, c > 1 ? std::optional<int64_t>(axis) : std::nullopt, n,
                         BaseName(*n) + "_bias")
        ->output(0);
  }

  absl::StatusOr<bool> Conv(Node* n) {
    QC_ASSIGN_OR_RETURN(Value * x, Dequantized(n, {0, 1, 2, -1}, "_x"));
    QC_ASSIGN_OR_RETURN(Value * w, Dequantized(n, {3, 4, 5, 0}, "_w"));
    QC_ASSIGN_OR_RETURN(Value * b, Bias(n, 8, 1, 4, 0));
    std::vector<Value*> ins = {x, w};
    if (b) ins.push_back(b);
    Finish(n, g_.AddNode("Conv", ins, {BaseName(*n) + "_float"}, n), 6);
    return true;
  }

  absl::StatusOr<bool> Gemm(Node* n) {
    QC_ASSIGN_OR_RETURN(Value * a, Dequantized(n, {0, 1, 2, -1}, "_a"));
    QC_ASSIGN_OR_RETURN(Value * w, Dequantized(n, {3, 4, 5, n->GetInt("transB", 0) ? 0 : 1}, "_b"));
    QC_ASSIGN_OR_RETURN(Value * c, Bias(n, 6, 1, 4, 0));
    std::vector<Value*> ins = {a, w};
    if (c) ins.push_back(c);
    Finish(n, g_.AddNode("Gemm", ins, {BaseName(*n) + "_float"}, n), n->input(7) ? 7 : -1);
    return true;
  }

  absl::StatusOr<bool> Concat(Node* n) {
    std::vector<Value*> ins;
    for (int i = 2; i + 2 < n->num_inputs(); i += 3) {
      QC_ASSIGN_OR_RETURN(Value * v,
                          Dequantized(n, {i, i + 1, i + 2, -1}, absl::StrCat("_in", i / 3)));
      ins.push_back(v);
    }
    Node* op = g_.AddNode("Concat", ins, {BaseName(*n) + "_float"}, n);
    // QLinearConcat's output qparams are its first two inputs.
    TensorType ft = n->output(0)->type();
    ft.dtype = DType::kFloat32;
    op->output(0)->set_type(ft);
    op->SetAttr(Attribute::Int("axis", n->GetInt("axis", 0)));
    import::TakeName(g_, n, op);
    Value* zp =
        ZeroPointFor(g_, n->input(1), n->input(0), DType::kUInt8, BaseName(*op) + "_output");
    Node* q =
        AddQuantize(g_, op->output(0), n->input(0), zp, n->output(0)->type(), n, BaseName(*op));
    g_.ReplaceAllUsesWith(n->output(0), q->output(0));
    return true;
  }

  // A value-moving op on the integers of a QuantizeLinear: run it on the
  // dequantized values and requantize with the same parameters.
  absl::StatusOr<bool> ValueMove(Node* n) {
    Value* x = n->input(0);
    Node* q = x && IsQuantizedType(x->type().dtype) ? QuantizeOf(x) : nullptr;
    if (!q || n->num_outputs() != 1) return false;
    Value* zp = ZeroPointFor(g_, q->input(2), q->input(1), x->type().dtype, BaseName(*n) + "_in");
    Node* dq = AddDequantize(g_, x, q->input(1), zp, std::nullopt, n, BaseName(*n) + "_in");
    std::vector<Value*> ins(n->inputs().begin(), n->inputs().end());
    ins[0] = dq->output(0);
    Node* op = g_.AddNode(n->op_type(), ins, {BaseName(*n) + "_float"}, n);
    TensorType ft = n->output(0)->type();
    ft.dtype = DType::kFloat32;
    op->output(0)->set_type(ft);
    for (const Attribute& a : n->attributes()) op->SetAttr(a);
    import::TakeName(g_, n, op);
    Node* rq =
        AddQuantize(g_, op->output(0), q->input(1), zp, n->output(0)->type(), n, BaseName(*op));
    g_.ReplaceAllUsesWith(n->output(0), rq->output(0));
    return true;
  }

  Graph& g_;
};

}  // namespace

absl::StatusOr<bool> NormalizeQLinearOpsPass::Run(Graph& graph) { return Rewriter(graph).Run(); }

}  // namespace quantc
