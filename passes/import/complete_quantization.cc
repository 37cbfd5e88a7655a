// complete_quantization: a model quantized elsewhere may leave tensors in
// float between quantized regions (PyTorch's eager QAT leaves the pooled
// features before its Linear float; a float Sigmoid feeds a quantized
// Conv). The target may need them quantized; this pass quantizes exactly
// those, and no others.
//
//   Before:  %d = DequantizeLinear(%q, s, zp);  %g = GlobalAveragePool(%d);  %f = Flatten(%g)
//            %y = Gemm(%f, DequantizeLinear(%w_q, ...), %b)
//   After:   %g_q = QuantizeLinear(%g, s, zp);  %f = Flatten(DequantizeLinear(%g_q, s, zp))
//            %f_q = QuantizeLinear(%f, s, zp);  %y = Gemm(DequantizeLinear(%f_q, s, zp), ...)
//
// Which tensors are needed: generic, the inputs of weighted layers whose
// weights are quantized (integer kernels read integers); TINPU, every float
// tensor an op outside the float ops (Node::float_op) reads or writes (for
// a layer with a fused Relu/Clip, the activation's output).
// Where the quantization comes from, in order:
// * a QuantizeLinear already reading the tensor: its DequantizeLinear
//   replaces the float reads;
// * implied by the model: the output of a value-moving op (MaxPool,
//   Reshape, Flatten, ...), of a Relu/Clip or of an average pool whose input
//   is quantized takes that input's scale and zero point (the same
//   initializers): exact for value moves, and for averages what PyTorch's
//   quantized kernels do (the average stays inside the input's range);
// * calibration: an observer (can_calibrate), which calibrate and
//   insert_qdq turn into a Q/DQ pair;
// * otherwise FailedPrecondition listing every such tensor (or, with
//   `missing`, the list is handed back).
// Value-moving chains resolve backwards: a Flatten of a GlobalAveragePool
// of a dequantized tensor quantizes both outputs.
#include "passes/import/complete_quantization.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "passes/import/mark_imported_float_ops.h"
#include "passes/import/qdq_nodes.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"

namespace quantc {
namespace {

bool IsQ(const Node& n) { return n.domain().empty() && n.op_type() == "QuantizeLinear"; }

// The DequantizeLinear output of an existing QuantizeLinear reading `v`.
Value* ExistingDequantized(const Value* v) {
  for (const Use& u : v->uses()) {
    if (IsQ(*u.user) && u.user->output(0)->quant()) {
      if (Value* d = DequantizedOutput(*u.user)) return d;
    }
  }
  return nullptr;
}

bool ImpliesInputQuantization(const Node& p) {
  const std::string& op = p.op_type();
  if (!p.domain().empty() || p.float_op()) return false;
  return RoleOf(p) == QuantRole::kValuePreserving || RoleOf(p) == QuantRole::kActivation ||
         op == "AveragePool" || op == "GlobalAveragePool";
}

std::string Describe(const Value* v) {
  const Node* p = v->producer();
  return absl::StrCat("'", v->name(), "' (", p ? "output of " + p->Describe() : "graph input", ")");
}

class Completer {
 public:
  Completer(Graph& g, const CompleteQuantizationOptions& o) : g_(g), o_(o) {}

  absl::StatusOr<bool> Run() {
    for (Node* n : g_.nodes().ToVector()) {
      if (!ComputesOnActivations(*n) || n->float_op()) continue;
      if (o_.target == ImportTarget::kGeneric) {
        if (RoleOf(*n) == QuantRole::kWeighted &&
            DequantizeOf(n->input(WeightInputsOf(*n).weight))) {
          NeedInput(n, 0);
        }
        continue;
      }
      // A Relu/Clip fused into its producer reads the producer's
      // accumulator, not a tensor of its own; the producer's output is the
      // activation's.
      if (!FusesIntoProducer(g_, *n)) {
        for (int i = 0; i < n->num_inputs(); ++i) NeedInput(n, i);
      }
      if (!HasFusedActivation(*n)) NeedOutputs(n);
    }
    if (!missing_.empty()) {
      if (o_.missing) {
        for (const Value* v : missing_) o_.missing->push_back(Describe(v));
        return changed_;
      }
      std::vector<std::string> names;
      for (const Value* v : missing_) names.push_back(Describe(v));
      return absl::FailedPreconditionError(absl::StrCat(
          "the model leaves ", names.size(), " tensor(s) in float that ",
          o_.target == ImportTarget::kTinpu ? "--target=tinpu" : "--target=generic",
          " needs quantized, and does not imply their ranges; give --calib=DATA to measure them: ",
          absl::StrJoin(names, ", ")));
    }
    return changed_;
  }

 private:
  // n's input i must be a dequantized (quantized) tensor.
  void NeedInput(Node* n, int i) {
    Value* v = n->input(i);
    if (!IsFloatActivation(v) || DequantizeOf(v)) return;
    if (Value* d = Quantized(v)) {
      n->SetInput(i, d);
      changed_ = true;
    }
  }

