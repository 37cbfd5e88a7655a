// Upgrading opsets 1-6 with ONNX's version converter.
//
// The converter walks every node through each version step and applies the
// op's adapter; where it has none it throws, and not always with the op's
// name (an experimental op missing from the target opset fails inside a map
// lookup: "unordered_map::at"). So the error a user sees is built here:
//   1. an op with no schema at the target opset cannot be upgraded at all
//      (Affine, Crop, ImageScaler, ...): named before converting;
//   2. PRelu's per-channel slope, which the converter lets through
//      unchanged though opset 7 broadcasts it differently, is reshaped;
//   3. otherwise the whole model is converted; if that throws, each node is
//      converted alone, in a one-node model with its inputs' inferred types,
//      and the first that fails is named with the converter's reason.
#include "ir/onnx_upgrade.h"

#include <exception>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ir/onnx_infer.h"
#include "onnx/defs/schema.h"
#include "onnx/version_converter/convert.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

bool IsDefaultDomain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

std::string NodeLabel(const onnx::NodeProto& n, int index) {
  std::string name = n.name().empty() ? absl::StrCat("#", index) : n.name();
  return absl::StrCat("node '", name, "' (", n.op_type(), ")");
}

// The converter's reason: its first line, without the "file:line: function:
// Assertion `...` failed: " prefix of its assertions.
std::string Reason(const char* what) {
  std::string s = what;
  size_t nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  constexpr char kFailed[] = "` failed: ";
  size_t failed = s.find(kFailed);
  if (s.find("Assertion `") != std::string::npos && failed != std::string::npos) {
    s = s.substr(failed + sizeof(kFailed) - 1);
  }
  return s;
}

// A model holding only node `index` of `m`, its inputs as graph inputs typed
// from `types` (when known) and the initializers it reads.
onnx::ModelProto OneNodeModel(const onnx::ModelProto& m, int index,
                              const absl::flat_hash_map<std::string, const onnx::TypeProto*>& types,
                              const absl::flat_hash_map<std::string, int>& initializers) {
  onnx::ModelProto one;
  one.set_ir_version(m.ir_version());
  *one.mutable_opset_import() = m.opset_import();
  onnx::GraphProto* g = one.mutable_graph();
  g->set_name("upgrade_probe");
  const onnx::NodeProto& n = m.graph().node(index);
  *g->add_node() = n;
  for (const std::string& in : n.input()) {
    if (in.empty()) continue;
    auto init = initializers.find(in);
    if (init != initializers.end()) *g->add_initializer() = m.graph().initializer(init->second);
    onnx::ValueInfoProto* vi = g->add_input();
    vi->set_name(in);
    auto t = types.find(in);
    if (t != types.end()) *vi->mutable_type() = *t->second;
  }
  for (const std::string& out : n.output()) {
    if (!out.empty()) g->add_output()->set_name(out);
  }
  return one;
}

// Names the first node the converter cannot upgrade on its own, or returns
// an empty string when each converts alone (the failure is the model's).
std::string FindUnconvertibleNode(const onnx::ModelProto& m, int64_t target,
                                  const std::string& how) {
  onnx::ModelProto typed = m;
  // libonnx's own InferShapes would run inference functions that trust
  // their inputs (RNN-1 read a rank-1 input's second dim; import_fuzzer).
  if (!InferShapesGuarded(typed).ok()) typed = m;  // probe without intermediate types
  absl::flat_hash_map<std::string, const onnx::TypeProto*> types;
  for (const auto& vi : typed.graph().input()) types[vi.name()] = &vi.type();
  for (const auto& vi : typed.graph().value_info()) types[vi.name()] = &vi.type();
  absl::flat_hash_map<std::string, int> initializers;
  for (int i = 0; i < typed.graph().initializer_size(); ++i) {
    initializers[typed.graph().initializer(i).name()] = i;
  }
  for (int i = 0; i < typed.graph().node_size(); ++i) {
    if (!IsDefaultDomain(typed.graph().node(i).domain())) continue;
    try {
      onnx::version_conversion::ConvertVersion(OneNodeModel(typed, i, types, initializers),
                                               static_cast<int>(target));
    } catch (const std::exception& e) {
      return absl::StrCat(NodeLabel(typed.graph().node(i), i), ": ", how, ": ", Reason(e.what()));
    }
  }
  return "";
}

std::string CannotUpgrade(int64_t from, int64_t target) {
  return absl::StrCat("ONNX's version converter cannot upgrade it from opset ", from, " to ",
                      target);
}

// The rank of every value shape inference can tell (graph inputs included).
absl::flat_hash_map<std::string, int> KnownRanks(const onnx::ModelProto& m) {
  onnx::ModelProto typed = m;
  if (!InferShapesGuarded(typed).ok()) typed = m;
  absl::flat_hash_map<std::string, int> ranks;
  auto add = [&](const onnx::ValueInfoProto& vi) {
    if (vi.type().tensor_type().has_shape()) {
      ranks[vi.name()] = vi.type().tensor_type().shape().dim_size();
    }
  };
  for (const auto& vi : typed.graph().input()) add(vi);
  for (const auto& vi : typed.graph().value_info()) add(vi);
  return ranks;
}

