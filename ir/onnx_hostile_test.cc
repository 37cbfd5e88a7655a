// Hostile model files the importer must reject with a clear error (never a
// crash, a hang or silently wrong weights): external data that lies about
// its range or leaves the model's folder, element types quantc has no
// DType for, bool data that is not 0/1, and declared shapes no tensor
// could have, a domain imported twice. Several of these imported "successfully" before issue 11
// (external data past the file's end became all-zero weights).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "ir/onnx_test_util.h"
#include "onnx/onnx_pb.h"

namespace quantc {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kConvModel[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
conv_model (float[1,2,4,4] x) => (float[1,3,4,4] y)
  <float[3,2,1,1] w = {1,2,3,4,5,6}> {
  y = Conv<kernel_shape = [1,1]>(x, w)
}
)";

void Write(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

// The 24 bytes of w's six floats.
std::string WeightBytes() {
  std::string raw;
  for (float f : {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}) {
    raw.append(reinterpret_cast<const char*>(&f), sizeof f);
  }
  return raw;
}

// kConvModel with w moved to external data described by `kv`, written to
// `dir`/m.onnx; returns the import status.
absl::Status ImportWithExternal(const fs::path& dir,
                                const std::vector<std::pair<std::string, std::string>>& kv) {
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  for (const auto& [k, v] : kv) {
    auto* e = w->add_external_data();
    e->set_key(k);
    e->set_value(v);
  }
  Write(dir / "m.onnx", m.SerializeAsString());
  return ImportModelFile((dir / "m.onnx").string()).status();
}

void ExpectRejected(const absl::Status& st, const std::string& fragment) {
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr(fragment));
  EXPECT_THAT(std::string(st.message()), HasSubstr("initializer 'w' (read by node '#0' (Conv))"));
}

TEST(HostileExternalData, GoodRangesLoad) {
  fs::path dir = FreshTestDir();
  Write(dir / "w.bin", "0123" + WeightBytes());
  EXPECT_TRUE(ImportWithExternal(dir, {{"location", "w.bin"}, {"offset", "4"}}).ok());
  EXPECT_TRUE(ImportWithExternal(dir, {{"location", "w.bin"}, {"offset", "4"}, {"length", "24"}})
                  .ok());
  // A symlink that stays inside the folder is fine.
  fs::create_directories(dir / "sub");
  fs::create_symlink("../w.bin", dir / "sub" / "link.bin");
  EXPECT_TRUE(ImportWithExternal(dir, {{"location", "sub/link.bin"}, {"offset", "4"}}).ok());
}

TEST(HostileExternalData, NumbersMustBeNumbers) {
  fs::path dir = FreshTestDir();
  Write(dir / "w.bin", WeightBytes());
  // atoll() read these as 12, 0 and "unspecified".
  ExpectRejected(ImportWithExternal(dir, {{"location", "w.bin"}, {"offset", "12abc"}}),
                 "'offset' is '12abc', not a non-negative integer");
  ExpectRejected(ImportWithExternal(dir, {{"location", "w.bin"}, {"offset", "abc"}}),
                 "'offset' is 'abc'");
  ExpectRejected(ImportWithExternal(dir, {{"location", "w.bin"}, {"length", "-5"}}),
                 "'length' is '-5'");
  ExpectRejected(ImportWithExternal(dir, {{"location", "w.bin"}, {"offset", "99999999999999999999"}}),
                 "'offset' is '99999999999999999999'");
}

TEST(HostileExternalData, RangesMustLieInsideTheFile) {
  fs::path dir = FreshTestDir();
  Write(dir / "w.bin", WeightBytes());
  // offset + length wrapped around int64 and passed the size check; the
  // failed read then left all-zero weights and the import succeeded.
  ExpectRejected(ImportWithExternal(dir, {{"location", "w.bin"},
                                          {"offset", "9223372036854775800"},
                                          {"length", "24"}}),
                 "is outside the file's 24 bytes");
  ExpectRejected(ImportWithExternal(dir, {{"location", "w.bin"}, {"offset", "1000"}}),
                 "is outside the file's 24 bytes");
  ExpectRejected(ImportWithExternal(dir, {{"location", "w.bin"}, {"offset", "4"}}),
                 "is outside the file's 24 bytes");
  ExpectRejected(ImportWithExternal(dir, {{"location", "w.bin"}, {"length", "8"}}),
                 "length 8 but shape [3,2,1,1] of f32 needs 24 bytes");
}

TEST(HostileExternalData, MustStayInTheModelsRealFolder) {
  fs::path dir = FreshTestDir();
  fs::path outside = dir.parent_path() / "outside_weights.bin";
  Write(outside, WeightBytes());
  fs::create_directories(dir / "model");
  // Lexically inside, really outside: the old check only looked for "..".
  fs::create_symlink(outside, dir / "model" / "w.bin");
  ExpectRejected(ImportWithExternal(dir / "model", {{"location", "w.bin"}}),
                 "outside the model's folder");
  fs::create_symlink("../..", dir / "model" / "up");
  ExpectRejected(ImportWithExternal(dir / "model", {{"location", "up/outside_weights.bin"}}),
                 "outside the model's folder");
  ExpectRejected(ImportWithExternal(dir / "model", {{"location", "../outside_weights.bin"}}),
                 "leaves the model's folder");
  ExpectRejected(ImportWithExternal(dir / "model", {{"location", outside.string()}}),
                 "is an absolute path");
  fs::remove(outside);
}

// Hugging Face's cache (and Bazel's runfiles) link a model and its weights
// to blobs elsewhere: the weights lie next to the real model file, which
// counts as the model's folder too. A real model file does not lend its
// trust to a link leading elsewhere.
TEST(HostileExternalData, SymlinkedModelsFindTheirWeights) {
  fs::path dir = FreshTestDir();
  fs::create_directories(dir / "blobs");
  fs::create_directories(dir / "snapshot");
  // Writes blobs/m.onnx; its import fails, as blobs/w.bin does not exist.
  EXPECT_FALSE(ImportWithExternal(dir / "blobs", {{"location", "w.bin"}}).ok());
  Write(dir / "blobs" / "weights", WeightBytes());
  fs::create_symlink("../blobs/m.onnx", dir / "snapshot" / "m.onnx");
  fs::create_symlink("../blobs/weights", dir / "snapshot" / "w.bin");
  auto linked = ImportModelFile((dir / "snapshot" / "m.onnx").string());
  EXPECT_TRUE(linked.ok()) << linked.status();
  fs::remove(dir / "snapshot" / "m.onnx");
  ExpectRejected(ImportWithExternal(dir / "snapshot", {{"location", "w.bin"}}),
                 "outside the model's folder");
}

TEST(HostileExternalData, OnlyRegularFiles) {
  fs::path dir = FreshTestDir();
  // A FIFO nobody writes to: reading it blocked the import forever.
  ASSERT_EQ(mkfifo((dir / "fifo.bin").c_str(), 0600), 0);
  ExpectRejected(ImportWithExternal(dir, {{"location", "fifo.bin"}}), "not a regular file");
  fs::create_directories(dir / "adir");
  ExpectRejected(ImportWithExternal(dir, {{"location", "adir"}}), "not a regular file");
  ExpectRejected(ImportWithExternal(dir, {{"location", "."}}), "outside the model's folder");
}

TEST(HostileExternalData, BytesWithoutAFileCannotUseIt) {
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = w->add_external_data();
  e->set_key("location");
  e->set_value("w.bin");
  absl::Status st = ImportModelBytes(m.SerializeAsString(), "", "m.onnx").status();
  EXPECT_THAT(std::string(st.message()), HasSubstr("the model was not read from a file"));
}

absl::Status ImportProto(const onnx::ModelProto& m) {
  return ImportModelBytes(m.SerializeAsString(), "", "m.onnx").status();
}

TEST(HostileTypes, UnknownElementTypes) {
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(99);
  absl::Status st = ImportProto(m);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("graph input 'x' (read by node '#0' (Conv)): element type 99"));
  m = ParseOnnxText(kConvModel);
  m.mutable_graph()->mutable_initializer(0)->set_data_type(14);  // complex64
  st = ImportProto(m);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("input 'w' has data type COMPLEX64 (14)"));
}

