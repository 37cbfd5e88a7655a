// squeeze_to_reshape: Squeeze and Unsqueeze only insert or drop axes of
// length 1, so with a static output shape each is a Reshape to that
// constant shape: one layout op for every later pass (TINPU's vocabulary
// has Reshape with a constant shape and Flatten, not Squeeze/Unsqueeze).
//
//   Before:  %y = Squeeze(%x, axes = [2, 3])             x: [1, 8, 1, 1]
//   After:   %y' = Reshape(%x, shape = [1, 8])
//
// Math: the elements and their order are unchanged; only the shape differs.
// Precondition: the output type is float32 or integer with fully static
// dims (shape inference after constant folding provides them). The old
// node is left for remove_dead_nodes; the Reshape takes its name.
#include "passes/squeeze_to_reshape.h"

#include <optional>

namespace quantc {
namespace {

struct ReshapeMatch {
  Node* node;
  std::vector<int64_t> dims;
};

std::optional<ReshapeMatch> MatchSqueeze(const Node& n) {
  if (!n.domain().empty() || (n.op_type() != "Squeeze" && n.op_type() != "Unsqueeze")) {
    return std::nullopt;
  }
  if (!n.input(0) || n.num_outputs() != 1) return std::nullopt;
  auto dims = n.output(0)->type().StaticDims();
  if (!dims || n.output(0)->type().dtype == DType::kUndefined) return std::nullopt;
  return ReshapeMatch{const_cast<Node*>(&n), *std::move(dims)};
}

void RewriteSqueeze(Graph& g, const ReshapeMatch& m) {
  Node* n = m.node;
  Value* out = n->output(0);
  const std::string name = n->name().empty() ? out->name() : n->name();
  g.RenameNode(n, name + "_squeeze");
  const int64_t rank = static_cast<int64_t>(m.dims.size());
  Value* shape = g.AddInitializer(name + "_shape", Tensor::FromVector<int64_t>({rank}, m.dims));
  Node* r = g.AddNode("Reshape", {n->input(0), shape}, {out->name() + "_reshaped"}, n, name);
  r->output(0)->set_type(out->type());
  g.ReplaceAllUsesWith(out, r->output(0));
}

}  // namespace

absl::StatusOr<bool> SqueezeToReshapePass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes().ToVector()) {
    std::optional<ReshapeMatch> m = MatchSqueeze(*n);
    if (!m) continue;
    RewriteSqueeze(graph, *m);
    changed = true;
  }
  return changed;
}

}  // namespace quantc
