// fuse_dequantized_relu: Relu after DequantizeLinear -> Relu fused into the
// producer's quantization.
//
//   Before:  %c = Conv(...);  %c_q = QuantizeLinear(%c, s1, zp1);  %c_dq = DequantizeLinear(%c_q,
//   s1, zp1)
//            %r = Relu(%c_dq);  %r_q = QuantizeLinear(%r, s2, zp2)
//   After:   %c = Conv(...);  %r = Clip(%c, 0, hi1)  (or Relu);  %r_q = QuantizeLinear(%r, s2, zp2)
//
// Math: the source computes Q2(relu(DQ1(Q1(c)))). Q1 clamps c to
// [lo1, hi1] = [(qmin1 - zp1) s1, (qmax1 - zp1) s1] and rounds to s1; relu
// then clamps below at 0 (lo1 <= 0 always). With s2 == s1 the second
// rounding is exact on the grid, so Q2(clip(c, 0, hi1)) gives the same
// integers: the fusion is exact, and hi1 is kept as a Clip bound only when
// Q2 could otherwise represent more than hi1. With s2 != s1 the source
// rounds twice; the fused layer rounds once at s2 (never further from the
// real value), and a note says so. Only when the producer is a layer a
// Relu/Clip fuses into (Conv/Gemm/MatMul/ConvTranspose/Add, see
// quant_roles.h) and each tensor in the chain has this one reader; a Clip
// after the DequantizeLinear keeps its own bounds, intersected with Q1's.
// The old Q/DQ and Relu become dead.
#include "passes/import/fuse_dequantized_relu.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "ir/printer.h"
#include "passes/quant_roles.h"
#include "quant/qparams.h"

namespace quantc {
namespace {

struct ReluMatch {
  Node* producer;  // the layer
  Node* q1;        // its QuantizeLinear
  Node* act;       // Relu/Clip reading q1's DequantizeLinear
  Node* q2;        // the QuantizeLinear after it
  double lo, hi;   // the activation's bounds (Clip's, or [0, inf))
};

Node* OnlyUser(const Graph& g, const Value* v) {
  if (v->uses().size() != 1 || g.IsGraphOutput(v)) return nullptr;
  return v->uses()[0].user;
}

std::optional<double> Bound(const Node& clip, int input, const char* attr) {
  const Value* v = clip.input(input);
  if (v) {
    if (!v->is_initializer()) return std::nullopt;
    return v->initializer().GetAsDouble(0);
  }
  if (const Attribute* a = clip.FindAttr(attr)) return a->f;
  return input == 1 ? -INFINITY : INFINITY;
}

std::optional<ReluMatch> Match(const Graph& g, Node* act) {
  if (RoleOf(*act) != QuantRole::kActivation) return std::nullopt;
  const Node* dq = DequantizeOf(act->input(0));
  Node* q1 = dq ? dq->input(0)->producer() : nullptr;
  if (!q1 || q1->op_type() != "QuantizeLinear" || !q1->output(0)->quant()) return std::nullopt;
  Node* producer = q1->input(0)->producer();
  if (!producer || OnlyUser(g, q1->input(0)) != q1 || OnlyUser(g, q1->output(0)) != dq ||
      OnlyUser(g, dq->output(0)) != act) {
    return std::nullopt;
  }
  if (!(RoleOf(*producer) == QuantRole::kWeighted ||
        (producer->op_type() == "Add" && producer->domain().empty())) ||
      producer->float_op()) {
    return std::nullopt;
  }
  Node* q2 = OnlyUser(g, act->output(0));
  if (!q2 || q2->op_type() != "QuantizeLinear" || !q2->output(0)->quant()) return std::nullopt;
  ReluMatch m{producer, q1, act, q2, 0, INFINITY};
  if (act->op_type() == "Clip") {
    std::optional<double> lo = Bound(*act, 1, "min"), hi = Bound(*act, 2, "max");
    if (!lo || !hi) return std::nullopt;
    m.lo = *lo;
    m.hi = *hi;
  }
  return m;
}

// [lo, hi] of the real values a per-tensor quantization represents.
std::pair<double, double> Representable(const QuantParams& p) {
  IntRange r = RangeFor(p.storage, 8, false);
  const double s = p.scale[0];
  return {(r.qmin - p.zero_point[0]) * s, (r.qmax - p.zero_point[0]) * s};
}

void Rewrite(Graph& g, const ReluMatch& m, std::vector<Diagnostic>* log) {
  const QuantParams& p1 = *m.q1->output(0)->quant();
  const QuantParams& p2 = *m.q2->output(0)->quant();
  auto [lo1, hi1] = Representable(p1);
  auto [lo2, hi2] = Representable(p2);
  const double lo = std::max(m.lo, lo1), hi = std::min(m.hi, hi1);
  Value* x = m.q1->input(0);
  Node* fused;
  const bool plain_relu = m.act->op_type() == "Relu" && hi >= hi2 && lo <= 0;
  if (plain_relu) {
    fused = g.AddNode("Relu", {x}, {m.act->output(0)->name() + "_fused"}, m.q2);
  } else {
    Value* vlo = g.AddInitializer(m.act->output(0)->name() + "_min",
                                  Tensor::Scalar<float>(static_cast<float>(std::max(lo, lo2))));
    Value* vhi = g.AddInitializer(m.act->output(0)->name() + "_max",
                                  Tensor::Scalar<float>(static_cast<float>(std::min(hi, hi2))));
    fused = g.AddNode("Clip", {x, vlo, vhi}, {m.act->output(0)->name() + "_fused"}, m.q2);
  }
  fused->output(0)->set_type(x->type());
  const std::string name = m.act->name();
  if (!name.empty()) {
    g.RenameNode(m.act, name + "_unfused");
    g.RenameNode(fused, name);
  }
  m.q2->SetInput(0, fused->output(0));
  if (log && p1.scale[0] != p2.scale[0]) {
    log->push_back(
        {Diagnostic::Severity::kNote, m.producer->Describe(),
         absl::StrCat("the ", m.act->op_type(),
                      " after its DequantizeLinear is fused: the "
                      "output is quantized once at scale ",
                      FormatFloat(p2.scale[0]), " instead of at ", FormatFloat(p1.scale[0]),
                      " and again at ", FormatFloat(p2.scale[0]),
                      " (a double rounding of the source "
                      "model dropped)"),
         std::nullopt});
  }
}

}  // namespace

absl::StatusOr<bool> FuseDequantizedReluPass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes().ToVector()) {
    std::optional<ReluMatch> m = Match(graph, n);
    if (!m) continue;
    Rewrite(graph, *m, options_.log);
    changed = true;
  }
  return changed;
}

}  // namespace quantc
