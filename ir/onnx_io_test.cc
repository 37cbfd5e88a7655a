// ONNX import/export: round trips and every class of bad input the importer
// must reject with a clear, node-naming error (never a crash).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"
#include "ir/onnx_test_util.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "util/file.h"
#include "onnx/onnx_pb.h"

namespace quantc {
namespace {

namespace fs = std::filesystem;

constexpr char kConvModel[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
conv_model (float[1,2,4,4] x) => (float[1,3,4,4] y)
  <float[3,2,1,1] w = {1,2,3,4,5,6}, float[3] b = {0.5,0,-0.5}> {
  c = Conv<kernel_shape = [1,1], pads = [0,0,0,0]>(x, w, b)
  y = Relu(c)
}
)";

std::string WriteBytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}

absl::Status ImportBytes(const std::string& bytes) {
  return ImportModelBytes(bytes, "", "m.onnx").status();
}

TEST(OnnxImport, ImportsTypesAndNames) {
  auto g = ImportModelText(kConvModel);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(VerifyGraph(**g).ok());
  EXPECT_EQ((*g)->opset(), 13);
  std::string text = PrintGraph(**g);
  EXPECT_NE(text.find("%c: f32[1,3,4,4] = Conv(%x, %w, %b)"), std::string::npos) << text;
  EXPECT_NE(text.find("const %b: f32[3] [0.5, 0, -0.5]"), std::string::npos) << text;
}

TEST(OnnxExport, RoundTripIsStableAndDeterministic) {
  auto g = ImportModelText(kConvModel);
  ASSERT_TRUE(g.ok());
  auto bytes = ExportModelBytes(**g);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto again = ImportModelBytes(*bytes, "", "rt.onnx");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(PrintGraph(**g), PrintGraph(**again));
  auto bytes2 = ExportModelBytes(**again);
  ASSERT_TRUE(bytes2.ok());
  EXPECT_EQ(*bytes, *bytes2);
}

TEST(OnnxExport, OldIrVersionListsInitializersAsInputs) {
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  m.set_ir_version(3);
  for (const auto& t : m.graph().initializer()) {
    auto* in = m.mutable_graph()->add_input();
    in->set_name(t.name());
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(1);
    for (int64_t d : t.dims()) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  auto g = ImportModelBytes(m.SerializeAsString(), "", "old.onnx");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ((*g)->inputs().size(), 1u);  // initializers are constants
  auto bytes = ExportModelBytes(**g);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  onnx::ModelProto out;
  ASSERT_TRUE(out.ParseFromString(*bytes));
  EXPECT_EQ(out.graph().input_size(), 3);
}

TEST(OnnxImport, MissingFile) {
  auto g = ImportModelFile("/nonexistent/model.onnx");
  EXPECT_EQ(g.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(g.status().message().find("/nonexistent/model.onnx"), std::string::npos);
}

TEST(OnnxImport, EmptyFile) {
  auto g = ImportModelFile(WriteBytes(FreshTestDir() / "empty.onnx", ""));
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(g.status().message().find("empty file"), std::string::npos);
}

TEST(OnnxImport, RandomBytes) {
  std::string junk;
  uint32_t s = 12345;
  for (int i = 0; i < 4096; ++i) {
    s = s * 1664525u + 1013904223u;
    junk.push_back(static_cast<char>(s >> 24));
  }
  EXPECT_EQ(ImportBytes(junk).code(), absl::StatusCode::kInvalidArgument);
}

TEST(OnnxImport, TruncatedProtobuf) {
  std::string full = ParseOnnxText(kConvModel).SerializeAsString();
  for (size_t cut : {full.size() / 3, full.size() / 2, full.size() - 3}) {
    absl::Status st = ImportBytes(full.substr(0, cut));
    EXPECT_FALSE(st.ok()) << "cut at " << cut;
  }
}

TEST(OnnxImport, UndefinedInputNamesTheNode) {
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  m.mutable_graph()->mutable_node(1)->set_input(0, "ghost");
  m.mutable_graph()->mutable_node(1)->set_name("relu_1");
  absl::Status st = ImportBytes(m.SerializeAsString());
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("node 'relu_1' (Relu): input 'ghost' is not defined"),
            std::string::npos)
      << st;
}

TEST(OnnxImport, CycleNamesANode) {
  auto m = ParseOnnxText(R"(
<ir_version: 8, opset_import: ["" : 13]>
cyc (float[4] x) => (float[4] y) {
  a = Add(x, b)
  b = Relu(a)
  y = Relu(b)
}
)");
  absl::Status st = ImportBytes(m.SerializeAsString());
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("cycle"), std::string::npos) << st;
}

TEST(OnnxImport, UnsortedButAcyclicIsSorted) {
  auto m = ParseOnnxText(R"(
<ir_version: 8, opset_import: ["" : 13]>
unsorted (float[4] x) => (float[4] y) {
  y = Relu(a)
  a = Sigmoid(x)
}
)");
  auto g = ImportModelBytes(m.SerializeAsString(), "", "m.onnx");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ((*g)->nodes().ToVector()[0]->op_type(), "Sigmoid");
}

TEST(OnnxImport, UnknownDomainIsUnsupported) {
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  m.mutable_graph()->mutable_node(1)->set_domain("com.example");
  auto* op = m.add_opset_import();
  op->set_domain("com.example");
  op->set_version(1);
  EXPECT_EQ(ImportBytes(m.SerializeAsString()).code(), absl::StatusCode::kUnimplemented);
}

TEST(OnnxImport, OpsetOutsideRangeIsUnsupported) {
  for (int v : {0, 18}) {
    onnx::ModelProto m = ParseOnnxText(kConvModel);
    m.mutable_opset_import(0)->set_version(v);
    absl::Status st = ImportBytes(m.SerializeAsString());
    EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented) << v;
    EXPECT_NE(st.message().find("opset"), std::string::npos);
  }
}

