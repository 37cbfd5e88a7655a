// ONNX import: validation happens here, once, so that every later stage can
// trust the Graph. Order: parse -> opset/domain/feature checks (quantc's
// clear "unsupported" errors) -> external data -> structural checks with
// node-naming messages (undefined inputs, duplicate definitions, cycles) ->
// [opsets 1-6: checker, then ONNX's version converter to opset 7] ->
// ONNX checker -> ONNX shape inference -> Graph construction.
#include "ir/onnx_import.h"

#include <functional>
#include <queue>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/contrib_ops.h"
#include "ir/onnx_export.h"
#include "ir/onnx_external_data.h"
#include "ir/onnx_infer.h"
#include "ir/onnx_proto_util.h"
#include "ir/onnx_upgrade.h"
#include "ir/verifier.h"
#include "onnx/checker.h"
#include "onnx/common/version.h"
#include "onnx/defs/parser.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

std::string NodeLabel(const onnx::NodeProto& n, int index) {
  std::string name = n.name().empty() ? absl::StrCat("#", index) : n.name();
  return absl::StrCat("node '", name, "' (", n.op_type(), ")");
}

bool IsDefaultDomain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

// quantc's own dialect (observer nodes between passes). It is accepted on
// import so pass tests can start from any pipeline stage; it never appears
// in a model quantc exports.
constexpr char kQuantcDomain[] = "quantc";

absl::Status CheckOpsets(const onnx::ModelProto& m) {
  bool has_default = false;
  // A domain imported twice has no one version: the checker, the upgrade
  // and the graph would each pick their own (found by fuzzing).
  absl::flat_hash_map<std::string, int64_t> seen;
  for (const auto& op : m.opset_import()) {
    const std::string domain = IsDefaultDomain(op.domain()) ? "ai.onnx" : op.domain();
    if (auto [it, added] = seen.emplace(domain, op.version()); !added) {
      return absl::InvalidArgumentError(absl::StrCat("the model imports ", domain,
                                                     " twice (opsets ", it->second, " and ",
                                                     op.version(), ")"));
    }
    if (IsDefaultDomain(op.domain())) {
      has_default = true;
      // Opsets 1 to kMinOpset - 1 are upgraded after the checker has seen
      // the model as written (UpgradeOldOpset).
      if (op.version() < 1 || op.version() > kMaxOpset) {
        return absl::UnimplementedError(absl::StrCat("ai.onnx opset ", op.version(),
                                                     " is not supported (quantc handles 1 to ",
                                                     kMaxOpset, "; below ", kMinOpset,
                                                     " upgraded to ", kMinOpset, ")"));
      }
    } else if (op.domain() != "ai.onnx.ml" && op.domain() != "ai.onnx.preview.training" &&
               op.domain() != kQuantcDomain && op.domain() != kMicrosoftDomain) {
      return absl::UnimplementedError(
          absl::StrCat("operator domain '", op.domain(), "' is not supported"));
    }
  }
  if (!has_default) return absl::InvalidArgumentError("the model imports no ai.onnx opset");
  return absl::OkStatus();
}

absl::Status CheckNodesSupported(const onnx::GraphProto& g) {
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    if (n.domain() == kMicrosoftDomain && !IsContribQuantizedOp(n.op_type())) {
      return absl::UnimplementedError(absl::StrCat(
          NodeLabel(n, i), ": ONNX Runtime contrib operator '", n.op_type(),
          "' is not supported (of domain com.microsoft quantc imports only the quantized "
          "QOperator ops it rewrites to QuantizeLinear/DequantizeLinear form)"));
    }
    if (!IsDefaultDomain(n.domain()) && n.domain() != kQuantcDomain &&
        n.domain() != kMicrosoftDomain) {
      return absl::UnimplementedError(absl::StrCat(NodeLabel(n, i), ": operator domain '",
                                                   n.domain(), "' is not supported"));
    }
    for (const auto& a : n.attribute()) {
      if (a.has_g() || a.graphs_size() > 0) {
        return absl::UnimplementedError(absl::StrCat(
            NodeLabel(n, i), ": control flow (graph attribute '", a.name(),
            "') is not supported"));
      }
      if (a.has_sparse_tensor() || a.sparse_tensors_size() > 0 || a.has_tp() ||
          a.type_protos_size() > 0) {
        return absl::UnimplementedError(absl::StrCat(NodeLabel(n, i), ": attribute '",
                                                     a.name(), "' has an unsupported kind"));
      }
    }
  }
  if (g.sparse_initializer_size() > 0) {
    return absl::UnimplementedError("sparse initializers are not supported");
  }
  for (const auto& vi : g.input()) {
    if (!vi.type().has_tensor_type()) {
      return absl::UnimplementedError(
          absl::StrCat("graph input '", vi.name(), "' is not a plain tensor"));
    }
  }
  for (const auto& vi : g.output()) {
    if (!vi.type().has_tensor_type()) {
      return absl::UnimplementedError(
          absl::StrCat("graph output '", vi.name(), "' is not a plain tensor"));
    }
  }
  return absl::OkStatus();
}

