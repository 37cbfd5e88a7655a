#include "passes/import/import_quantization.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "passes/import/test_util.h"
#include "passes/quant_roles.h"

namespace quantc {
namespace {

using import_test::Load;
using import_test::RunPass;
using ::testing::HasSubstr;

// A QDQ conv: u8 input pair, i8 per-channel weight, i32 bias, u8 output pair.
std::string Conv(const std::string& x_dq_scale = "s", const std::string& w_axis = "0") {
  return R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,3,3] x) => (float[1,2,3,3] y)
  <float s = {0.05}, float s2 = {0.1}, uint8 zp = {128}, int8[2,2,1,1] w = {1, -2, 3, -4},
   float[2] ws = {0.1, 0.2}, int8[2] wzp = {0, 0}, int32[2] b = {10, -20}, float[2] bs = {0.005, 0.01},
   int32[2] bzp = {0, 0}, float ys = {0.1}, uint8 yzp = {0}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, )" +
         x_dq_scale + R"(, zp)
  wd = DequantizeLinear<axis = )" +
         w_axis + R"(>(w, ws, wzp)
  bd = DequantizeLinear<axis = 0>(b, bs, bzp)
  c = Conv<kernel_shape = [1, 1]>(d, wd, bd)
  yq = QuantizeLinear(c, ys, yzp)
  y = DequantizeLinear(yq, ys, yzp)
})";
}

TEST(ImportQuantization, FloatModelIsNotQuantized) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2] x) => (float[1,2] y) { y = Relu(x) })");
  EXPECT_FALSE(IsQuantizedModel(*g));
  ImportQuantizationPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(ImportQuantization, RecordsActivationWeightAndBiasParameters) {
  auto g = Load(Conv());
  EXPECT_TRUE(IsQuantizedModel(*g));
  ImportQuantizationPass p;
  EXPECT_TRUE(RunPass(p, *g));
  const QuantParams* xq = g->FindValue("q")->quant() ? &*g->FindValue("q")->quant() : nullptr;
  ASSERT_NE(xq, nullptr);
  EXPECT_EQ(xq->storage, DType::kUInt8);
  EXPECT_EQ(xq->scale, std::vector<float>({0.05f}));
  EXPECT_EQ(xq->zero_point, std::vector<int64_t>({128}));
  EXPECT_EQ(xq->kind, QuantTensorKind::kActivation);
  const auto& w = g->FindValue("w")->quant();
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->kind, QuantTensorKind::kWeight);
  EXPECT_EQ(w->axis, std::optional<int64_t>(0));
  EXPECT_EQ(g->FindValue("b")->quant()->kind, QuantTensorKind::kBias);
  // Idempotent: a second run changes nothing.
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(ImportQuantization, InconsistentPairNamesTheDequantizeLinear) {
  auto g = Load(Conv("s2"));
  auto r = ImportQuantizationPass().Run(*g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("(DequantizeLinear): dequantizes with u8 scale 0.1"));
}

TEST(ImportQuantization, WeightPerChannelOnTheWrongAxisIsUnimplemented) {
  auto g = Load(Conv("s", "1"));
  auto r = ImportQuantizationPass().Run(*g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(r.status().message(), HasSubstr("per channel along axis 1"));
}

TEST(ImportQuantization, BadScalesAndDequantizeWithoutQuantize) {
  for (float scale : {0.0f, -0.5f, NAN, INFINITY}) {
    SCOPED_TRACE(scale);
    auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[4] x) => (float[4] y) <float s = {1}, int8 zp = {0}> {
  q = QuantizeLinear(x, s, zp)
  y = DequantizeLinear(q, s, zp)
})");
    g->SetInitializer(g->FindValue("s"), Tensor::Scalar<float>(scale));  // no text for nan/inf
    auto r = ImportQuantizationPass().Run(*g);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().message(), HasSubstr("is not a positive finite number"));
  }
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (uint8[4] x) => (float[4] y) <float s = {0.5}, uint8 zp = {0}> {
  y = DequantizeLinear(x, s, zp)
})");
  auto r = ImportQuantizationPass().Run(*g);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("no QuantizeLinear produces"));
}

TEST(ImportQuantization, PerChannelActivationIsUnimplemented) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2] x) => (float[1,2] y) <float[2] s = {0.5, 0.25}, int8[2] zp = {0, 0}> {
  q = QuantizeLinear<axis = 1>(x, s, zp)
  y = DequantizeLinear<axis = 1>(q, s, zp)
})");
  auto r = ImportQuantizationPass().Run(*g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace quantc
