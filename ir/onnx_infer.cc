#include "ir/onnx_infer.h"

#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "onnx/defs/schema.h"
#include "onnx/defs/shape_inference.h"
#include "onnx/shape_inference/implementation.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

using TypeMap = std::unordered_map<std::string, onnx::TypeProto*>;

std::string NodeLabel(const onnx::NodeProto& n, int index) {
  std::string name = n.name().empty() ? absl::StrCat("#", index) : n.name();
  return absl::StrCat("node '", name, "' (", n.op_type(), ")");
}

// Rank of input `i` of `n` as known so far, or -1.
int InputRank(const onnx::NodeProto& n, int i, const TypeMap& types) {
  if (i >= n.input_size()) return -1;
  auto it = types.find(n.input(i));
  if (it == types.end() || !it->second->has_tensor_type() ||
      !it->second->tensor_type().has_shape()) {
    return -1;
  }
  return it->second->tensor_type().shape().dim_size();
}

const onnx::AttributeProto* Attr(const onnx::NodeProto& n, const char* name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

absl::Status Refuse(const std::string& what) { return absl::InvalidArgumentError(what); }

// Attribute `name`, when present, has `size` entries (size < 0: any) that
// are all >= `min`.
absl::Status CheckInts(const onnx::NodeProto& n, const char* name, int size, int64_t min) {
  const onnx::AttributeProto* a = Attr(n, name);
  if (a == nullptr) return absl::OkStatus();
  if (size >= 0 && a->ints_size() != size) {
    return Refuse(absl::StrCat("attribute '", name, "' has ", a->ints_size(), " entries, ", size,
                               " expected for this input rank"));
  }
  for (int64_t v : a->ints()) {
    if (v < min) {
      return Refuse(absl::StrCat("attribute '", name, "' [", absl::StrJoin(a->ints(), ","),
                                 "] has an entry below ", min));
    }
  }
  return absl::OkStatus();
}

// The sliding-window ops: ONNX 1.12 divides by strides and dilations and
// indexes the weight's and attributes' dims by the data's rank unchecked.
absl::Status GuardWindow(const onnx::NodeProto& n, const TypeMap& types) {
  const absl::string_view op = n.op_type();  // compares lengths first
  const bool transpose = op == "ConvTranspose";
  const int w_input = op == "QLinearConv" ? 3 : 1;
  const bool has_weight = op == "Conv" || op == "ConvInteger" || op == "QLinearConv" || transpose;
  const int x_rank = InputRank(n, 0, types);
  const int w_rank = has_weight ? InputRank(n, w_input, types) : -1;
  if (x_rank >= 0 && x_rank < 3) {
    return Refuse(absl::StrCat("input X has rank ", x_rank, "; 3 or more expected"));
  }
  if (w_rank >= 0 && w_rank < 3) {
    return Refuse(absl::StrCat("input W has rank ", w_rank, "; 3 or more expected"));
  }
  if (x_rank >= 0 && w_rank >= 0 && x_rank != w_rank) {
    return Refuse(absl::StrCat("input X has rank ", x_rank, " but W has rank ", w_rank));
  }
  const int spatial = x_rank >= 0 ? x_rank - 2 : (w_rank >= 0 ? w_rank - 2 : -1);
  QC_RETURN_IF_ERROR(CheckInts(n, "kernel_shape", spatial, 1));
  QC_RETURN_IF_ERROR(CheckInts(n, "strides", spatial, 1));
  QC_RETURN_IF_ERROR(CheckInts(n, "dilations", spatial, 1));
  QC_RETURN_IF_ERROR(CheckInts(n, "pads", spatial < 0 ? -1 : 2 * spatial, 0));
  if (transpose) {
    QC_RETURN_IF_ERROR(CheckInts(n, "output_padding", spatial, 0));
    const onnx::AttributeProto* os = Attr(n, "output_shape");
    if (os != nullptr && spatial >= 0 && os->ints_size() != spatial &&
        os->ints_size() != spatial + 2) {
      return Refuse(absl::StrCat("attribute 'output_shape' has ", os->ints_size(),
                                 " entries for ", spatial, " spatial dims"));
    }
  }
  if (const onnx::AttributeProto* g = Attr(n, "group"); g != nullptr && g->i() < 1) {
    return Refuse(absl::StrCat("attribute 'group' is ", g->i(), "; 1 or more expected"));
  }
  return absl::OkStatus();
}

// Signal processing ops new in libonnx 1.12 index their input's dims by the
// ranks the spec requires, without checking them.
absl::Status GuardSignal(const onnx::NodeProto& n, const TypeMap& types) {
  const int rank = InputRank(n, 0, types);
  if (n.op_type() == "STFT" && rank >= 0 && rank != 3) {
    return Refuse(absl::StrCat("input signal has rank ", rank, "; 3 expected"));
  }
  if (n.op_type() == "DFT" && rank >= 0) {
    if (rank < 2) return Refuse(absl::StrCat("input has rank ", rank, "; 2 or more expected"));
    const onnx::AttributeProto* axis = Attr(n, "axis");
    const int64_t a = axis ? axis->i() : 1;
    if (a < -rank || a >= rank - 1) {
      return Refuse(absl::StrCat("attribute 'axis' ", a, " is out of range for rank ", rank));
    }
  }
  return absl::OkStatus();
}

// Checks `n` against what its ONNX inference function assumes but does not
// check. Each rule here comes from a crash of libonnx 1.12 that fuzzing
// found (fuzz/corpus/import keeps the inputs).
absl::Status GuardNode(const onnx::NodeProto& n, const TypeMap& types) {
  if (!n.domain().empty() && n.domain() != "ai.onnx") return absl::OkStatus();
  const absl::string_view op = n.op_type();  // compares lengths first
  if (op == "Conv" || op == "ConvInteger" || op == "QLinearConv" || op == "ConvTranspose" ||
      op == "MaxPool" || op == "AveragePool" || op == "LpPool") {
    return GuardWindow(n, types);
  }
  if (op == "STFT" || op == "DFT") return GuardSignal(n, types);
  // Versions 1-6 of these (reachable since opsets 1-6 are upgraded on
  // import) read dims of their inputs unchecked (import_fuzzer,
  // import_run_fuzzer): RNN/GRU/LSTM dims 0 and 1 of X, [seq, batch,
  // input]; Gemm dims 0 and 1 of A and B, which every version requires 2-D.
  if (op == "RNN" || op == "GRU" || op == "LSTM") {
    const int rank = InputRank(n, 0, types);
    if (rank >= 0 && rank != 3) {
      return Refuse(absl::StrCat("input 'X' has rank ", rank, "; 3 expected"));
    }
  }
  if (op == "Gemm") {
    for (int i : {0, 1}) {
      const int rank = InputRank(n, i, types);
      if (rank >= 0 && rank != 2) {
        return Refuse(absl::StrCat("input ", i == 0 ? "'A'" : "'B'", " has rank ", rank,
                                   "; 2 expected"));
      }
    }
  }
  return absl::OkStatus();
}

// The schema of each (domain, op type) at the model's opsets, looked up
// once: the registry's nested maps cost more than the rest of a small node.
// Keys view the nodes' own strings (the graph outlives the cache), so a
// cache hit copies nothing.
class Schemas {
 public:
  explicit Schemas(const std::unordered_map<std::string, int>& opsets) : opsets_(opsets) {}
  const onnx::OpSchema* Get(absl::string_view domain, absl::string_view op) {
    auto [it, added] = cache_.try_emplace(std::make_pair(domain, op), nullptr);
    if (!added) return it->second;
    auto opset = opsets_.find(std::string(domain));
    if (opset != opsets_.end()) {
      it->second = onnx::OpSchemaRegistry::Instance()->GetSchema(
          std::string(op), opset->second, std::string(domain));
    }
    return it->second;
  }

 private:
  const std::unordered_map<std::string, int>& opsets_;
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, const onnx::OpSchema*>
      cache_;
};

// One node: guard, inference function (or function body), merge.
absl::Status InferNode(onnx::NodeProto& n, int index, onnx::GraphProto& g, TypeMap& types,
                       std::unordered_map<std::string, const onnx::TensorProto*>& data,
                       Schemas& schemas, onnx::shape_inference::SymbolTableImpl& symbols,
                       onnx::shape_inference::GraphInferenceContext& graph_ctx) {
  const onnx::OpSchema* schema =
      schemas.Get(n.domain() == "ai.onnx" ? absl::string_view() : n.domain(), n.op_type());
  if (schema == nullptr) return absl::OkStatus();  // e.g. quantc's own ops
  const auto* registry = onnx::OpSchemaRegistry::Instance();
  if (absl::Status st = GuardNode(n, types); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(NodeLabel(n, index), ": ", st.message()));
  }
  if (n.op_type() == "Constant" && n.output_size() == 1) {
    for (const auto& a : n.attribute()) {
      if (a.name() == "value" && a.has_t()) data[n.output(0)] = &a.t();
    }
  }
  onnx::shape_inference::InferenceContextImpl ctx(n, types, data, {}, nullptr, &graph_ctx);
  try {
    if (schema->has_type_and_shape_inference_function()) {
      schema->GetTypeAndShapeInferenceFunction()(ctx);
    } else if (schema->HasFunction()) {
      onnx::shape_inference::InferShapeForFunctionNode(*schema->GetFunction(), registry, ctx, {},
                                                       {}, &symbols);
    } else {
      return absl::OkStatus();
    }
  } catch (const onnx::InferenceError&) {
    // InferShapes' error_mode 0: the outputs just stay untyped.
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(NodeLabel(n, index), ": ONNX shape inference: ", e.what()));
  }
  for (int i = 0; i < n.output_size(); ++i) {
    if (n.output(i).empty()) continue;
    onnx::TypeProto* inferred = ctx.getOutputType(i);
    if (inferred->value_case() == onnx::TypeProto::VALUE_NOT_SET) continue;
    try {
      onnx::shape_inference::MaterializeSymbolicShape(inferred, symbols);
      onnx::TypeProto*& existing = types[n.output(i)];
      if (existing == nullptr) {
        auto* vi = g.add_value_info();
        vi->set_name(n.output(i));
        existing = vi->mutable_type();
      }
      onnx::shape_inference::mergeShapesAndTypes(*inferred, existing);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(NodeLabel(n, index), ": output '",
                                                     n.output(i), "': ", e.what()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InferShapesGuarded(onnx::ModelProto& m) {
  onnx::GraphProto& g = *m.mutable_graph();
  std::unordered_map<std::string, int> opsets;
  for (const auto& op : m.opset_import()) {
    opsets[op.domain() == "ai.onnx" ? "" : op.domain()] = static_cast<int>(op.version());
  }
  TypeMap types;
  types.reserve(g.value_info_size() + g.output_size() + g.input_size() + g.initializer_size() +
                g.node_size());
  std::deque<onnx::TypeProto> initializer_types;  // stable addresses
  std::unordered_map<std::string, const onnx::TensorProto*> data;
  for (auto& vi : *g.mutable_value_info()) types[vi.name()] = vi.mutable_type();
  for (auto& vi : *g.mutable_output()) types[vi.name()] = vi.mutable_type();
  // Unlike InferShapes, a graph input's own declaration wins over an output
  // or value_info entry of the same name: it is what the caller feeds, and
  // the type quantc's graph keeps (a looser output declaration let a node
  // escape checks on import that quantc's own export then failed; found by
  // fuzz/import_fuzzer).
  std::unordered_set<std::string> inputs;
  for (auto& vi : *g.mutable_input()) {
    types[vi.name()] = vi.mutable_type();
    inputs.insert(vi.name());
  }
  for (const auto& t : g.initializer()) {
    data[t.name()] = &t;
    if (inputs.count(t.name())) continue;
    onnx::TypeProto& type = initializer_types.emplace_back();
    type.mutable_tensor_type()->set_elem_type(t.data_type());
    auto* shape = type.mutable_tensor_type()->mutable_shape();
    for (int64_t d : t.dims()) shape->add_dim()->set_dim_value(d);
    types[t.name()] = &type;
  }
  onnx::shape_inference::SymbolTableImpl symbols;
  symbols.addFromGraph(g);
  const std::unordered_map<std::string, onnx::TypeProto*> outer;
  onnx::shape_inference::GraphInferenceContext graph_ctx(outer, opsets, &symbols, {},
                                                         onnx::OpSchemaRegistry::Instance(),
                                                         nullptr, static_cast<int>(m.ir_version()));
  Schemas schemas(opsets);
  for (int i = 0; i < g.node_size(); ++i) {
    QC_RETURN_IF_ERROR(InferNode(*g.mutable_node(i), i, g, types, data, schemas, symbols, graph_ctx));
  }
  return absl::OkStatus();
}

}  // namespace quantc