// "initializer 'w' (read by node 'conv1' (Conv))": errors about a graph
// input or initializer also name a node that reads it. Only built on the
// error path (it scans the nodes).
std::string ValueLabel(const onnx::GraphProto& g, const std::string& kind,
                       const std::string& name) {
  std::string label = absl::StrCat(kind, " '", name, "'");
  for (int i = 0; i < g.node_size(); ++i) {
    for (const auto& in : g.node(i).input()) {
      if (in == name) return absl::StrCat(label, " (read by ", NodeLabel(g.node(i), i), ")");
    }
  }
  return label;
}

absl::Status LoadAllExternal(onnx::GraphProto& g, const ExternalRoots& roots) {
  for (auto& t : *g.mutable_initializer()) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) continue;
    QC_RETURN_IF_ERROR(LoadExternal(t, roots, ValueLabel(g, "initializer", t.name())));
  }
  for (int i = 0; i < g.node_size(); ++i) {
    for (auto& a : *g.mutable_node(i)->mutable_attribute()) {
      if (!a.has_t()) continue;
      const std::string label =
          absl::StrCat(NodeLabel(g.node(i), i), ": attribute '", a.name(), "'");
      QC_RETURN_IF_ERROR(LoadExternal(*a.mutable_t(), roots, label));
    }
  }
  return absl::OkStatus();
}

// "node 'conv1' (Conv): output 'y'" for the node that produces `name`, or
// "value 'y'" (error path only: it scans the nodes).
std::string ProducedLabel(const onnx::GraphProto& g, const std::string& name) {
  for (int i = 0; i < g.node_size(); ++i) {
    for (const auto& out : g.node(i).output()) {
      if (out == name) return absl::StrCat(NodeLabel(g.node(i), i), ": output '", name, "'");
    }
  }
  return absl::StrCat("value '", name, "'");
}

absl::Status CheckTensorHeader(const onnx::TensorProto& t) {
  QC_ASSIGN_OR_RETURN(const DType dt, DTypeFromCode(t.data_type()));
  return CheckShape(dt, std::vector<int64_t>(t.dims().begin(), t.dims().end())).status();
}

// A graph input's declared type against the initializer of the same name:
// same element type (when declared) and, when a shape is declared, the same
// rank and every known dim.
absl::Status InitializerAgrees(const onnx::TypeProto& declared, const onnx::TensorProto& t) {
  const auto& tt = declared.tensor_type();
  bool agrees = tt.elem_type() == 0 || tt.elem_type() == t.data_type();
  if (agrees && tt.has_shape()) {
    agrees = tt.shape().dim_size() == t.dims_size();
    for (int i = 0; agrees && i < t.dims_size(); ++i) {
      const auto& d = tt.shape().dim(i);
      agrees = !d.has_dim_value() || d.dim_value() == t.dims(i);
    }
  }
  if (agrees) return absl::OkStatus();
  absl::StatusOr<DType> dt = DTypeFromCode(t.data_type());
  return absl::InvalidArgumentError(absl::StrCat(
      "its declared type differs from its initializer's (",
      dt.ok() ? DTypeName(*dt) : absl::StrCat("element type ", t.data_type()), "[",
      absl::StrJoin(t.dims(), ","), "])"));
}

