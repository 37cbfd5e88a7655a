// Reference interpreter: runs a Graph (or a single Node) on concrete tensors.
//
// Kernels follow the ONNX operator specification for ai.onnx opsets 7..17,
// including the forms that moved between attributes and inputs across
// opsets (Reshape, Squeeze/Unsqueeze, Split, Slice, Pad, Clip, ReduceSum).
// The kernel table lives in ir/kernels/registry.cc; kernels are grouped by
// family in ir/kernels/*.cc.
//
// Numerics: integer ops are exact. Float32 results are bit-for-bit
// deterministic (everything runs on the calling thread, sums run in a fixed
// order, FMA contraction is disabled), so calibration statistics and
// constant-folded tensors never depend on the machine's thread count.
//
// Errors: an op type or dtype without a kernel gives Unimplemented; bad
// shapes, attributes or values give InvalidArgument. Messages start with
// the node, e.g. "node 'conv1' (Conv): ...".
#ifndef QUANTC_IR_INTERPRETER_H_
#define QUANTC_IR_INTERPRETER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ir/graph.h"
#include "ir/tensor.h"

namespace quantc {

namespace kernels {
class KernelState;
}  // namespace kernels

/// Runs one node on concrete inputs (nullptr entries for omitted optional
/// inputs). Returns one Tensor per node output (omitted outputs may be
/// returned as empty Tensor()). Unsupported op / dtype -> UnimplementedError
/// naming the node; bad shapes/values -> InvalidArgument naming the node.
absl::StatusOr<std::vector<Tensor>> EvaluateNode(const Node& node,
                                                 absl::Span<const Tensor* const> inputs,
                                                 int64_t opset);

/// EvaluateNode for a caller that runs one node once per sample: `state`
/// keeps what kernels derive from the inputs `constant` marks (e.g. packed
/// weights), which must be the very same tensors, alive and unchanged, on
/// every call sharing that state. Results equal EvaluateNode's.
absl::StatusOr<std::vector<Tensor>> EvaluateNode(const Node& node,
                                                 absl::Span<const Tensor* const> inputs,
                                                 int64_t opset,
                                                 std::unique_ptr<kernels::KernelState>* state,
                                                 const std::vector<bool>* constant);

/// Whether EvaluateNode has a kernel for this op type (at some opset).
bool HasKernel(absl::string_view op_type);

/// Sorted list of supported op types.
std::vector<std::string> SupportedOps();

/// Runs a whole graph, one sample at a time.
class Interpreter {
 public:
  /// The graph must outlive the interpreter and must not change while it
  /// exists (the execution plan is computed here, once). A graph whose
  /// nodes are not topologically sorted makes Run fail with
  /// FailedPrecondition.
  explicit Interpreter(const Graph& g);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  /// Feeds graph inputs in order; returns graph outputs in order. Each
  /// intermediate tensor is released right after its last use, so peak
  /// memory is one sample's live activations. Input dtypes and known dims
  /// are checked against the graph's declared input types. Kernels may
  /// cache data derived from initializers (e.g. packed weights) in the
  /// plan, so one Interpreter must not Run on two threads at once; use one
  /// Interpreter per thread.
  absl::StatusOr<std::vector<Tensor>> Run(absl::Span<const Tensor> inputs);

  /// Optional: called for every (named) node output right after it is
  /// computed, in node order. Calibration observers use this.
  void set_observer(std::function<void(const Value&, const Tensor&)> fn) {
    observer_ = std::move(fn);
  }

 private:
  // Execution plan: every Value gets a slot; nodes read and write slots.
  struct Step {
    const Node* node;
    std::vector<int> inputs;                      // slot per input, -1 for omitted
    std::vector<int> outputs;                     // slot per output, -1 for omitted
    std::vector<int> release;                     // slots whose last use is this step
    std::vector<bool> constant;                   // per input: same tensor every run?
    std::unique_ptr<kernels::KernelState> state;  // kernel's cached data
    // Every input is an initializer or another hoisted step's output (e.g.
    // DequantizeLinear of a weight): computed once, on the first Run.
    bool hoisted = false;
  };

  // Evaluates the hoisted steps into constants_ (first Run only).
  absl::Status EvaluateHoisted();
  // Runs `step`'s kernel on its input slots.
  absl::StatusOr<std::vector<Tensor>> EvaluateStep(Step& step, const std::vector<Tensor>& slots);

  const Graph& graph_;
  int64_t opset_;
  absl::Status plan_error_;  // a graph the plan cannot run (returned by Run)
  int num_slots_ = 0;
  std::vector<std::pair<int, Tensor>> constants_;  // initializer and hoisted slots
  bool hoisted_done_ = false;
  std::vector<int> input_slots_;
  std::vector<int> output_slots_;
  std::vector<Step> steps_;
  std::function<void(const Value&, const Tensor&)> observer_;
};

}  // namespace quantc

#endif  // QUANTC_IR_INTERPRETER_H_
