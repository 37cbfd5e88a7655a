// Old opsets (1-6) on import: upgraded to opset 7 by ONNX's version
// converter computing the same values, or rejected naming the node that the
// converter cannot upgrade.
#include <string>

#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "onnx/defs/parser.h"
#include "onnx/onnx_pb.h"

namespace quantc {
namespace {

onnx::ModelProto Parse(const char* text) {
  onnx::ModelProto m;
  auto st = onnx::OnnxParser::Parse(m, text);
  EXPECT_TRUE(st.IsOK()) << st.ErrorMessage();
  return m;
}

absl::StatusOr<std::unique_ptr<Graph>> Import(const onnx::ModelProto& m) {
  return ImportModelBytes(m.SerializeAsString(), "", "old.onnx");
}

// Opset 6 as PyTorch 0.3/0.4 exported it: Gemm with broadcast=1, a
// BatchNormalization in test mode, Add with an explicit broadcast.
constexpr char kOpset6[] = R"(
<ir_version: 3, opset_import: ["" : 6]>
old (float[1,4] x, float[3,4] w, float[3] b, float[3] s, float[3] o, float[3] mu, float[3] var,
     float[1] k) => (float[1,3] y)
  <float[3,4] w = {1,0,0,1, 0,1,1,0, 1,1,1,1}, float[3] b = {0.5,-1,2},
   float[3] s = {2,1,0.5}, float[3] o = {0,1,0}, float[3] mu = {1,0,0}, float[3] var = {1,4,0.25},
   float[1] k = {3}> {
  g = Gemm<transB = 1, broadcast = 1>(x, w, b)
  n = BatchNormalization<is_test = 1, epsilon = 0.0>(g, s, o, mu, var)
  y = Add<broadcast = 1>(n, k)
}
)";

TEST(OnnxUpgrade, CurrentOpsetIsLeftAlone) {
  auto g = ImportModelText(R"(
<ir_version: 8, opset_import: ["" : 7]>
m (float[4] x) => (float[4] y) { y = Relu(x) }
)");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ((*g)->opset(), 7);
}

TEST(OnnxUpgrade, Opset6IsUpgradedTo7AndComputesTheSame) {
  auto g = Import(Parse(kOpset6));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ((*g)->opset(), kMinOpset);
  Interpreter interp(**g);
  auto out = interp.Run({Tensor::FromVector<float>({1, 4}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status();
  // By hand: g = w x + b = [1+4, 2+3, 10] + [0.5, -1, 2] = [5.5, 4, 12];
  // BN: s (g - mu) / sqrt(var) + o = [2*4.5, 4/2+1, 0.5*12/0.5] = [9, 3, 12];
  // + 3.
  EXPECT_EQ((*out)[0].data<float>()[0], 12.0f);
  EXPECT_EQ((*out)[0].data<float>()[1], 6.0f);
  EXPECT_EQ((*out)[0].data<float>()[2], 15.0f);
}

TEST(OnnxUpgrade, PReluSlopeStaysPerChannel) {
  // nn.PReLU(3) as PyTorch exported it at opset 6: slope [3] per channel of
  // [N, 3, L]. Opset 7 would broadcast [3] along L.
  auto g = Import(Parse(R"(
<ir_version: 3, opset_import: ["" : 6]>
m (float[1,3,2] x, float[3] s) => (float[1,3,2] y) <float[3] s = {0.5, 2, -1}> {
  y = PRelu(x, s)
}
)"));
  ASSERT_TRUE(g.ok()) << g.status();
  Interpreter interp(**g);
  auto out = interp.Run({Tensor::FromVector<float>({1, 3, 2}, {-2, 1, -2, 1, -2, 1})});
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<float> want = {-1, 1, -4, 1, 2, 1};  // slope * x where x < 0
  EXPECT_EQ(std::vector<float>((*out)[0].data<float>().begin(), (*out)[0].data<float>().end()),
            want);
}

TEST(OnnxUpgrade, PReluWithComputedSlopeIsNamed) {
  auto g = Import(Parse(R"(
<ir_version: 3, opset_import: ["" : 6]>
m (float[1,3,2] x, float[3] s) => (float[1,3,2] y) {
  t = Abs(s)
  y = PRelu(x, t)
}
)"));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(g.status().message().find("node '#1' (PRelu): ONNX's version converter cannot "
                                      "upgrade it from opset 6 to 7"),
            std::string::npos)
      << g.status();
}

TEST(OnnxUpgrade, OpRemovedFromLaterOpsetsIsNamed) {
  // Affine was experimental in opset 1 and is gone by opset 7; the converter
  // itself fails with "unordered_map::at".
  auto g = Import(Parse(R"(
<ir_version: 3, opset_import: ["" : 5]>
m (float[1,2] x) => (float[1,2] y) { y = Affine<alpha = 2.0, beta = 1.0>(x) }
)"));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(g.status().message().find("old.onnx: node '#0' (Affine): ONNX's version converter "
                                      "cannot upgrade it from opset 5 to 7"),
            std::string::npos)
      << g.status();
}

TEST(OnnxUpgrade, OpWithoutAdapterIsNamed) {
  // Tile-1 (input, tiles, axis) changed in opset 6 and the converter has no
  // adapter from 5: the failing node is found by converting nodes alone.
  auto g = Import(Parse(R"(
<ir_version: 3, opset_import: ["" : 5]>
m (float[2,3] x, float[1] t, float[1] a) => (float[2,3] y) {
  r = Relu(x)
  y = Tile(r, t, a)
}
)"));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(g.status().message().find("node '#1' (Tile): "), std::string::npos) << g.status();
  EXPECT_NE(g.status().message().find("cannot upgrade it from opset 5 to 7"), std::string::npos)
      << g.status();
}

TEST(OnnxUpgrade, OldModelFailingTheCheckerIsInvalid) {
  // Checked as written before the converter sees it.
  auto g = Import(Parse(R"(
<ir_version: 3, opset_import: ["" : 6]>
m (float[2] x) => (float[2] y) { y = Relu<bogus = 1>(x) }
)"));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument) << g.status();
}

}  // namespace
}  // namespace quantc