// Element types and shapes as the file declares them, checked before the
// ONNX checker and shape inference see the model: quantc's messages name
// the value and its node, and no third-party code is handed shapes no
// tensor could have.
absl::Status CheckDeclaredTypes(const onnx::GraphProto& g) {
  // Labels scan the graph, so they are built only for an error.
  auto fail = [](const absl::Status& st, const std::string& label) {
    return absl::Status(st.code(), absl::StrCat(label, ": ", st.message()));
  };
  for (const auto& t : g.initializer()) {
    if (absl::Status st = CheckTensorHeader(t); !st.ok()) {
      return fail(st, ValueLabel(g, "initializer", t.name()));
    }
  }
  for (int i = 0; i < g.node_size(); ++i) {
    for (const auto& a : g.node(i).attribute()) {
      absl::Status st = a.has_t() ? CheckTensorHeader(a.t()) : absl::OkStatus();
      for (const auto& t : a.tensors()) {
        if (st.ok()) st = CheckTensorHeader(t);
      }
      if (!st.ok()) {
        return fail(st, absl::StrCat(NodeLabel(g.node(i), i), ": attribute '", a.name(), "'"));
      }
    }
  }
  absl::flat_hash_map<absl::string_view, const onnx::TensorProto*> initializers;
  initializers.reserve(g.initializer_size());
  for (const auto& t : g.initializer()) initializers.emplace(t.name(), &t);
  for (const auto& vi : g.input()) {
    absl::Status st = TypeFromProto(vi.type()).status();
    // IR < 4 lists initializers among the inputs too: the declaration must
    // agree with the data, or shape inference types the value one way and
    // the graph holds it another (import_fuzzer).
    if (auto it = initializers.find(vi.name()); st.ok() && it != initializers.end()) {
      st = InitializerAgrees(vi.type(), *it->second);
    }
    // A graph input is fed by the caller: without an element type nothing
    // can check what it is given (IR < 4 inputs that are initializers
    // take the initializer's type).
    if (st.ok() && vi.type().tensor_type().elem_type() == 0 && !initializers.contains(vi.name())) {
      st = absl::InvalidArgumentError("has no element type");
    }
    if (!st.ok()) return fail(st, ValueLabel(g, "graph input", vi.name()));
  }
  for (const auto* list : {&g.output(), &g.value_info()}) {
    for (const auto& vi : *list) {
      if (absl::Status st = TypeFromProto(vi.type()).status(); !st.ok()) {
        return fail(st, ProducedLabel(g, vi.name()));
      }
    }
  }
  return absl::OkStatus();
}