TEST(HostileTypes, BoolDataIsZeroOrOne) {
  const char* text = R"(
<ir_version: 8, opset_import: ["" : 13]>
g (bool[2] x) => (bool[2] y) <bool[2] b = {1, 0}> {
  y = And(x, b)
}
)";
  onnx::ModelProto m = ParseOnnxText(text);
  auto* b = m.mutable_graph()->mutable_initializer(0);
  b->set_int32_data(0, 2);
  absl::Status st = ImportProto(m);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("bool value 0 is 2"));
  b->clear_int32_data();
  b->set_raw_data(std::string("\x01\xff", 2));
  st = ImportProto(m);
  EXPECT_THAT(std::string(st.message()), HasSubstr("bool data holds the byte 255"));
}

TEST(HostileTypes, DeclaredShapesMustBeRepresentable) {
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  auto* dims = m.mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()
                   ->mutable_shape();
  dims->mutable_dim(2)->set_dim_value(int64_t{1} << 40);
  dims->mutable_dim(3)->set_dim_value(int64_t{1} << 40);
  absl::Status st = ImportProto(m);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("node '#0' (Conv): output 'y': shape"));
  // An initializer whose dims wrap to its one byte of data.
  onnx::ModelProto w = ParseOnnxText(kConvModel);
  auto* init = w.mutable_graph()->mutable_initializer(0);
  init->clear_dims();
  init->add_dims(7);
  init->add_dims(0x6db6db6db6db6db7);  // 7 * this == 1 (mod 2^64)
  init->clear_float_data();
  init->set_raw_data(std::string(4, '\0'));
  st = ImportProto(w);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("initializer 'w'"));
}

