// EvaluateNode dispatches through the kernel table; Interpreter turns a
// Graph into a flat execution plan once (slots, per-step release lists) and
// then runs it per sample without any name lookups.
#include "ir/interpreter.h"

#include <algorithm>
#include <new>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ir/kernels/kernel.h"
#include "ir/kernels/registry.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

bool IsHalf(DType t) { return t == DType::kFloat16 || t == DType::kBFloat16; }

absl::Status WithNode(const Node& node, const absl::Status& st) {
  return absl::Status(st.code(), absl::StrCat(node.Describe(), ": ", st.message()));
}

// Runs `fn` on float32 copies of 16-bit float inputs and rounds its float32
// outputs back to that 16-bit type.
kernels::KernelResult RunWidened(const kernels::KernelContext& ctx, kernels::KernelFn fn,
                                 DType half) {
  std::vector<Tensor> widened(ctx.num_inputs());
  std::vector<const Tensor*> ptrs(ctx.num_inputs(), nullptr);
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    if (t == nullptr) continue;
    if (IsHalf(t->dtype())) {
      QC_ASSIGN_OR_RETURN(widened[i], kernels::CastTensor(*t, DType::kFloat32));
      ptrs[i] = &widened[i];
    } else {
      ptrs[i] = t;
    }
  }
  kernels::KernelContext wide_ctx(ctx.node(), ptrs, ctx.opset(), ctx.state(), nullptr);
  QC_ASSIGN_OR_RETURN(std::vector<Tensor> outs, fn(wide_ctx));
  for (Tensor& t : outs) {
    if (t.dtype() == DType::kFloat32) {
      QC_ASSIGN_OR_RETURN(t, kernels::CastTensor(t, half));
    }
  }
  return outs;
}

// EvaluateNode, with the Interpreter's per-node extras in `ctx`.
absl::StatusOr<std::vector<Tensor>> Evaluate(const kernels::KernelContext& ctx) {
  const Node& node = ctx.node();
  const int64_t opset = ctx.opset();
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    return WithNode(node, absl::UnimplementedError(absl::StrCat("operator domain '", node.domain(),
                                                                "' has no kernels")));
  }
  bool any = false;
  const kernels::KernelEntry* entry = kernels::FindKernel(node.op_type(), opset, &any);
  if (entry == nullptr) {
    return WithNode(node, absl::UnimplementedError(
                              any ? absl::StrCat("no kernel for opset ", opset)
                                  : std::string("the interpreter has no kernel for this op")));
  }
  DType half = DType::kUndefined;
  if (entry->widen_half) {
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor* t = ctx.input(i);
      if (t != nullptr && IsHalf(t->dtype())) half = t->dtype();
    }
  }
  // Kernels check every size derived from input against the tensor cap
  // before allocating (ir/tensor.h); what still does not fit in memory ends
  // here as an error naming the node, never as an exception past the API.
  kernels::KernelResult result = absl::InternalError("unreachable");
  try {
    result = half == DType::kUndefined ? entry->fn(ctx) : RunWidened(ctx, entry->fn, half);
  } catch (const std::bad_alloc&) {
    result = absl::ResourceExhaustedError(
        "out of memory (the node's tensors do not fit in the memory available)");
  }
  if (!result.ok()) return WithNode(node, result.status());
  std::vector<Tensor> outs = *std::move(result);
  if (static_cast<int>(outs.size()) > node.num_outputs()) {
    return WithNode(node, absl::InternalError(absl::StrCat("kernel produced ", outs.size(),
                                                           " outputs for ", node.num_outputs())));
  }
  outs.resize(node.num_outputs());
  return outs;
}

}  // namespace

absl::StatusOr<std::vector<Tensor>> EvaluateNode(const Node& node,
                                                 absl::Span<const Tensor* const> inputs,
                                                 int64_t opset) {
  return Evaluate(kernels::KernelContext(node, inputs, opset));
}