// Finds undefined inputs, double definitions and cycles, and sorts the nodes
// topologically (stable) in place. The ONNX checker finds these too, but
// with messages that do not say which node is wrong.
absl::Status CheckAndSortNodes(onnx::GraphProto& g) {
  // value -> node index, -1 = input/init; keys view the proto's strings
  // (SwapElements below moves element pointers, not strings).
  absl::flat_hash_map<absl::string_view, int> producer;
  producer.reserve(g.initializer_size() + g.input_size() + g.node_size());
  // An initializer may also be listed as a graph input (IR < 4); a name
  // listed twice among them is left to the ONNX checker.
  for (const auto& t : g.initializer()) producer.emplace(t.name(), -1);
  for (const auto& vi : g.input()) producer.emplace(vi.name(), -1);
  for (int i = 0; i < g.node_size(); ++i) {
    for (const auto& out : g.node(i).output()) {
      if (!out.empty() && !producer.emplace(out, i).second) {
        return absl::InvalidArgumentError(absl::StrCat(NodeLabel(g.node(i), i), ": value '", out,
                                                       "' is defined more than once"));
      }
    }
  }
  std::vector<int> pending(g.node_size(), 0);
  // (producer, user) edges, then grouped by producer below (one array for
  // all nodes' user lists, not a vector per node).
  std::vector<std::pair<int, int>> edges;
  edges.reserve(g.node_size());
  // marked[p] == i: node p is already counted as a predecessor of node i
  // (O(1) per input however many inputs a node has).
  std::vector<int> marked(g.node_size(), -1);
  for (int i = 0; i < g.node_size(); ++i) {
    for (const auto& in : g.node(i).input()) {
      if (in.empty()) continue;
      auto it = producer.find(in);
      if (it == producer.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            NodeLabel(g.node(i), i), ": input '", in,
            "' is not defined by any node, graph input or initializer"));
      }
      if (it->second >= 0 && marked[it->second] != i) {
        marked[it->second] = i;
        edges.emplace_back(it->second, i);
        ++pending[i];
      }
    }
  }
  for (const auto& vi : g.output()) {
    if (!producer.contains(vi.name())) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph output '", vi.name(), "' is not defined by any node"));
    }
  }
  std::vector<int> first_user(g.node_size() + 1, 0), users(edges.size());
  for (const auto& [p, u] : edges) ++first_user[p + 1];
  for (int i = 0; i < g.node_size(); ++i) first_user[i + 1] += first_user[i];
  {
    std::vector<int> fill(first_user.begin(), first_user.end() - 1);
    for (const auto& [p, u] : edges) users[fill[p]++] = u;
  }
  // Stable Kahn: repeatedly take the lowest-index ready node (a min-heap,
  // so a wide graph costs O(n log n), not O(n^2)).
  std::vector<int> order;
  order.reserve(g.node_size());
  std::vector<bool> done(g.node_size(), false);
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < g.node_size(); ++i) if (pending[i] == 0) ready.push(i);
  while (!ready.empty()) {
    const int i = ready.top();
    ready.pop();
    order.push_back(i);
    done[i] = true;
    for (int k = first_user[i]; k < first_user[i + 1]; ++k) {
      if (--pending[users[k]] == 0) ready.push(users[k]);
    }
  }
  if (static_cast<int>(order.size()) != g.node_size()) {
    for (int i = 0; i < g.node_size(); ++i) {
      if (!done[i]) {
        return absl::InvalidArgumentError(
            absl::StrCat(NodeLabel(g.node(i), i), ": the graph has a cycle through this node"));
      }
    }
  }
  bool sorted = std::is_sorted(order.begin(), order.end());
  if (!sorted) {
    // Permute in place by swapping element pointers: no copies, and safe
    // for messages on an arena.
    google::protobuf::RepeatedPtrField<onnx::NodeProto>& field = *g.mutable_node();
    std::vector<int> position(order.size()), at(order.size());  // node <-> index
    for (size_t k = 0; k < order.size(); ++k) position[k] = at[k] = static_cast<int>(k);
    for (size_t k = 0; k < order.size(); ++k) {
      const int from = position[order[k]];
      if (from == static_cast<int>(k)) continue;
      field.SwapElements(static_cast<int>(k), from);
      const int displaced = at[k];
      position[displaced] = from;
      at[from] = displaced;
      position[order[k]] = static_cast<int>(k);
      at[k] = order[k];
    }
  }
  return absl::OkStatus();
}

// ONNX data types quantc has no Tensor for, named for messages.
std::string DataTypeName(int32_t t) {
  switch (t) {
    case 17: return "FLOAT8E4M3FN (17)";
    case 18: return "FLOAT8E4M3FNUZ (18)";
    case 19: return "FLOAT8E5M2 (19)";
    case 20: return "FLOAT8E5M2FNUZ (20)";
    case 21: return "UINT4 (21)";
    case 22: return "INT4 (22)";
    case 14: return "COMPLEX64 (14)";
    case 15: return "COMPLEX128 (15)";
    default: return absl::StrCat(t);
  }
}

// A tensor of a type quantc cannot hold (float8, int4, complex, ...): an
// Unimplemented error naming the first node that reads it, so a quantized
// model with, say, a float8 zero point says which QuantizeLinear is at
// fault. Runs before the ONNX checker, whose message names only the tensor.
// Codes that are no ONNX type at all are left to CheckDeclaredTypes.
bool IsUnsupportedDataType(int32_t t) {
  return DTypeFromCode(t).status().code() == absl::StatusCode::kUnimplemented;
}

absl::Status CheckDataTypes(const onnx::GraphProto& g) {
  absl::flat_hash_map<std::string, int32_t> unknown;  // value -> data type
  auto note = [&](const std::string& name, int32_t t) {
    if (IsUnsupportedDataType(t)) unknown.emplace(name, t);
  };
  for (const auto& t : g.initializer()) note(t.name(), t.data_type());
  for (const auto& vi : g.input()) note(vi.name(), vi.type().tensor_type().elem_type());
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    for (const auto& a : n.attribute()) {
      if (a.has_t() && IsUnsupportedDataType(a.t().data_type())) {
        return absl::UnimplementedError(absl::StrCat(NodeLabel(n, i), ": attribute '", a.name(),
                                                     "' has data type ", DataTypeName(a.t().data_type()),
                                                     ", which quantc does not support"));
      }
    }
    for (int k = 0; k < n.input_size(); ++k) {
      auto it = unknown.find(n.input(k));
      if (it == unknown.end()) continue;
      const bool qdq = n.op_type() == "QuantizeLinear" || n.op_type() == "DequantizeLinear";
      const char* role = !qdq ? "input" : k == 1 ? "scale" : k == 2 ? "zero point" : "input";
      return absl::UnimplementedError(absl::StrCat(
          NodeLabel(n, i), ": ", role, " '", n.input(k), "' has data type ",
          DataTypeName(it->second), ", which quantc does not support",
          qdq ? " (quantized types: int8, uint8; int32 for a bias)" : ""));
    }
  }
  return absl::OkStatus();
}

