// fold_constants: evaluates initializer-only subgraphs at compile time, such
// as the Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains PyTorch
// exports around Flatten/view.
//
//   Before:  %s = Shape(%x: f32[1,16,4,4]);  %n = Gather(%s, %zero);
//            %shape = Concat(%n, %minus1);    %y = Reshape(%x, %shape)
//   After:   const %shape: i64[2] [1, -1];    %y = Reshape(%x, %shape)
//
// Math: each folded node is computed by the reference interpreter's kernel
// (ir/interpreter.h), i.e. exactly the ONNX operator semantics, so folding
// never changes results. Shape is folded from the static type alone (its
// input need not be constant). Nodes are visited in topological order, so a
// whole chain folds in one run. Not folded: non-deterministic ops (Random*),
// nodes producing graph outputs (the model's public outputs stay computed),
// ops without a kernel, results over FoldConstantsOptions's size cap, and
// DequantizeLinear (a quantized weight of a QDQ model stays quantized).
// The cap is checked before evaluating whenever the result's size is known
// beforehand (static output types, or ConstantOfShape's shape input), so a
// ConstantOfShape of 2^31 doubles is refused without allocating 16 GiB.
// The folded nodes become dead and are deleted by remove_dead_nodes.
#include "passes/fold_constants.h"

#include <optional>

#include "absl/strings/match.h"
#include "ir/interpreter.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

bool ProducesGraphOutput(const Graph& graph, const Node& n) {
  for (const Value* out : n.outputs()) {
    if (graph.IsGraphOutput(out)) return true;
  }
  return false;
}

bool AllOutputsUnused(const Node& n) {
  for (const Value* out : n.outputs()) {
    if (!out->uses().empty()) return false;
  }
  return true;
}

// Shape(x) with a static shape for x: the values are known without x.
std::optional<Tensor> FoldShape(const Graph& graph, const Node& n) {
  if (n.op_type() != "Shape" || !n.input(0)) return std::nullopt;
  std::optional<std::vector<int64_t>> dims = n.input(0)->type().StaticDims();
  if (!dims) return std::nullopt;
  int64_t rank = static_cast<int64_t>(dims->size());
  int64_t start = 0, end = rank;
  if (graph.opset() >= 15) {
    start = n.GetInt("start", 0);
    end = n.GetInt("end", rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, start, rank);
  }
  std::vector<int64_t> slice(dims->begin() + start, dims->begin() + end);
  return Tensor::FromVector<int64_t>({static_cast<int64_t>(slice.size())}, slice);
}

// a * b, saturating at INT64_MAX instead of overflowing (sizes from a file).
int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

// The bytes `n`'s results will take, known before evaluating it: from the
// outputs' static types, or for ConstantOfShape from its (constant) shape
// input and value attribute. nullopt when unknown.
std::optional<int64_t> ResultBytesBeforehand(const Node& n) {
  int64_t total = 0;
  bool all_static = true;
  for (const Value* out : n.outputs()) {
    std::optional<std::vector<int64_t>> dims = out->type().StaticDims();
    if (!dims || out->type().dtype == DType::kUndefined) {
      all_static = false;
      break;
    }
    int64_t bytes = static_cast<int64_t>(DTypeSize(out->type().dtype));
    for (int64_t d : *dims) bytes = SaturatingMul(bytes, d);
    total = bytes > INT64_MAX - total ? INT64_MAX : total + bytes;
  }
  if (all_static) return total;
  if (n.op_type() != "ConstantOfShape" || !n.input(0) || !n.input(0)->is_initializer()) {
    return std::nullopt;
  }
  const Attribute* value = n.FindAttr("value");
  int64_t bytes = static_cast<int64_t>(
      DTypeSize(value && value->kind == Attribute::Kind::kTensor ? value->t.dtype() : DType::kFloat32));
  const Tensor& shape = n.input(0)->initializer();
  for (int64_t i = 0; i < shape.num_elements(); ++i) {
    bytes = SaturatingMul(bytes, std::max<int64_t>(0, static_cast<int64_t>(shape.GetAsDouble(i))));
  }
  return bytes;
}

bool IsFoldable(const Graph& graph, const Node& n) {
  if (!n.domain().empty() || absl::StartsWith(n.op_type(), "Random")) return false;
  // A DequantizeLinear of a constant is how a QDQ model stores a quantized
  // weight: folding it would turn the integers back into floats.
  if (n.op_type() == "DequantizeLinear") return false;
  if (n.op_type() == "Multinomial" || ProducesGraphOutput(graph, n) || AllOutputsUnused(n)) {
    return false;
  }
  for (const Value* in : n.inputs()) {
    if (in && !in->is_initializer()) return false;
  }
  return HasKernel(n.op_type());
}

}  // namespace

absl::StatusOr<bool> FoldConstantsPass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes().ToVector()) {
    if (ProducesGraphOutput(graph, *n) || AllOutputsUnused(*n)) continue;
    std::vector<Tensor> results;
    if (std::optional<Tensor> shape = FoldShape(graph, *n)) {
      results.push_back(*std::move(shape));
    } else if (IsFoldable(graph, *n)) {
      std::vector<const Tensor*> inputs;
      int64_t input_bytes = 0;
      for (const Value* in : n->inputs()) {
        inputs.push_back(in ? &in->initializer() : nullptr);
        if (in) input_bytes += static_cast<int64_t>(in->initializer().num_bytes());
      }
      auto too_big = [&](int64_t bytes) {
        return bytes > options_.max_result_bytes && bytes > input_bytes;
      };
      std::optional<int64_t> expected = ResultBytesBeforehand(*n);
      if (expected && too_big(*expected)) continue;
      QC_ASSIGN_OR_RETURN(results, EvaluateNode(*n, inputs, graph.opset()));
      int64_t out_bytes = 0;
      for (const Tensor& t : results) out_bytes += static_cast<int64_t>(t.num_bytes());
      if (too_big(out_bytes)) continue;
    } else {
      continue;
    }
    for (int i = 0; i < n->num_outputs(); ++i) {
      Value* out = n->output(i);
      if (out->uses().empty() || i >= static_cast<int>(results.size())) continue;
      Value* c = graph.AddInitializer(out->name() + "_folded", results[i]);
      graph.ReplaceAllUsesWith(out, c);
      changed = true;
    }
  }
  return changed;
}

}  // namespace quantc
