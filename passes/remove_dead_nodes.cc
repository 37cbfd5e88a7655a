// remove_dead_nodes: the one pass that deletes. Other passes only redirect
// uses and leave the orphans here.
//
//   Before:  %a = Relu(%x);  %b = Sigmoid(%x);  output %a
//   After:   %a = Relu(%x);                      output %a
//
// A node is dead when none of its outputs is used or is a graph output.
// Walking the topologically ordered list backwards removes whole dead chains
// in one sweep, because a user is always visited before its producers.
// Unused initializers are dropped afterwards. Graph inputs are never
// removed: they are the model's calling contract.
#include "passes/remove_dead_nodes.h"

namespace quantc {
namespace {

bool IsDead(const Graph& graph, const Node& n) {
  for (const Value* out : n.outputs()) {
    if (!out->uses().empty() || graph.IsGraphOutput(out)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<bool> RemoveDeadNodesPass::Run(Graph& graph) {
  bool changed = false;
  std::vector<Node*> nodes = graph.nodes().ToVector();
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    if (!IsDead(graph, **it)) continue;
    graph.RemoveNode(*it);
    changed = true;
  }
  std::vector<Value*> inits = graph.initializers();
  for (Value* v : inits) {
    if (v->uses().empty() && !graph.IsGraphOutput(v)) {
      graph.RemoveInitializer(v);
      changed = true;
    }
  }
  return changed;
}

}  // namespace quantc