// Two versions of one domain: the checker read one, the opset upgrade
// another, and quantc's export of the result could not be imported again
// (import_fuzzer). "" and "ai.onnx" are the same domain.
TEST(HostileStructure, DomainImportedTwice) {
  for (const char* second : {"", "ai.onnx"}) {
    onnx::ModelProto m = ParseOnnxText(kConvModel);
    auto* op = m.add_opset_import();
    op->set_domain(second);
    op->set_version(3);
    absl::Status st = ImportProto(m);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
    EXPECT_THAT(std::string(st.message()),
                HasSubstr("the model imports ai.onnx twice (opsets 13 and 3)"));
  }
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  auto* op = m.add_opset_import();
  op->set_domain("ai.onnx.ml");
  op->set_version(3);
  EXPECT_TRUE(ImportProto(m).ok());
}

// IR < 4 lists initializers among the graph inputs: a declaration that
// disagrees with the data made shape inference type the value one way and
// the graph hold it another (import_fuzzer).
TEST(HostileStructure, InputDeclarationMustMatchItsInitializer) {
  onnx::ModelProto m = ParseOnnxText(kConvModel);
  onnx::ValueInfoProto* vi = m.mutable_graph()->add_input();
  vi->set_name("w");
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {3, 2, 1, 1}) tt->mutable_shape()->add_dim()->set_dim_value(d);
  EXPECT_TRUE(ImportProto(m).ok());
  tt->mutable_shape()->mutable_dim(0)->set_dim_value(1);
  absl::Status st = ImportProto(m);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("graph input 'w' (read by node '#0' (Conv)): its declared type differs "
                        "from its initializer's (f32[3,2,1,1])"));
  tt->mutable_shape()->mutable_dim(0)->set_dim_value(3);
  tt->set_elem_type(onnx::TensorProto::INT64);
  EXPECT_FALSE(ImportProto(m).ok());
}

// A value defined twice is named with what defines it the second time (the
// label is built only on this error path).
TEST(HostileStructure, ValueDefinedTwice) {
  onnx::ModelProto m = ParseOnnxText(R"(
<ir_version: 8, opset_import: ["" : 13]>
g (float[2] x) => (float[2] y) {
  y = Relu(x)
  y = Neg(x)
}
)");
  m.mutable_graph()->mutable_node(1)->set_name("neg1");
  absl::Status st = ImportProto(m);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("node 'neg1' (Neg): value 'y' is defined more than once"));
  // A node may not redefine a graph input or an initializer either.
  m = ParseOnnxText(kConvModel);
  m.mutable_graph()->mutable_node(0)->set_output(0, "w");
  st = ImportProto(m);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("node '#0' (Conv): value 'w' is defined more than once"));
}

}  // namespace
}  // namespace quantc
