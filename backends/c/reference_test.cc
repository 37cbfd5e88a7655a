// Lowering and the C++ reference on tiny models whose integer results are
// worked out by hand from docs/integer-arithmetic.md (and, for TINPU, from
// the worked examples of tinpu-format.md §7).
#include "backends/c/reference.h"

#include "backends/c/lower.h"
#include "gtest/gtest.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"

namespace quantc::cbackend {
namespace {

IntProgram Lower(const std::string& text) {
  auto g = ImportModelText(text);
  EXPECT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(InferTypes(**g).ok());
  auto p = LowerToIntProgram(**g);
  EXPECT_TRUE(p.ok()) << p.status();
  return *std::move(p);
}

Tensor Codes(std::vector<int8_t> v) {
  return Tensor::FromVector<int8_t>({static_cast<int64_t>(v.size())}, v);
}

constexpr char kAdd[] = R"(<ir_version: 8, opset_import: ["" : 13]>
add (float[1,2] a) => (float[1,2] y)
<float sa = {0.5}, float sb = {0.25}, float so = {1.0}, int8 z = {0}, int8[2] bq = {0, 2}>
{
  aq = QuantizeLinear (a, sa, z)
  ad = DequantizeLinear (aq, sa, z)
  bd = DequantizeLinear (bq, sb, z)
  s = Add (ad, bd)
  sq = QuantizeLinear (s, so, z)
  y = DequantizeLinear (sq, so, z)
}
)";

TEST(Reference, AddRoundsTiesAwayFromZero) {
  const IntProgram p = Lower(kAdd);
  ASSERT_EQ(p.ops.size(), 1u);
  EXPECT_EQ(p.ops[0].kind, OpKind::kAdd);
  EXPECT_EQ(p.ops[0].pre_shift, 20);
  Reference ref(p);
  // a = 3 (1.5) + b = 2 (0.5) = 2.0 -> 2. a = 1 (0.5) + b = 0 = 0.5: float
  // QDQ rounds the tie to even (0), the fixed point away from zero (1).
  auto y = ref.Run(Codes({1, 3}));
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(*y, (std::vector<int8_t>{1, 2}));
  // Float input through the input quantizer: 1.26 / 0.5 = 2.52 -> 3.
  auto yf = ref.Run(Tensor::FromVector<float>({1, 2}, {-0.74f, 1.26f}));
  ASSERT_TRUE(yf.ok());
  EXPECT_EQ(ref.Values(p.input), (std::vector<int8_t>{-1, 3}));
  EXPECT_EQ(*yf, (std::vector<int8_t>{-1, 2}));  // -0.5 -> -1 (away), 2.0
}

constexpr char kSigmoid[] = R"(<ir_version: 8, opset_import: ["" : 13]>
sig (float[1,4] x) => (float[1,4] y)
<float sx = {0.1}, int8 zx = {0}, float sy = {0.00390625}, uint8 zy = {0}>
{
  xq = QuantizeLinear (x, sx, zx)
  xd = DequantizeLinear (xq, sx, zx)
  s = Sigmoid (xd)
  sq = QuantizeLinear (s, sy, zy)
  y = DequantizeLinear (sq, sy, zy)
}
)";

TEST(Reference, SigmoidTableIsQuantizeLinearOfTheFloatOp) {
  const IntProgram p = Lower(kSigmoid);
  ASSERT_EQ(p.ops.size(), 1u);
  ASSERT_EQ(p.ops[0].kind, OpKind::kLut);
  // uint8 output stored as int8: code - 128. sigmoid(0) = 0.5 -> 128 -> 0;
  // sigmoid(1.0) = 0.7310586 -> 187.15 -> 187 -> 59;
  // sigmoid(-12.8) = 2.76e-6 -> 0 -> -128.
  EXPECT_EQ(p.ops[0].table[0 + 128], 0);
  EXPECT_EQ(p.ops[0].table[10 + 128], 59);
  EXPECT_EQ(p.ops[0].table[-128 + 128], -128);
  EXPECT_EQ(p.tensors[p.output].zero_point, -128);
}

