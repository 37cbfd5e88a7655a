#include "train/requant_plan.h"

#include "passes/insert_observers.h"

namespace quantc::train {
namespace {

// The observer an inherit=1 observer shares its quantization with: the one
// feeding its value-preserving producer, followed up the chain.
const Node* RootOf(const Node& obs) {
  const Node* o = &obs;
  while (o->GetInt("inherit", 0)) {
    const Node* p = o->input(0)->producer();
    const Node* src = p && p->input(0) ? p->input(0)->producer() : nullptr;
    if (!src || !IsObserver(*src)) break;
    o = src;
  }
  return o;
}

}  // namespace

RequantPlan BuildRequantPlan(Graph& g, Target target) {
  RequantPlan plan;
  for (Node* n : g.nodes()) {
    if (!IsObserver(*n)) continue;
    ObserverPlan o;
    o.observer = n;
    o.root = RootOf(*n);
    o.inherit = o.root != n;
    if (target == Target::kTinpu && !o.inherit) {
      // The observer stands where the QuantizeLinear will: MatchTinpu reads
      // only its input's producer and the graph around it.
      TinpuMatch m = MatchTinpu(g, n);
      o.pattern = m.pattern;
      o.op = m.op;
      o.act = m.activation;
    }
    plan.by_observer[n] = plan.observers.size();
    plan.observers.push_back(o);
  }
  return plan;
}

}  // namespace quantc::train
