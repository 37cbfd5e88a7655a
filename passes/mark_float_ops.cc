// mark_float_ops: records, on each node the user keeps in floating point,
// that it is a float op (Node::float_op). The user names nodes by node name
// or op type; this pass is the only place that matches those names, right
// before quantization starts, so every later pass (insert_observers,
// insert_qdq, correct_bias, lower_to_integer) and the TINPU serializer read
// one explicit mark, and nodes derived from a float op inherit it instead
// of a name prefix.
//
//   Before:  %s = Sigmoid(%c) @sig                (float_ops = {"Sigmoid"})
//   After:   %s = Sigmoid(%c) @sig [float]
//
// Marks are only added: a node already marked stays marked.
#include "passes/mark_float_ops.h"

#include <algorithm>

namespace quantc {

bool MatchesFloatOps(const Node& n, const std::vector<std::string>& float_ops) {
  return std::any_of(float_ops.begin(), float_ops.end(), [&](const std::string& f) {
    return f == n.op_type() || (!n.name().empty() && f == n.name());
  });
}

absl::StatusOr<bool> MarkFloatOpsPass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes()) {
    if (n->float_op() || !MatchesFloatOps(*n, options_.float_ops)) continue;
    n->set_float_op(true);
    changed = true;
  }
  return changed;
}

}  // namespace quantc