// tinpu-format.md §7.2 (4-bit weights): acc = 1000, offset 141, mult 202,
// shift 14: floor(1141 * 202 / 2^14) = 14. §7.1: acc = -2000, offset 742,
// shift 8: floor(-1258 / 256) = -5, which the unsigned clip makes 0.
TEST(Reference, TinpuBlockFloorsAfterOffsetAndMultiplier) {
  IntProgram p;
  p.format = SourceFormat::kTinpu;
  p.tensors = {IntTensor{"x", {1, 1}}, IntTensor{"y", {1, 2}}};
  p.tensors[1].zero_point = -128;  // unsigned [0, 255]
  p.input = 0;
  p.output = 1;
  IntOp fc;
  fc.kind = OpKind::kFullyConnected;
  fc.inputs = {0};
  fc.output = 1;
  fc.in_features = 1;
  fc.out_features = 2;
  fc.weights = {10, 20};
  fc.bias = {0, 0};
  fc.requant = {Requant::Kind::kOss, {202, 1}, {14, 8}, {141, 742}, -128, -128, 127};
  p.ops = {fc};
  Reference ref(p);
  auto y = ref.Run(Codes({100}));  // acc = 1000, 2000
  ASSERT_TRUE(y.ok());
  // 14 -> -114; floor(2742 / 256) = 10 -> -118.
  EXPECT_EQ(*y, (std::vector<int8_t>{14 - 128, 10 - 128}));
  y = ref.Run(Codes({-100}));  // acc = -1000, -2000
  ASSERT_TRUE(y.ok());
  // floor(-859 * 202 / 2^14) = floor(-10.59) = -11 -> 0; -5 -> 0.
  EXPECT_EQ(*y, (std::vector<int8_t>{-128, -128}));
}

TEST(Lower, FloatModelIsRejected) {
  auto g = ImportModelText(R"(<ir_version: 8, opset_import: ["" : 13]>
f (float[1,2] x) => (float[1,2] y) { y = Relu (x) }
)");
  ASSERT_TRUE(g.ok());
  auto p = LowerToIntProgram(**g);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("not quantized"), std::string::npos);
}

TEST(Lower, ConvMultiplierIsInputTimesWeightOverOutputScale) {
  const IntProgram p = Lower(R"(<ir_version: 8, opset_import: ["" : 13]>
c (float[1,1,2,2] x) => (float[1,2,2,2] y)
<float sx = {0.5}, int8 z = {0}, int8[2,1,1,1] w = {3, -4}, float[2] sw = {0.25, 0.75},
 int8[2] zw = {0, 0}, float sy = {0.125}>
{
  xq = QuantizeLinear (x, sx, z)
  xd = DequantizeLinear (xq, sx, z)
  wd = DequantizeLinear <axis = 0> (w, sw, zw)
  c = Conv (xd, wd)
  cq = QuantizeLinear (c, sy, z)
  y = DequantizeLinear (cq, sy, z)
}
)");
  ASSERT_EQ(p.ops.size(), 1u);
  const Requant& r = p.ops[0].requant;
  // m = 0.5 * 0.25 / 0.125 = 1 = 2^30 * 2^(1 - 31); 0.5 * 0.75 / 0.125 = 3
  // = 0.75 * 2^2 -> (1610612736, 2).
  EXPECT_EQ(r.multiplier, (std::vector<int32_t>{1 << 30, 1610612736}));
  EXPECT_EQ(r.shift, (std::vector<int32_t>{1, 2}));
  Reference ref(p);
  auto y = ref.Run(Codes({1, 2, -3, 10}));
  ASSERT_TRUE(y.ok());
  // channel 0: acc = 3x, m = 1: 3, 6, -9, 30; channel 1: acc = -4x,
  // m = 3: -12, -24, 36, -120.
  EXPECT_EQ(*y, (std::vector<int8_t>{3, 6, -9, 30, -12, -24, 36, -120}));
}

}  // namespace
}  // namespace quantc::cbackend
