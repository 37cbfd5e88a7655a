#include "passes/import/fold_qdq_casts.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "passes/import/test_util.h"

namespace quantc {
namespace {

using import_test::Load;
using import_test::RunPass;
using ::testing::HasSubstr;

std::string Model(int zp, const char* cast_to) {
  return absl::StrCat(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,4] x) => (float[1,4] y) <float s = {0.1}, int32 zp32 = {)",
                      zp, R"(}> {
  zp_id = Identity(zp32)
  zp = Cast<to = )",
                      cast_to, R"(>(zp_id)
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  c = Cast<to = 1>(d)
  y = Relu(c)
})");
}

TEST(FoldQdqCasts, NoCastNoChange) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,4] x) => (float[1,4] y) <float s = {0.1}, uint8 zp = {3}> {
  q = QuantizeLinear(x, s, zp)
  y = DequantizeLinear(q, s, zp)
})");
  FoldQdqCastsPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(FoldQdqCasts, FoldsPyTorchZeroPointCastAndBypassesNoOpCast) {
  auto g = Load(Model(128, "2"));
  FoldQdqCastsPass p;
  EXPECT_TRUE(RunPass(p, *g));
  const Node* q = import_test::Find(*g, "QuantizeLinear");
  ASSERT_TRUE(q->input(2)->is_initializer());
  EXPECT_EQ(q->input(2)->initializer().dtype(), DType::kUInt8);
  EXPECT_EQ(q->input(2)->initializer().GetAsDouble(0), 128);
  EXPECT_EQ(import_test::Find(*g, "DequantizeLinear")->input(2), q->input(2));
  // Both Casts are gone: the zero point's and the float -> float one.
  EXPECT_EQ(import_test::Count(*g, "Cast"), 0);
}

TEST(FoldQdqCasts, OutOfRangeZeroPointIsAnErrorNamingTheNode) {
  auto g = Load(Model(300, "2"));
  auto r = FoldQdqCastsPass().Run(*g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("(QuantizeLinear): zero point 300"));
  EXPECT_THAT(r.status().message(), HasSubstr("[0, 255]"));
}

TEST(FoldQdqCasts, CastToANonQuantizedTypeIsUnimplemented) {
  auto g = Load(Model(3, "7"));  // int64
  auto r = FoldQdqCastsPass().Run(*g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(r.status().message(), HasSubstr("not a quantized type"));
}

}  // namespace
}  // namespace quantc
