// normalize_integer_ops: integer accumulation + dequantization -> QDQ form.
//
//   Before:  %a = QuantizeLinear(%x, %sa, %zpa)
//            %acc: i32 = ConvInteger(%a, %w: i8, %zpa, %zpw)
//            %f = Cast(%acc) {to=float};  %y = Mul(%f, %s[1,C,1,1])     (or DequantizeLinear(%acc,
//            %s[C])) %z = Add(%y, %b[1,C,1,1])
//   After:   %a_dq = DequantizeLinear(%a, %sa, %zpa)
//            %w_dq = DequantizeLinear(%w, %s / %sa, %zpw) {axis=0}
//            %z = Conv(%a_dq, %w_dq, %b[C])
//
// Math: ConvInteger(a, w) = sum (a - zpa)(w - zpw), and the dequantization
// multiplies it by s[c] = sa * sw[c], so with sw[c] = s[c] / sa the result is
// Conv(DQ(a), DQ(w)) exactly (up to float32 rounding of s / sa). The input's
// own scale sa comes from the QuantizeLinear producing it (integer ops carry
// no scales; dynamic quantization, whose scale is computed at run time, is
// Unimplemented). An int32 constant added to the accumulator is an int32
// bias at scale s; a float constant added after the dequantization (per
// output channel) is a float bias; MatMulInteger with a bias on 2-D
// operands becomes Gemm. The old nodes become dead.
#include "passes/import/normalize_integer_ops.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "passes/import/qdq_nodes.h"
#include "quant/qparams.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

using import::AddDequantize;

// The single consumer of `v`, or nullptr.
Node* OnlyUser(const Graph& g, const Value* v) {
  if (v->uses().size() != 1 || g.IsGraphOutput(v)) return nullptr;
  return v->uses()[0].user;
}

const Value* ConstantOperand(const Node& n, const Value* other) {
  for (const Value* in : n.inputs()) {
    if (in && in != other && in->is_initializer()) return in;
  }
  return nullptr;
}

struct IntegerMatch {
  Node* op;                  // MatMulInteger / ConvInteger
  const Value* int_bias;     // int32 constant added to the accumulator, or null
  std::vector<float> scale;  // dequantization scale per output channel (or one)
  Value* result;             // the dequantized (float) value
  const Value* float_bias;   // float constant added after, or null
  Value* output;             // what the rewrite replaces: result, or the bias Add's output
};

// Per-channel values of a constant whose non-channel axes are all 1, with
// the channel on axis `channel_axis` counted from the end of a rank-`rank`
// tensor; nullopt when it is not shaped so.
std::optional<std::vector<float>> ChannelVector(const Tensor& t, int64_t rank,
                                                int64_t channel_axis) {
  if (t.dtype() != DType::kFloat32 || t.rank() > rank) return std::nullopt;
  const int64_t lead = rank - t.rank();
  for (int64_t d = 0; d < t.rank(); ++d) {
    if (d + lead != channel_axis && t.dims()[d] != 1) return std::nullopt;
  }
  absl::Span<const float> v = t.data<float>();
  return std::vector<float>(v.begin(), v.end());
}

absl::StatusOr<std::optional<IntegerMatch>> Match(const Graph& g, Node* op) {
  IntegerMatch m{op, nullptr, {}, nullptr, nullptr, nullptr};
  const bool conv = op->op_type() == "ConvInteger";
  const int64_t rank =
      op->output(0)->type().shape ? static_cast<int64_t>(op->output(0)->type().shape->size()) : 0;
  const int64_t channel_axis = conv ? 1 : rank - 1;
  Value* acc = op->output(0);
  Node* next = OnlyUser(g, acc);
  if (next && next->op_type() == "Add" && ConstantOperand(*next, acc) &&
      ConstantOperand(*next, acc)->type().dtype == DType::kInt32) {
    m.int_bias = ConstantOperand(*next, acc);
    acc = next->output(0);
    next = OnlyUser(g, acc);
  }
  if (!next) return std::optional<IntegerMatch>();
  if (next->op_type() == "DequantizeLinear") {
    QC_ASSIGN_OR_RETURN(m.scale, import::ConstantScales(*next, next->input(1), "scale"));
    m.result = next->output(0);
  } else if (next->op_type() == "Cast" &&
             next->GetInt("to", 0) == static_cast<int>(DType::kFloat32)) {
    Node* mul = OnlyUser(g, next->output(0));
    const Value* s =
        mul && mul->op_type() == "Mul" ? ConstantOperand(*mul, next->output(0)) : nullptr;
    auto v = s ? ChannelVector(s->initializer(), rank, channel_axis) : std::nullopt;
    if (!v) return std::optional<IntegerMatch>();
    m.scale = *v;
    m.result = mul->output(0);
  } else {
    return std::optional<IntegerMatch>();
  }
  m.output = m.result;
  Node* add = OnlyUser(g, m.result);
  const Value* b = add && add->op_type() == "Add" ? ConstantOperand(*add, m.result) : nullptr;
  if (b && !m.int_bias && ChannelVector(b->initializer(), rank, channel_axis) &&
      (conv || rank == 2)) {
    m.float_bias = b;
    m.output = add->output(0);
  }
  return std::optional<IntegerMatch>(m);
}

