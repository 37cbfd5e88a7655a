// insert_observers: marks every activation tensor that the quantized model
// will carry as integers with an observer node, a value identity that
// calibration watches.
//
//   Before:  %c = Conv(%x, %w, %b);  %r = Relu(%c);  %p = MaxPool(%r)
//   After:   %x_obs = quantc.Observe(%x)
//            %c = Conv(%x_obs, %w, %b);  %r = Relu(%c)
//            %r_obs = quantc.Observe(%r)
//            %p = MaxPool(%r_obs);  %p_obs = quantc.Observe(%p) {inherit=1}
//
// Placement rules (the per-op roles are in quant_roles.h):
// * float graph inputs are observed (they get QuantizeLinear in the model),
//   except inputs read only by a BatchNormalization: the BN normalizes raw
//   features in float and its output is observed instead;
// * a Relu/Clip that is the only consumer of a Conv/Gemm/MatMul/
//   ConvTranspose/Add output fuses with it: only the activation's output is
//   observed, so producer and activation share one quantized output (the
//   activation fusion integer kernels implement);
// * value-preserving ops (MaxPool, Reshape, Transpose, ...) get an observer
//   marked inherit=1: their output reuses their input's scale and zero
//   point exactly, which is lossless since their values are input values;
// * every other float output gets its own observer;
// * float ops (Node::float_op, see mark_float_ops) stay float: their outputs
//   are observed only where a quantized consumer reads them, and graph
//   outputs they produce stay float;
// * non-float tensors (shapes, indices, masks) are never observed.
// Weights and biases are not observed here: their exact values are known, so
// insert_qdq quantizes them directly.
#include "passes/insert_observers.h"

#include <algorithm>

#include "ir/graph.h"
#include "passes/quant_roles.h"

namespace quantc {
namespace {

bool IsFloat(const Value* v) { return v && v->type().dtype == DType::kFloat32; }

bool AllConsumersFloat(const Graph& g, const Value* v) {
  if (g.IsGraphOutput(v)) return true;
  for (const Use& u : v->uses()) {
    if (!u.user->float_op()) return false;
  }
  return true;
}

// Whether value-preserving node `n` reads an already-quantized tensor.
bool ReadsObserved(const Node& n) {
  const Value* in = n.input(0);
  const Node* p = in ? in->producer() : nullptr;
  return p && IsObserver(*p);
}

bool NeedsObserver(const Graph& g, const Node& n, const Value* out) {
  if (!IsFloat(out) || out->name().empty()) return false;
  if (out->uses().empty() && !g.IsGraphOutput(out)) return false;
  if (n.float_op()) return !AllConsumersFloat(g, out);
  // A fusable producer's output is observed after its activation instead.
  if (out->uses().size() == 1 && !g.IsGraphOutput(out) && !out->uses()[0].user->float_op() &&
      FusesIntoProducer(g, *out->uses()[0].user)) {
    return false;
  }
  return true;
}

void Observe(Graph& g, Value* v, Node* before, bool inherit) {
  Node* obs = g.AddNode(kObserverOp, {v}, {v->name() + "_observed"}, before,
                        v->name() + "_observer", kObserverDomain);
  obs->output(0)->set_type(v->type());
  if (inherit) obs->SetAttr(Attribute::Int("inherit", 1));
  g.ReplaceAllUsesWith(v, obs->output(0), obs);
}

// The node after `n` in topological order (observers go right after their
// producer so printing reads naturally), or nullptr at the end.
Node* NextNode(const std::vector<Node*>& order, size_t i) {
  return i + 1 < order.size() ? order[i + 1] : nullptr;
}

}  // namespace

bool IsObserver(const Node& n) {
  return n.domain() == kObserverDomain && n.op_type() == kObserverOp;
}

std::unique_ptr<Graph> CloneWithoutObservers(const Graph& g) {
  std::unique_ptr<Graph> c = g.Clone();
  for (Node* n : c->nodes().ToVector()) {
    if (!IsObserver(*n)) continue;
    Value* in = n->input(0);
    Value* out = n->output(0);
    std::vector<Use> uses = out->uses();
    for (const Use& u : uses) u.user->SetInput(u.index, in);
    for (int i = 0; i < static_cast<int>(c->outputs().size()); ++i) {
      if (c->outputs()[i] == out) c->SetOutput(i, in);
    }
    c->RemoveNode(n);
  }
  return c;
}

absl::StatusOr<bool> InsertObserversPass::Run(Graph& graph) {
  bool changed = false;
  std::vector<Node*> order = graph.nodes().ToVector();
  Node* first = order.empty() ? nullptr : order[0];
  for (Value* in : graph.inputs()) {
    // An input that is also an output passes through unchanged: observing
    // it would need a second name for one public tensor.
    if (!IsFloat(in) || in->uses().empty() || graph.IsGraphOutput(in)) continue;
    // An input normalized by a BatchNormalization stays float into it: raw
    // features of very different magnitudes do not share one scale; the
    // BN's (normalized) output is what gets quantized.
    bool all_float = std::all_of(in->uses().begin(), in->uses().end(), [&](const Use& u) {
      return u.user->float_op() ||
             (u.index == 0 && u.user->op_type() == "BatchNormalization");
    });
    if (all_float) continue;
    Observe(graph, in, first, false);
    changed = true;
  }
  for (size_t i = 0; i < order.size(); ++i) {
    Node* n = order[i];
    if (IsObserver(*n)) continue;
    bool inherit = RoleOf(*n) == QuantRole::kValuePreserving && ReadsObserved(*n);
    for (Value* out : n->outputs()) {
      if (!NeedsObserver(graph, *n, out)) continue;
      Observe(graph, out, NextNode(order, i), inherit);
      changed = true;
    }
  }
  return changed;
}

}  // namespace quantc