  bool HasFusedActivation(const Node& n) const {
    const Value* out = n.output(0);
    return out->uses().size() == 1 && !g_.IsGraphOutput(out) &&
           FusesIntoProducer(g_, *out->uses()[0].user);
  }

  // Every float output of n must be quantized for its readers.
  void NeedOutputs(Node* n) {
    for (Value* out : n->outputs()) {
      if (!IsFloatActivation(out) || out->name().empty()) continue;
      if (out->uses().empty() && !g_.IsGraphOutput(out)) continue;
      bool all_quantized = !g_.IsGraphOutput(out);
      for (const Use& u : out->uses()) all_quantized = all_quantized && IsQ(*u.user);
      if (all_quantized) continue;
      Value* d = Quantized(out);
      if (!d) continue;
      // The node that reads `out` to make `d` keeps reading it.
      Node* reader =
          IsObserver(*d->producer()) ? d->producer() : d->producer()->input(0)->producer();
      g_.ReplaceAllUsesWith(out, d, reader);
      changed_ = true;
    }
  }

  // The dequantized form of `v` (creating its Q/DQ or observer), or
  // nullptr when no range is known (recorded in missing_).
  Value* Quantized(Value* v) {
    if (Value* d = ExistingDequantized(v)) return d;
    auto it = done_.find(v);
    if (it != done_.end()) return it->second;
    Node* p = v->producer();
    Value* result = nullptr;
    bool input_missing = false;  // then only the input is listed: it is the cause
    if (p && ImpliesInputQuantization(*p) && IsFloatActivation(p->input(0))) {
      Value* in = DequantizeOf(p->input(0)) ? p->input(0) : Quantized(p->input(0));
      if (in && in != p->input(0)) {
        p->SetInput(0, in);
        changed_ = true;
      }
      // An input that will be calibrated passes its parameters on through
      // insert_qdq's inherited observers.
      if (in)
        result = DequantizeOf(in) ? Inherit(v, DequantizeOf(in)) : Observe(v, /*inherit=*/true);
      input_missing = !in;
    }
    if (!result && o_.can_calibrate) result = Observe(v, /*inherit=*/false);
    if (!result && !input_missing && !missing_set_.contains(v)) {
      missing_set_.insert(v);
      missing_.push_back(v);
    }
    done_[v] = result;
    return result;
  }

  Value* Inherit(Value* v, const Node* source_dq) {
    Node* p = v->producer();
    Node* q = import::AddQuantize(g_, v, source_dq->input(1), source_dq->input(2),
                                  source_dq->input(0)->type(), nullptr, v->name());
    TensorType qt = v->type();
    qt.dtype = source_dq->input(0)->type().dtype;
    q->output(0)->set_type(qt);
    q->output(0)->set_quant(*source_dq->input(0)->quant());
    g_.MoveBefore(q, Next(p));
    Node* dq = import::AddDequantize(g_, q->output(0), source_dq->input(1), source_dq->input(2),
                                     std::nullopt, nullptr, v->name());
    g_.MoveBefore(dq, Next(q));
    if (o_.log && (p->op_type() == "AveragePool" || p->op_type() == "GlobalAveragePool")) {
      o_.log->push_back({Diagnostic::Severity::kNote, absl::StrCat("tensor ", Describe(v)),
                         "quantized with its input's scale and zero point, as PyTorch's quantized "
                         "pooling does (the source model kept it in float)",
                         std::nullopt});
    }
    changed_ = true;
    return dq->output(0);
  }

  Value* Observe(Value* v, bool inherit) {
    Node* obs = g_.AddNode(kObserverOp, {v}, {v->name() + "_observed"}, nullptr,
                           v->name() + "_observer", kObserverDomain);
    obs->output(0)->set_type(v->type());
    if (inherit) obs->SetAttr(Attribute::Int("inherit", 1));
    g_.MoveBefore(obs, v->producer() ? Next(v->producer()) : FirstNode());
    changed_ = true;
    return obs->output(0);
  }

  Node* Next(Node* n) {
    bool found = false;
    for (Node* m : g_.nodes()) {
      if (found) return m;
      found = m == n;
    }
    return nullptr;
  }
  Node* FirstNode() { return g_.num_nodes() ? *g_.nodes().begin() : nullptr; }

  Graph& g_;
  const CompleteQuantizationOptions& o_;
  bool changed_ = false;
  absl::flat_hash_map<const Value*, Value*> done_;
  absl::flat_hash_set<const Value*> missing_set_;
  std::vector<const Value*> missing_;
};

}  // namespace

absl::StatusOr<bool> CompleteQuantizationPass::Run(Graph& graph) {
  return Completer(graph, options_).Run();
}

}  // namespace quantc