absl::StatusOr<std::vector<Tensor>> EvaluateNode(const Node& node,
                                                 absl::Span<const Tensor* const> inputs,
                                                 int64_t opset,
                                                 std::unique_ptr<kernels::KernelState>* state,
                                                 const std::vector<bool>* constant) {
  return Evaluate(kernels::KernelContext(node, inputs, opset, state, constant));
}

bool HasKernel(absl::string_view op_type) {
  bool any = false;
  kernels::FindKernel(op_type, 0, &any);
  return any;
}

std::vector<std::string> SupportedOps() {
  std::vector<std::string> ops;
  for (const kernels::KernelEntry& e : kernels::KernelTable()) {
    if (ops.empty() || ops.back() != e.op_type) ops.emplace_back(e.op_type);
  }
  std::sort(ops.begin(), ops.end());
  return ops;
}

Interpreter::~Interpreter() = default;

Interpreter::Interpreter(const Graph& g) : graph_(g), opset_(g.opset()) {
  absl::flat_hash_map<const Value*, int> slot;
  std::vector<int> producer;  // by slot: producing step, -1 for graph data
  auto add = [&](const Value* v, int step) {
    int s = num_slots_++;
    slot[v] = s;
    producer.push_back(step);
    return s;
  };
  std::vector<bool> fixed;  // by slot: the same tensor on every run
  for (const Value* v : g.initializers()) {
    constants_.emplace_back(add(v, -1), v->initializer());
    fixed.push_back(true);
  }
  for (const Value* v : g.inputs()) {
    input_slots_.push_back(add(v, -1));
    fixed.push_back(false);
  }
  for (const Node* n : g.nodes()) {
    Step step;
    step.node = n;
    // A node of constants alone (a weight's DequantizeLinear, shape
    // arithmetic) gives the same result on every run: compute it once.
    step.hoisted = n->num_inputs() > 0 || n->op_type() == "Constant";
    for (const Value* v : n->inputs()) {
      auto it = v == nullptr ? slot.end() : slot.find(v);
      if (v != nullptr && it == slot.end() && plan_error_.ok()) {
        // A pass left the graph unsorted (or dangling); report it from Run.
        plan_error_ = absl::FailedPreconditionError(
            absl::StrCat(n->Describe(), ": input '", v->name(),
                         "' is not defined before this node (graph not topologically sorted)"));
      }
      const int s = it == slot.end() ? -1 : it->second;
      step.inputs.push_back(s);
      step.constant.push_back(s >= 0 && fixed[s]);
      if (v != nullptr && !(s >= 0 && fixed[s])) step.hoisted = false;
    }
    const int index = static_cast<int>(steps_.size());
    for (const Value* v : n->outputs()) {
      step.outputs.push_back(v->name().empty() ? -1 : add(v, index));
      if (step.outputs.back() >= 0) fixed.push_back(step.hoisted);
    }
    steps_.push_back(std::move(step));
  }
  std::vector<int> last_use(num_slots_, -1);  // by slot: last step reading it
  for (size_t i = 0; i < steps_.size(); ++i) {
    for (int s : steps_[i].inputs) {
      if (s >= 0) last_use[s] = static_cast<int>(i);
    }
  }
  std::vector<bool> keep = fixed;  // owned by the graph or by constants_ anyway
  for (const Value* v : g.outputs()) {
    auto it = slot.find(v);
    if (it == slot.end()) {
      if (plan_error_.ok()) {
        plan_error_ = absl::FailedPreconditionError(
            absl::StrCat("graph output '", v->name(), "' is not produced by the graph"));
      }
      continue;
    }
    output_slots_.push_back(it->second);
    keep[it->second] = true;
  }
  for (int s = 0; s < num_slots_; ++s) {
    if (keep[s]) continue;
    if (last_use[s] >= 0) {
      steps_[last_use[s]].release.push_back(s);
    } else if (producer[s] >= 0) {
      // Never read: drop right after it is produced (and observed).
      steps_[producer[s]].release.push_back(s);
    }
  }
}