absl::Status RunOnnxChecks(onnx::ModelProto& m) {
  try {
    onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("ONNX checker: ", e.what()));
  }
  // Node by node, each node checked first: libonnx's inference functions
  // trust their inputs (ir/onnx_infer.h).
  return InferShapesGuarded(m);
}

Attribute AttrFromProto(const onnx::AttributeProto& a, absl::Status& st) {
  Attribute out;
  out.name = a.name();
  using P = onnx::AttributeProto;
  auto tensor = [&](const onnx::TensorProto& t) {
    auto r = TensorFromProto(t);
    if (!r.ok()) {
      st = absl::Status(r.status().code(),
                        absl::StrCat("attribute '", a.name(), "' ", r.status().message()));
      return Tensor();
    }
    return *r;
  };
  switch (a.type()) {
    case P::FLOAT: out.kind = Attribute::Kind::kFloat; out.f = a.f(); break;
    case P::INT: out.kind = Attribute::Kind::kInt; out.i = a.i(); break;
    case P::STRING: out.kind = Attribute::Kind::kString; out.s = a.s(); break;
    case P::TENSOR: out.kind = Attribute::Kind::kTensor; out.t = tensor(a.t()); break;
    case P::FLOATS:
      out.kind = Attribute::Kind::kFloats;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case P::INTS:
      out.kind = Attribute::Kind::kInts;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case P::STRINGS:
      out.kind = Attribute::Kind::kStrings;
      out.strings.assign(a.strings().begin(), a.strings().end());
      break;
    case P::TENSORS:
      out.kind = Attribute::Kind::kTensors;
      for (const auto& t : a.tensors()) out.tensors.push_back(tensor(t));
      break;
    default:
      st = absl::UnimplementedError(
          absl::StrCat("attribute '", a.name(), "' has an unsupported kind"));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Graph>> BuildGraph(const onnx::ModelProto& m) {
  const onnx::GraphProto& g = m.graph();
  auto graph = std::make_unique<Graph>();
  graph->set_name(g.name());
  ModelInfo& info = graph->info();
  info.ir_version = m.ir_version();
  for (const auto& op : m.opset_import()) {
    info.opsets[IsDefaultDomain(op.domain()) ? "" : op.domain()] = op.version();
  }
  info.producer_name = m.producer_name();
  info.producer_version = m.producer_version();
  info.domain = m.domain();
  info.model_version = m.model_version();
  info.doc_string = m.doc_string();
  for (const auto& kv : m.metadata_props()) info.metadata.emplace_back(kv.key(), kv.value());

  // Keys view strings of the proto or of the graph's values, which both
  // outlive this function: no name is copied to be looked up.
  absl::flat_hash_map<absl::string_view, Value*> values;
  values.reserve(g.initializer_size() + g.input_size() + g.node_size());
  graph->ReserveNames(g.initializer_size() + g.input_size() + g.node_size(), g.node_size());
  // Types are converted (and checked) only for values a node produces, so
  // the message can name the node; value_info about nothing is ignored.
  absl::flat_hash_map<absl::string_view, const onnx::TypeProto*> types;
  types.reserve(g.value_info_size() + g.output_size());
  for (const auto& vi : g.value_info()) types[vi.name()] = &vi.type();
  for (const auto& vi : g.output()) types[vi.name()] = &vi.type();

  for (const auto& t : g.initializer()) {
    auto tensor = TensorFromProto(t);
    if (!tensor.ok()) {
      return absl::Status(tensor.status().code(),
                          absl::StrCat(ValueLabel(g, "initializer", t.name()), ": ",
                                       tensor.status().message()));
    }
    values[t.name()] = graph->AddInitializer(t.name(), *std::move(tensor));
  }
  for (const auto& vi : g.input()) {
    // IR < 4 lists initializers as inputs too; they stay constants here and
    // the exporter lists them again for such models.
    if (values.contains(vi.name())) continue;
    absl::StatusOr<TensorType> type = TypeFromProto(vi.type());
    if (!type.ok()) {
      return absl::Status(type.status().code(),
                          absl::StrCat(ValueLabel(g, "graph input", vi.name()), ": ",
                                       type.status().message()));
    }
    values[vi.name()] = graph->AddInput(vi.name(), *std::move(type));
  }
  // Reused from node to node (one allocation each, not one per node).
  std::vector<Value*> inputs;
  std::vector<std::string> outs;
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& np = g.node(i);
    inputs.clear();
    for (const auto& in : np.input()) inputs.push_back(in.empty() ? nullptr : values.at(in));
    outs.assign(np.output().begin(), np.output().end());
    Node* n = graph->AddNode(np.op_type(), inputs, outs, nullptr, np.name(),
                             IsDefaultDomain(np.domain()) ? "" : np.domain());
    absl::Status st;
    for (const auto& a : np.attribute()) {
      n->SetAttr(AttrFromProto(a, st));
      if (!st.ok()) return absl::Status(st.code(), absl::StrCat(NodeLabel(np, i), ": ", st.message()));
    }
    for (Value* out : n->outputs()) {
      if (out->name().empty()) continue;
      values[out->name()] = out;
      auto it = types.find(out->name());
      if (it == types.end()) continue;
      absl::StatusOr<TensorType> type = TypeFromProto(*it->second);
      if (!type.ok()) {
        return absl::Status(type.status().code(),
                            absl::StrCat(NodeLabel(np, i), ": output '", out->name(), "': ",
                                         type.status().message()));
      }
      out->set_type(*std::move(type));
    }
  }
  for (const auto& vi : g.output()) graph->AddOutput(values.at(vi.name()));
  return graph;
}

// ONNX shape inference stops at quantc's own (identity) nodes; give their
// outputs their input's type and let inference continue downstream. The
// contrib quantized ops get their element type (shapes follow once
// normalize_qoperator has rewritten them into standard ops).
absl::Status TypeQuantcNodes(Graph& g) {
  for (Node* n : g.nodes()) {
    if (n->domain() != kMicrosoftDomain) continue;
    for (Value* out : n->outputs()) {
      if (out->type().dtype != DType::kUndefined) continue;
      TensorType t = out->type();
      t.dtype = ContribOutputType(*n);
      out->set_type(t);
    }
  }
  for (int round = 0; round < 16; ++round) {
    bool changed = false;
    for (Node* n : g.nodes()) {
      if (n->domain() != kQuantcDomain || !n->input(0)) continue;
      Value* out = n->output(0);
      if (out->type().dtype == DType::kUndefined || !out->type().shape) {
        if (n->input(0)->type().dtype != DType::kUndefined) {
          out->set_type(n->input(0)->type());
          changed = true;
        }
      }
    }
    if (!changed) return absl::OkStatus();
    QC_ASSIGN_OR_RETURN(bool inferred, InferTypes(g));
    (void)inferred;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Graph>> ImportProto(onnx::ModelProto& m,
                                                  const ExternalRoots& roots) {
  if (!m.has_graph()) return absl::InvalidArgumentError("the model has no graph");
  QC_RETURN_IF_ERROR(CheckOpsets(m));
  QC_RETURN_IF_ERROR(CheckNodesSupported(m.graph()));
  QC_RETURN_IF_ERROR(CheckDataTypes(m.graph()));
  QC_RETURN_IF_ERROR(CheckDeclaredTypes(m.graph()));
  QC_RETURN_IF_ERROR(LoadAllExternal(*m.mutable_graph(), roots));
  QC_RETURN_IF_ERROR(CheckAndSortNodes(*m.mutable_graph()));
  if (DefaultOpset(m) < kMinOpset) {
    // The converter trusts its input: check the model as written first
    // (ops removed since then first, which the checker only warns about).
    QC_RETURN_IF_ERROR(CheckOpsSurvive(m, kMinOpset));
    QC_RETURN_IF_ERROR(RunOnnxChecks(m));
    QC_RETURN_IF_ERROR(UpgradeOldOpset(m, kMinOpset));
  }
  QC_RETURN_IF_ERROR(RunOnnxChecks(m));
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> g, BuildGraph(m));
  QC_RETURN_IF_ERROR(TypeQuantcNodes(*g));
  // The importer promises a graph the verifier accepts; what the checks
  // above let through (a graph output inference could not type, say) is
  // still bad input, reported as such.
  QC_RETURN_IF_ERROR(VerifyGraph(*g));
  return g;
}

// The folder external data is resolved against: the file's own.
std::string FolderOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

absl::Status Prefixed(const absl::Status& st, const std::string& prefix) {
  return absl::Status(st.code(), absl::StrCat(prefix, ": ", st.message()));
}

// ImportModelBytes with the external-data roots spelled out.
absl::StatusOr<std::unique_ptr<Graph>> ImportBytes(absl::string_view bytes,
                                                   const ExternalRoots& roots,
                                                   const std::string& display_name) {
  if (bytes.empty()) return absl::InvalidArgumentError(absl::StrCat(display_name, ": empty file"));
  // On an arena, the proto of a 200,000-node model is freed at once rather
  // than message by message (a tenth of a big import's time).
  google::protobuf::Arena arena;
  onnx::ModelProto& m = *google::protobuf::Arena::CreateMessage<onnx::ModelProto>(&arena);
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(display_name, ": not a valid ONNX model (protobuf parsing failed)"));
  }
  auto g = ImportProto(m, roots);
  if (!g.ok()) return Prefixed(g.status(), display_name);
  return g;
}

}  // namespace

