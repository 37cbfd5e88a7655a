// split_to_slices: a Split (ShuffleNet's channel split, x.chunk(2, dim=1))
// becomes one Slice per output. Every pass that quantizes handles a
// single-output value-preserving op; a Slice of integers is an integer
// (the TINPU vocabulary admits it as a layout op).
//
//   Before:  %a, %b = Split<axis = 1>(%x, split = [16, 16])        x: [1, 32, H, W]
//   After:   %a' = Slice(%x, starts = [0], ends = [16], axes = [1])
//            %b' = Slice(%x, starts = [16], ends = [32], axes = [1])
//
// Math: output i holds positions [o_i, o_i + s_i) of the axis, with o_i the
// sum of the sizes before it. Sizes come from the `split` attribute (before
// opset 13) or constant input (from 13), else the axis is split evenly,
// which needs its static length. Slice takes its bounds as inputs from
// opset 10 and as attributes before. The Split is left for
// remove_dead_nodes.
#include "passes/split_to_slices.h"

#include <optional>

#include "absl/strings/str_cat.h"

namespace quantc {
namespace {

struct SplitMatch {
  Node* split;
  int64_t axis;
  std::vector<int64_t> sizes;
};

std::optional<SplitMatch> MatchSplit(const Graph& g, const Node& n) {
  if (n.op_type() != "Split" || !n.domain().empty() || !n.input(0)) return std::nullopt;
  auto dims = n.input(0)->type().StaticDims();
  if (!dims) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(dims->size());
  int64_t axis = n.GetInt("axis", 0);
  if (axis < -rank || axis >= rank) return std::nullopt;
  if (axis < 0) axis += rank;
  std::vector<int64_t> sizes = n.GetInts("split");
  if (const Value* s = n.input(1); s && g.opset() >= 13) {
    if (!s->is_initializer()) return std::nullopt;
    for (int64_t i = 0; i < s->initializer().num_elements(); ++i) {
      sizes.push_back(static_cast<int64_t>(s->initializer().GetAsDouble(i)));
    }
  }
  const int64_t length = (*dims)[axis];
  if (sizes.empty()) {
    if (length % n.num_outputs() != 0) return std::nullopt;
    sizes.assign(static_cast<size_t>(n.num_outputs()), length / n.num_outputs());
  }
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (static_cast<int>(sizes.size()) != n.num_outputs() || total != length) return std::nullopt;
  return SplitMatch{const_cast<Node*>(&n), axis, std::move(sizes)};
}

Value* Ints(Graph& g, const std::string& name, int64_t v) {
  return g.AddInitializer(name, Tensor::FromVector<int64_t>({1}, {v}));
}

void RewriteSplit(Graph& g, const SplitMatch& m) {
  Node* s = m.split;
  const std::string base = s->name().empty() ? s->output(0)->name() : s->name();
  int64_t start = 0;
  for (int i = 0; i < s->num_outputs(); ++i) {
    Value* out = s->output(i);
    const int64_t end = start + m.sizes[static_cast<size_t>(i)];
    if (!out->name().empty()) {
      const std::string name = absl::StrCat(base, "_", i);
      Node* slice;
      if (g.opset() >= 10) {
        slice = g.AddNode("Slice",
                          {s->input(0), Ints(g, name + "_starts", start), Ints(g, name + "_ends", end),
                           Ints(g, name + "_axes", m.axis)},
                          {out->name() + "_slice"}, s, name);
      } else {
        slice = g.AddNode("Slice", {s->input(0)}, {out->name() + "_slice"}, s, name);
        slice->SetAttr(Attribute::Ints("starts", {start}));
        slice->SetAttr(Attribute::Ints("ends", {end}));
        slice->SetAttr(Attribute::Ints("axes", {m.axis}));
      }
      slice->output(0)->set_type(out->type());
      g.ReplaceAllUsesWith(out, slice->output(0));
    }
    start = end;
  }
}

}  // namespace

absl::StatusOr<bool> SplitToSlicesPass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes().ToVector()) {
    std::optional<SplitMatch> m = MatchSplit(graph, *n);
    if (!m) continue;
    RewriteSplit(graph, *m);
    changed = true;
  }
  return changed;
}

}  // namespace quantc
