// remove_identity: bypasses nodes that return their input unchanged.
//
//   Before:  %a = Relu(%x);  %b = Identity(%a);  %c = Conv(%b, %w)
//   After:   %a = Relu(%x);  %c = Conv(%a, %w)        (Identity now dead)
//
// Matches Identity, and Dropout in inference mode: y = x exactly when the
// node is not in training mode (opsets 7-11 have none; from opset 12 the
// training_mode input must be absent or a constant false) and its mask
// output is unused. The node itself is left for
// remove_dead_nodes. A bypass whose output is a graph output and whose input
// is a graph input, initializer or another graph output is skipped: the
// public output name would need an Identity to carry it anyway.
#include "passes/remove_identity.h"

#include <optional>

namespace quantc {
namespace {

struct IdentityMatch {
  Value* from;  // the node's output
  Value* to;    // its input
};

bool DropoutIsInference(const Graph& graph, const Node& n) {
  if (n.num_outputs() > 1 && !n.output(1)->name().empty() &&
      (!n.output(1)->uses().empty() || graph.IsGraphOutput(n.output(1)))) {
    return false;
  }
  if (graph.opset() < 12) return true;  // opsets 7-11 have no training mode
  const Value* training = n.input(2);
  if (!training) return true;
  if (!training->is_initializer()) return false;
  const Tensor& t = training->initializer();
  return t.num_elements() == 1 && t.dtype() == DType::kBool && !t.data<bool>()[0];
}

std::optional<IdentityMatch> MatchIdentity(const Graph& graph, const Node& n) {
  if (!n.domain().empty() || n.num_inputs() < 1 || !n.input(0)) return std::nullopt;
  if (n.op_type() == "Dropout") {
    if (!DropoutIsInference(graph, n)) return std::nullopt;
  } else if (n.op_type() != "Identity") {
    return std::nullopt;
  }
  Value* from = n.output(0);
  Value* to = n.input(0);
  if (from->uses().empty() && !graph.IsGraphOutput(from)) return std::nullopt;  // already dead
  bool to_is_plain = to->producer() != nullptr && !graph.IsGraphOutput(to);
  if (graph.IsGraphOutput(from) && !to_is_plain) return std::nullopt;
  return IdentityMatch{from, to};
}

}  // namespace

absl::StatusOr<bool> RemoveIdentityPass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes().ToVector()) {
    std::optional<IdentityMatch> m = MatchIdentity(graph, *n);
    if (!m) continue;
    graph.ReplaceAllUsesWith(m->from, m->to);
    changed = true;
  }
  return changed;
}

}  // namespace quantc
