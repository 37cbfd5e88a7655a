// mark_imported_float_ops: which ops of a model quantized elsewhere stay in
// float, made explicit as Node::float_op() (the mark every later pass reads).
//
//   Before:  %d = DequantizeLinear(...);  %p = Softmax(%d)                 (output float)
//            %c = Conv(%x, %w: f32 const, %b)                             (%x float, %c not
//            quantized)
//   After:   %p = Softmax(%d) [float]                                    (tinpu)
//            %c = Conv(%x, %w, %b) [float]                               (both targets)
//
// Rules:
// * a weighted layer (Conv, Gemm, ...) whose weight is a float constant,
//   whose input is not dequantized and whose output (after a fused
//   Relu/Clip) feeds no QuantizeLinear is a float layer of the source;
//   with a quantized input or output it is a quantized layer whose weights
//   the exporter left in float, and insert_qdq quantizes them;
// * TINPU only: an op lower_to_integer has no integer form for (Softmax,
//   Sigmoid, Tanh, ...; tinpu_requant.h OpPattern) runs in float on the CPU:
//   its input is dequantized and its output quantized again, which is what
//   the source computes in QDQ form anyway (a note per op);
// * ops the user listed (--float-ops) are already marked by mark_float_ops.
#include "passes/import/mark_imported_float_ops.h"

#include "absl/strings/str_cat.h"
#include "passes/quant_roles.h"
#include "passes/tinpu_requant.h"

namespace quantc {
namespace {

bool FeedsQuantize(const Graph& g, const Value* v) {
  for (const Use& u : v->uses()) {
    const Node& n = *u.user;
    if (n.op_type() == "QuantizeLinear") return true;
    if (FusesIntoProducer(g, n) && FeedsQuantize(g, n.output(0))) return true;
  }
  return false;
}

bool IsFloatLayer(const Graph& g, const Node& n) {
  if (RoleOf(n) != QuantRole::kWeighted) return false;
  const Value* w = n.input(WeightInputsOf(n).weight);
  if (!w || DequantizeOf(w) || !w->is_initializer()) return false;
  return !DequantizeOf(n.input(0)) && !FeedsQuantize(g, n.output(0));
}

}  // namespace

bool IsFloatActivation(const Value* v) {
  return v && !v->is_initializer() && v->type().dtype == DType::kFloat32;
}

bool ComputesOnActivations(const Node& n) {
  if (!n.domain().empty()) return false;
  if (n.op_type() == "QuantizeLinear" || n.op_type() == "DequantizeLinear") return false;
  for (const Value* out : n.outputs()) {
    if (IsFloatActivation(out)) return true;
  }
  return false;
}

absl::StatusOr<bool> MarkImportedFloatOpsPass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes()) {
    if (n->float_op() || !ComputesOnActivations(*n)) continue;
    std::string why;
    if (IsFloatLayer(graph, *n)) {
      why = "the source model computes it in float (float weights, no quantized input or output)";
    } else if (options_.target == ImportTarget::kTinpu &&
               OpPattern(*n) == TinpuPattern::kUnsupported) {
      why =
          "has no TINPU integer form: runs in float on the CPU (input dequantized, output "
          "quantized again), as the source computes it";
    } else {
      continue;
    }
    n->set_float_op(true);
    changed = true;
    if (options_.log) {
      options_.log->push_back({Diagnostic::Severity::kNote, n->Describe(), why, std::nullopt});
    }
  }
  return changed;
}

}  // namespace quantc
