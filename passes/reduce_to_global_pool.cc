// reduce_to_global_pool: global average pooling written as a reduction
// (PyTorch's x.mean([2, 3]), as MnasNet and ShuffleNet export it) becomes
// GlobalAveragePool, which the quantizers and TINPU's window-sum lowering
// (ReduceSum -> Round -> OSS, tinpu-format.md §4.11) know.
//
//   Before:  %m = ReduceMean<axes = [2, 3], keepdims = 0>(%x)      x: [N, C, H, W]
//   After:   %g = GlobalAveragePool(%x);  %m' = Flatten<axis = 1>(%g)
//
//   Before:  %s = ReduceSum<keepdims = 1>(%x, axes = [2, 3])
//   After:   %g = GlobalAveragePool(%x);  %s' = Mul(%g, H * W)
//
// Math: mean over the spatial axes = GlobalAveragePool; sum = mean * H * W
// (H * W from the static shape, so ReduceSum needs one); keepdims = 0 drops
// the trailing 1-sized axes, which Flatten<axis = 1> does for [N, C, 1, ...].
// Preconditions: input rank >= 3, known float32; the axes (attribute, or a
// constant input from ReduceSum-13 on) are exactly 2..rank-1 after
// normalization; ReduceSum's noop_with_empty_axes is irrelevant because the
// axes are never empty here. The new GlobalAveragePool takes the reduction's
// node name; the old node is left for remove_dead_nodes.
#include "passes/reduce_to_global_pool.h"

#include <algorithm>
#include <optional>

namespace quantc {
namespace {

struct GlobalPoolMatch {
  Node* reduce;
  bool keepdims;
  double area;  // > 0 for ReduceSum (the factor to restore the sum), 0 for ReduceMean
};

std::optional<std::vector<int64_t>> Axes(const Node& n) {
  if (n.FindAttr("axes")) return n.GetInts("axes");
  const Value* a = n.input(1);
  if (!a || !a->is_initializer()) return std::nullopt;
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < a->initializer().num_elements(); ++i) {
    axes.push_back(static_cast<int64_t>(a->initializer().GetAsDouble(i)));
  }
  return axes;
}

std::optional<GlobalPoolMatch> MatchGlobalPool(const Node& n) {
  const bool mean = n.op_type() == "ReduceMean";
  if (!n.domain().empty() || (!mean && n.op_type() != "ReduceSum") || !n.input(0)) {
    return std::nullopt;
  }
  const TensorType& t = n.input(0)->type();
  if (t.dtype != DType::kFloat32 || !t.shape || t.shape->size() < 3) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(t.shape->size());
  std::optional<std::vector<int64_t>> axes = Axes(n);
  if (!axes || static_cast<int64_t>(axes->size()) != rank - 2) return std::nullopt;
  for (int64_t& a : *axes) a = a < 0 ? a + rank : a;
  std::sort(axes->begin(), axes->end());
  for (int64_t i = 0; i < rank - 2; ++i) {
    if ((*axes)[i] != i + 2) return std::nullopt;
  }
  GlobalPoolMatch m{const_cast<Node*>(&n), n.GetInt("keepdims", 1) != 0, 0};
  if (!mean) {
    auto dims = t.StaticDims();
    if (!dims) return std::nullopt;
    m.area = 1;
    for (int64_t i = 2; i < rank; ++i) m.area *= static_cast<double>((*dims)[i]);
  }
  return m;
}

void RewriteGlobalPool(Graph& g, const GlobalPoolMatch& m) {
  Node* r = m.reduce;
  Value* out = r->output(0);
  const std::string name = r->name().empty() ? out->name() : r->name();
  g.RenameNode(r, name + "_reduce");
  Node* gap = g.AddNode("GlobalAveragePool", {r->input(0)}, {name + "_pooled"}, r, name);
  TensorType pooled = r->input(0)->type();
  for (size_t i = 2; i < pooled.shape->size(); ++i) (*pooled.shape)[i] = Dim{1, ""};
  gap->output(0)->set_type(pooled);
  Value* result = gap->output(0);
  if (m.area > 0) {
    Value* area = g.AddInitializer(name + "_area", Tensor::Scalar<float>(static_cast<float>(m.area)));
    Node* mul = g.AddNode("Mul", {result, area}, {name + "_sum"}, r, name + "_area");
    mul->output(0)->set_type(pooled);
    result = mul->output(0);
  }
  if (!m.keepdims) {
    Node* flat = g.AddNode("Flatten", {result}, {name + "_flat"}, r, name + "_flatten");
    flat->SetAttr(Attribute::Int("axis", 1));
    flat->output(0)->set_type(out->type());
    result = flat->output(0);
  }
  g.ReplaceAllUsesWith(out, result);
}

}  // namespace

absl::StatusOr<bool> ReduceToGlobalPoolPass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes().ToVector()) {
    std::optional<GlobalPoolMatch> m = MatchGlobalPool(*n);
    if (!m) continue;
    RewriteGlobalPool(graph, *m);
    changed = true;
  }
  return changed;
}

}  // namespace quantc
