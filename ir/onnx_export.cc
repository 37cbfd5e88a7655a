#include "ir/onnx_export.h"



#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ir/onnx_import.h"
#include "ir/onnx_infer.h"
#include "ir/onnx_proto_util.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

void AttrToProto(const Attribute& a, onnx::AttributeProto* p) {
  using P = onnx::AttributeProto;
  p->set_name(a.name);
  switch (a.kind) {
    case Attribute::Kind::kFloat: p->set_type(P::FLOAT); p->set_f(a.f); break;
    case Attribute::Kind::kInt: p->set_type(P::INT); p->set_i(a.i); break;
    case Attribute::Kind::kString: p->set_type(P::STRING); p->set_s(a.s); break;
    case Attribute::Kind::kTensor: p->set_type(P::TENSOR); TensorToProto(a.t, p->mutable_t()); break;
    case Attribute::Kind::kFloats:
      p->set_type(P::FLOATS);
      for (float f : a.floats) p->add_floats(f);
      break;
    case Attribute::Kind::kInts:
      p->set_type(P::INTS);
      for (int64_t i : a.ints) p->add_ints(i);
      break;
    case Attribute::Kind::kStrings:
      p->set_type(P::STRINGS);
      for (const auto& s : a.strings) p->add_strings(s);
      break;
    case Attribute::Kind::kTensors:
      p->set_type(P::TENSORS);
      for (const auto& t : a.tensors) TensorToProto(t, p->add_tensors());
      break;
  }
}

void ValueInfoToProto(const Value* v, onnx::ValueInfoProto* p) {
  p->set_name(v->name());
  TypeToProto(v->type(), p->mutable_type());
}

// `with_types` also writes value_info for every typed node output, so ONNX
// shape inference can continue past ops it has no schema for.
onnx::ModelProto ToProto(const Graph& g, bool with_types = false) {
  onnx::ModelProto m;
  const ModelInfo& info = g.info();
  m.set_ir_version(info.ir_version);
  for (const auto& [domain, version] : info.opsets) {
    auto* op = m.add_opset_import();
    op->set_domain(domain);
    op->set_version(version);
  }
  m.set_producer_name(info.producer_name);
  m.set_producer_version(info.producer_version);
  if (!info.domain.empty()) m.set_domain(info.domain);
  if (info.model_version) m.set_model_version(info.model_version);
  if (!info.doc_string.empty()) m.set_doc_string(info.doc_string);
  for (const auto& [k, v] : info.metadata) {
    auto* kv = m.add_metadata_props();
    kv->set_key(k);
    kv->set_value(v);
  }
  onnx::GraphProto* gp = m.mutable_graph();
  gp->set_name(g.name());
  for (const Value* v : g.inputs()) ValueInfoToProto(v, gp->add_input());
  // Before IR version 4 every initializer must also be a graph input.
  if (info.ir_version < 4) {
    for (const Value* v : g.initializers()) ValueInfoToProto(v, gp->add_input());
  }
  for (const Value* v : g.initializers()) {
    onnx::TensorProto* t = gp->add_initializer();
    TensorToProto(v->initializer(), t);
    t->set_name(v->name());
  }
  for (const Node* n : g.nodes()) {
    onnx::NodeProto* np = gp->add_node();
    np->set_op_type(n->op_type());
    if (!n->name().empty()) np->set_name(n->name());
    if (!n->domain().empty()) np->set_domain(n->domain());
    for (const Value* in : n->inputs()) np->add_input(in ? in->name() : "");
    for (const Value* out : n->outputs()) np->add_output(out->name());
    for (const Attribute& a : n->attributes()) AttrToProto(a, np->add_attribute());
  }
  for (const Value* v : g.outputs()) ValueInfoToProto(v, gp->add_output());
  if (with_types) {
    for (const Node* n : g.nodes()) {
      for (const Value* out : n->outputs()) {
        if (out->type().dtype != DType::kUndefined && !g.IsGraphOutput(out)) {
          ValueInfoToProto(out, gp->add_value_info());
        }
      }
    }
  }
  return m;
}

}  // namespace

absl::StatusOr<std::string> ExportModelBytes(const Graph& g) {
  onnx::ModelProto m = ToProto(g);
  try {
    onnx::checker::check_model(m);
    onnx::ShapeInferenceOptions options{false, 0, false};
    onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("export produced an invalid model: ", e.what()));
  }
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  if (!m.SerializeToCodedStream(&coded)) {
    return absl::InternalError("protobuf serialization failed (model over 2 GB?)");
  }
  coded.Trim();
  return bytes;
}

absl::StatusOr<bool> InferTypes(Graph& g) {
  onnx::ModelProto m = ToProto(g, /*with_types=*/true);
  if (absl::Status st = InferShapesGuarded(m); !st.ok()) {
    return absl::Status(st.code(), absl::StrCat("shape inference: ", st.message()));
  }
  absl::flat_hash_map<std::string, const onnx::TypeProto*> inferred;
  for (const auto& vi : m.graph().value_info()) inferred[vi.name()] = &vi.type();
  bool changed = false;
  for (Node* n : g.nodes()) {
    for (Value* out : n->outputs()) {
      auto it = inferred.find(out->name());
      if (it == inferred.end()) continue;
      absl::StatusOr<TensorType> inferred_type = TypeFromProto(*it->second);
      if (!inferred_type.ok()) {
        return absl::Status(inferred_type.status().code(),
                            absl::StrCat(n->Describe(), ": inferred type of '", out->name(),
                                         "': ", inferred_type.status().message()));
      }
      TensorType t = *std::move(inferred_type);
      bool more_shape =
          t.shape && (!out->type().shape || (t.StaticDims() && !out->type().StaticDims()));
      bool more_dtype = out->type().dtype == DType::kUndefined && t.dtype != DType::kUndefined;
      if (!more_shape && !more_dtype) continue;
      if (!more_shape) t.shape = out->type().shape;
      if (!more_dtype) t.dtype = out->type().dtype;
      out->set_type(t);
      changed = true;
    }
  }
  return changed;
}

absl::StatusOr<std::unique_ptr<Graph>> ConvertOpset(const Graph& g, int64_t target) {
  onnx::ModelProto converted;
  try {
    converted = onnx::version_conversion::ConvertVersion(ToProto(g), static_cast<int>(target));
  } catch (const std::exception& e) {
    return absl::UnimplementedError(
        absl::StrCat("converting opset ", g.opset(), " to ", target, ": ", e.what()));
  }
  std::string bytes;
  if (!converted.SerializeToString(&bytes)) return absl::InternalError("serialization failed");
  return ImportModelBytes(bytes, "", absl::StrCat("opset ", target, " conversion"));
}

absl::Status ExportModelFile(const Graph& g, const std::string& path) {
  QC_ASSIGN_OR_RETURN(std::string bytes, ExportModelBytes(g));
  return WriteFileAtomically(path, bytes);
}

}  // namespace quantc
