#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "onnx/defs/parser.h"
#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"
#include "fmt/format.h"
#include "util/status_macros.h"
absl::StatusOr<int> F(bool ok) { if (!ok) return absl::InvalidArgumentError("x"); return 3; }
absl::Status G(bool ok) { QC_ASSIGN_OR_RETURN(int v, F(ok)); (void)v; return absl::OkStatus(); }
TEST(Smoke, All) {
  onnx::ModelProto m;
  auto st = onnx::OnnxParser::Parse(m, R"(<ir_version: 8, opset_import: ["" : 13]> g (float[N,3] x) => (float[N,3] y) { y = Relu(x) })");
  ASSERT_TRUE(st.IsOK()) << st.ErrorMessage();
  onnx::shape_inference::InferShapes(m);
  onnx::checker::check_model(m);
  EXPECT_EQ(fmt::format("{}", 1.5f), "1.5");
  EXPECT_FALSE(G(false).ok());
}