absl::StatusOr<std::vector<Tensor>> Interpreter::EvaluateStep(Step& step,
                                                               const std::vector<Tensor>& slots) {
  std::vector<const Tensor*> args;
  args.reserve(step.inputs.size());
  for (int s : step.inputs) args.push_back(s < 0 ? nullptr : &slots[s]);
  return Evaluate(kernels::KernelContext(*step.node, args, opset_, &step.state, &step.constant));
}

absl::Status Interpreter::EvaluateHoisted() {
  std::vector<Tensor> slots(num_slots_);
  for (const auto& c : constants_) slots[c.first] = c.second;
  std::vector<std::pair<int, Tensor>> computed;
  for (Step& step : steps_) {
    if (!step.hoisted) continue;
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> outs, EvaluateStep(step, slots));
    for (size_t o = 0; o < step.outputs.size(); ++o) {
      if (step.outputs[o] < 0) continue;
      slots[step.outputs[o]] = outs[o];
      computed.emplace_back(step.outputs[o], std::move(outs[o]));
    }
  }
  for (auto& c : computed) constants_.push_back(std::move(c));
  hoisted_done_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> Interpreter::Run(absl::Span<const Tensor> inputs) {
  QC_RETURN_IF_ERROR(plan_error_);
  if (!hoisted_done_) QC_RETURN_IF_ERROR(EvaluateHoisted());
  const auto& gin = graph_.inputs();
  if (inputs.size() != gin.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the graph has ", gin.size(), " inputs but ",
                                                   inputs.size(), " tensors were given"));
  }
  std::vector<Tensor> slots(num_slots_);
  for (const auto& c : constants_) slots[c.first] = c.second;
  for (size_t i = 0; i < gin.size(); ++i) {
    const TensorType& type = gin[i]->type();
    const Tensor& t = inputs[i];
    if (type.dtype != DType::kUndefined && type.dtype != t.dtype()) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph input '", gin[i]->name(), "': expected element type ",
                       DTypeName(type.dtype), ", got ", DTypeName(t.dtype())));
    }
    if (type.shape) {
      bool ok = type.shape->size() == t.dims().size();
      for (size_t d = 0; ok && d < t.dims().size(); ++d) {
        ok = !(*type.shape)[d].known() || (*type.shape)[d].value == t.dims()[d];
      }
      if (!ok) {
        std::string want = "[";
        for (size_t d = 0; d < type.shape->size(); ++d) {
          const Dim& dim = (*type.shape)[d];
          absl::StrAppend(
              &want, d ? "," : "",
              dim.known() ? absl::StrCat(dim.value) : (dim.param.empty() ? "?" : dim.param));
        }
        return absl::InvalidArgumentError(absl::StrCat("graph input '", gin[i]->name(),
                                                       "': expected shape ", want, "], got ",
                                                       kernels::ShapeStr(t.dims())));
      }
    }
    slots[input_slots_[i]] = t;
  }
  for (Step& step : steps_) {
    if (step.hoisted) {
      if (!observer_) continue;
      for (size_t o = 0; o < step.outputs.size(); ++o) {
        const int s = step.outputs[o];
        if (s >= 0) observer_(*step.node->output(static_cast<int>(o)), slots[s]);
      }
      continue;
    }
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> outs, EvaluateStep(step, slots));
    for (size_t o = 0; o < step.outputs.size(); ++o) {
      const int s = step.outputs[o];
      if (s < 0) continue;
      slots[s] = std::move(outs[o]);
      if (observer_) observer_(*step.node->output(static_cast<int>(o)), slots[s]);
    }
    for (int s : step.release) slots[s] = Tensor();
  }
  std::vector<Tensor> results;
  results.reserve(output_slots_.size());
  for (int s : output_slots_) results.push_back(slots[s]);
  return results;
}

}  // namespace quantc