const char* OnnxLibraryVersion() { return onnx::LAST_RELEASE_VERSION; }

absl::StatusOr<std::unique_ptr<Graph>> ImportModelBytes(absl::string_view bytes,
                                                       const std::string& base_dir,
                                                       const std::string& display_name) {
  return ImportBytes(bytes, RootsFor(base_dir, ""), display_name);
}

absl::StatusOr<std::unique_ptr<Graph>> ImportModelFile(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path, INT32_MAX);
  if (!bytes.ok()) {
    // ReadFile's messages start with the path; keep "cannot open file".
    if (bytes.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
    }
    return bytes.status();
  }
  return ImportBytes(*bytes, RootsFor(FolderOf(path), path), path);
}

absl::StatusOr<std::unique_ptr<Graph>> ImportModelText(absl::string_view text) {
  onnx::ModelProto m;
  auto st = onnx::OnnxParser::Parse(m, std::string(text).c_str());
  if (!st.IsOK()) {
    return absl::InvalidArgumentError(absl::StrCat("ONNX text: ", st.ErrorMessage()));
  }
  auto g = ImportProto(m, ExternalRoots{});
  if (!g.ok()) return Prefixed(g.status(), "ONNX text");
  return g;
}

absl::StatusOr<Tensor> ReadTensorProtoFile(const std::string& path, std::string* name) {
  absl::StatusOr<std::string> read = ReadFile(path, INT32_MAX);
  if (!read.ok()) {
    if (read.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
    }
    return read.status();
  }
  const std::string& bytes = *read;
  onnx::TensorProto t;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !t.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a valid TensorProto (protobuf parsing failed)"));
  }
  // Protobuf happily parses many non-tensor files (an empty file, other
  // messages); a tensor always has a data type.
  if (t.data_type() == onnx::TensorProto::UNDEFINED) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a TensorProto (no data type)"));
  }
  absl::Status st =
      LoadExternal(t, RootsFor(FolderOf(path), path), absl::StrCat("tensor '", t.name(), "'"));
  if (!st.ok()) return Prefixed(st, path);
  // TensorFromProto allocates the tensor before checking its data, and
  // other messages (a SequenceProto, say) can parse as a TensorProto with
  // absurd dims. Every element takes at least one byte of the file or of
  // its external data, which bounds the element count safely.
  uint64_t elements = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || __builtin_mul_overflow(elements, static_cast<uint64_t>(d), &elements)) {
      elements = UINT64_MAX;
      break;
    }
  }
  if (elements > bytes.size() + t.raw_data().size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": tensor '", t.name(), "' has shape [", absl::StrJoin(t.dims(), ","),
        "], more elements than the file holds (is it a sequence or optional?)"));
  }
  auto tensor = TensorFromProto(t);
  if (!tensor.ok()) {
    return absl::Status(tensor.status().code(),
                        absl::StrCat(path, ": tensor '", t.name(), "' ", tensor.status().message()));
  }
  if (name != nullptr) *name = t.name();
  return tensor;
}

}  // namespace quantc