class Rewriter {
 public:
  explicit Rewriter(Graph& g) : g_(g) {}

  absl::Status Rewrite(const IntegerMatch& m) {
    Node* op = m.op;
    const bool conv = op->op_type() == "ConvInteger";
    const std::string base = op->name().empty() ? op->output(0)->name() : op->name();
    Node* qa = import::QuantizeOf(op->input(0));
    if (!qa) {
      return absl::UnimplementedError(absl::StrCat(
          op->Describe(), ": input '", op->input(0)->name(),
          "' is not the output of a "
          "QuantizeLinear, so its scale is unknown (dynamic quantization is not supported)"));
    }
    QC_ASSIGN_OR_RETURN(std::vector<float> sa, import::ConstantScales(*qa, qa->input(1), "scale"));
    Value* w = op->input(1);
    if (!w || !w->is_initializer()) {
      return absl::UnimplementedError(
          absl::StrCat(op->Describe(), ": the weight must be a constant"));
    }
    std::vector<float> sw;
    for (float s : m.scale) sw.push_back(s / sa[0]);
    const int64_t c = static_cast<int64_t>(sw.size());
    const int64_t w_axis = conv ? 0 : w->initializer().rank() - 1;
    Value* a_zp = import::ZeroPointFor(g_, op->input(2), qa->input(1), op->input(0)->type().dtype,
                                       base + "_a");
    Node* a = AddDequantize(g_, op->input(0), qa->input(1), a_zp, std::nullopt, op, base + "_a");
    Value* ws = g_.AddInitializer(base + "_weight_scale", c > 1 ? Tensor::FromVector<float>({c}, sw)
                                                                : Tensor::Scalar<float>(sw[0]));
    Value* w_zp = import::ZeroPointFor(g_, op->input(3), ws, w->type().dtype, base + "_weight");
    Node* wd = AddDequantize(g_, w, ws, w_zp, c > 1 ? std::optional<int64_t>(w_axis) : std::nullopt,
                             op, base + "_weight");
    std::vector<Value*> ins = {a->output(0), wd->output(0)};
    if (Value* b = BiasInput(m, op, base, c)) ins.push_back(b);
    const bool gemm = !conv && ins.size() == 3;
    Node* f = g_.AddNode(conv ? "Conv" : gemm ? "Gemm" : "MatMul", ins, {base + "_float"}, op);
    if (conv) {
      for (const Attribute& at : op->attributes()) f->SetAttr(at);
    }
    f->output(0)->set_type(m.output->type());
    import::TakeName(g_, op, f);
    g_.ReplaceAllUsesWith(m.output, f->output(0));
    return absl::OkStatus();
  }

 private:
  // The layer's bias: the int32 accumulator constant (DequantizeLinear'd at
  // the accumulator scale) or the float constant, as a [C] tensor.
  Value* BiasInput(const IntegerMatch& m, Node* op, const std::string& base, int64_t c) {
    if (m.int_bias) {
      const Tensor& t = m.int_bias->initializer();
      Value* b = g_.AddInitializer(base + "_bias", t.Reshaped({t.num_elements()}));
      Value* s =
          g_.AddInitializer(base + "_bias_scale", c > 1 ? Tensor::FromVector<float>({c}, m.scale)
                                                        : Tensor::Scalar<float>(m.scale[0]));
      Value* zp = g_.AddInitializer(base + "_bias_zero_point",
                                    ZeroPointTensor(DType::kInt32, 0, c > 1 ? c : 0));
      return AddDequantize(g_, b, s, zp, c > 1 ? std::optional<int64_t>(0) : std::nullopt, op,
                           base + "_bias")
          ->output(0);
    }
    if (m.float_bias) {
      const Tensor& t = m.float_bias->initializer();
      return g_.AddInitializer(base + "_bias", t.Reshaped({t.num_elements()}));
    }
    return nullptr;
  }

  Graph& g_;
};

}  // namespace

absl::StatusOr<bool> NormalizeIntegerOpsPass::Run(Graph& graph) {
  bool changed = false;
  Rewriter rewriter(graph);
  for (Node* n : graph.nodes().ToVector()) {
    if (!n->domain().empty() ||
        (n->op_type() != "MatMulInteger" && n->op_type() != "ConvInteger")) {
      continue;
    }
    QC_ASSIGN_OR_RETURN(std::optional<IntegerMatch> m, Match(graph, n));
    if (!m) {
      return absl::UnimplementedError(
          absl::StrCat(n->Describe(),
                       ": its int32 result must be dequantized (DequantizeLinear, or Cast to "
                       "float then Mul by a constant scale)"));
    }
    QC_RETURN_IF_ERROR(rewriter.Rewrite(*m));
    changed = true;
  }
  return changed;
}

}  // namespace quantc