// PRelu before opset 7 applies a 1-D slope of size C per channel (axis 1;
// PyTorch's nn.PReLU(C) exported so), while PRelu-7 broadcasts it from the
// last axis, where [C] no longer fits [N, C, L]. ONNX's converter calls the
// two compatible, so the slope is reshaped here to [C, 1, ...] (the same
// values per channel under the new rule). A slope that is not a constant
// cannot be reshaped: Unimplemented naming the node.
absl::Status ChannelSlopesForPRelu(onnx::ModelProto& m, const std::string& how) {
  onnx::GraphProto& g = *m.mutable_graph();
  absl::flat_hash_map<std::string, int> ranks;
  absl::flat_hash_map<std::string, int> uses;
  for (const auto& n : g.node()) {
    for (const std::string& in : n.input()) ++uses[in];
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    if (n.op_type() != "PRelu" || !IsDefaultDomain(n.domain()) || n.input_size() != 2) continue;
    if (ranks.empty()) ranks = KnownRanks(m);
    auto rank = ranks.find(n.input(0));
    auto slope_rank = ranks.find(n.input(1));
    onnx::TensorProto* slope = nullptr;
    for (auto& t : *g.mutable_initializer()) {
      if (t.name() == n.input(1)) slope = &t;
    }
    const int64_t size = slope && slope->dims_size() == 1 ? slope->dims(0) : -1;
    if (slope && (slope->dims_size() != 1 || size == 1)) continue;  // shared or already shaped
    if (rank != ranks.end() && rank->second < 3) continue;  // [N, C]: both rules agree
    if (slope_rank != ranks.end() && slope_rank->second != 1) continue;
    if (!slope || rank == ranks.end() || uses[n.input(1)] != 1) {
      return absl::UnimplementedError(absl::StrCat(
          NodeLabel(n, i), ": ", how, " (its per-channel slope must become [C, 1, ...], which "
          "needs a constant slope used by this node alone and a known input rank)"));
    }
    slope->clear_dims();
    slope->add_dims(size);
    for (int d = 2; d < rank->second; ++d) slope->add_dims(1);
    // IR version 3 lists initializers among the graph inputs too.
    for (auto& vi : *g.mutable_input()) {
      if (vi.name() != slope->name() || !vi.type().tensor_type().has_shape()) continue;
      onnx::TensorShapeProto* shape = vi.mutable_type()->mutable_tensor_type()->mutable_shape();
      shape->clear_dim();
      for (int64_t d : slope->dims()) shape->add_dim()->set_dim_value(d);
    }
  }
  return absl::OkStatus();
}

}  // namespace

int64_t DefaultOpset(const onnx::ModelProto& m) {
  for (const auto& op : m.opset_import()) {
    if (IsDefaultDomain(op.domain())) return op.version();
  }
  return 0;
}

absl::Status CheckOpsSurvive(const onnx::ModelProto& m, int64_t target) {
  const int64_t from = DefaultOpset(m);
  if (from <= 0 || from >= target) return absl::OkStatus();
  const auto& registry = *onnx::OpSchemaRegistry::Instance();
  for (int i = 0; i < m.graph().node_size(); ++i) {
    const onnx::NodeProto& n = m.graph().node(i);
    if (!IsDefaultDomain(n.domain())) continue;
    if (registry.GetSchema(n.op_type(), static_cast<int>(target), "") == nullptr) {
      return absl::UnimplementedError(absl::StrCat(
          NodeLabel(n, i), ": ", CannotUpgrade(from, target), " (ai.onnx opset ", target,
          " has no ", n.op_type(), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status UpgradeOldOpset(onnx::ModelProto& m, int64_t target) {
  const int64_t from = DefaultOpset(m);
  if (from <= 0 || from >= target) return absl::OkStatus();
  QC_RETURN_IF_ERROR(CheckOpsSurvive(m, target));
  const std::string how = CannotUpgrade(from, target);
  QC_RETURN_IF_ERROR(ChannelSlopesForPRelu(m, how));
  onnx::ModelProto upgraded;
  try {
    upgraded = onnx::version_conversion::ConvertVersion(m, static_cast<int>(target));
  } catch (const std::exception& e) {
    std::string node = FindUnconvertibleNode(m, target, how);
    if (!node.empty()) return absl::UnimplementedError(node);
    return absl::UnimplementedError(
        absl::StrCat("the model uses ai.onnx opset ", from, " and ", how, ": ", Reason(e.what())));
  }
  m = std::move(upgraded);
  return absl::OkStatus();
}

}  // namespace quantc