TEST(OnnxImport, ControlFlowIsUnsupported) {
  auto m = ParseOnnxText(R"(
<ir_version: 8, opset_import: ["" : 13]>
cf (bool c, float[4] x) => (float[4] y) {
  y = If(c) <then_branch = g1 () => (float[4] t) { t = Relu(x) },
             else_branch = g2 () => (float[4] e) { e = Sigmoid(x) }>
}
)");
  absl::Status st = ImportBytes(m.SerializeAsString());
  EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(st.message().find("(If)"), std::string::npos) << st;
}

TEST(OnnxImport, InitializerSizeMismatch) {
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_raw_data(std::string(12, '\0'));  // 3 floats for a [3,2,1,1] shape
  absl::Status st = ImportBytes(m.SerializeAsString());
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("initializer 'w'"), std::string::npos) << st;
}

TEST(OnnxImport, ExternalDataLoadsAndMissingFileFails) {
  fs::path dir = FreshTestDir();
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  auto* w = m.mutable_graph()->mutable_initializer(0);
  std::string raw;
  for (float f : w->float_data()) raw.append(reinterpret_cast<const char*>(&f), sizeof f);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = w->add_external_data();
  kv->set_key("location");
  kv->set_value("weights.bin");
  std::string model = WriteBytes(dir / "ext.onnx", m.SerializeAsString());
  WriteBytes(dir / "weights.bin", raw);
  auto g = ImportModelFile(model);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ((*g)->initializers()[0]->initializer().data<float>()[5], 6.0f);
  fs::remove(dir / "weights.bin");
  auto missing = ImportModelFile(model);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("weights.bin"), std::string::npos);
}

TEST(OnnxImport, ExternalDataMayNotLeaveTheFolder) {
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = w->add_external_data();
  kv->set_key("location");
  kv->set_value("../../etc/passwd");
  absl::Status st = ImportBytes(m.SerializeAsString());
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
}

TEST(OnnxExport, WriteFileAtomicallyLeavesNoPartialFile) {
  fs::path dir = FreshTestDir();
  absl::Status st = WriteFileAtomically((dir / "no/such/dir/out.onnx").string(), "abc");
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(fs::exists(dir / "no"));
  ASSERT_TRUE(WriteFileAtomically((dir / "out.bin").string(), "abc").ok());
  EXPECT_EQ(fs::file_size(dir / "out.bin"), 3u);
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace quantc
