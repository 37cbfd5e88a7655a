#include "passes/import/complete_quantization.h"

#include "gmock/gmock.h"
#include "passes/import/import_quantization.h"
#include "passes/import/mark_imported_float_ops.h"
#include "passes/import/test_util.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"

namespace quantc {
namespace {

using import_test::Count;
using import_test::Load;
using import_test::RunPass;
using ::testing::HasSubstr;

// PyTorch eager QAT's tail: the pooled features stay float before a
// quantized Linear.
constexpr char kPooled[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,2,2] x) => (float[1,3] y)
  <float s = {0.25}, uint8 zp = {0}, int8[3,2] w = {1, 2, 3, 4, 5, 6}, float[3] ws = {0.1, 0.1, 0.1},
   int8[3] wzp = {0, 0, 0}, float[3] b = {0, 1, 2}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  p = GlobalAveragePool(d)
  f = Flatten(p)
  wd = DequantizeLinear<axis = 0>(w, ws, wzp)
  y = Gemm<transB = 1>(f, wd, b)
})";

// A float Sigmoid feeding a quantized conv directly.
constexpr char kGate[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,1,2,2] x) => (float[1,1,2,2] y)
  <float s = {0.25}, int8 zp = {0}, int8[1,1,1,1] w = {3}, float[1] ws = {0.5}, int8[1] wzp = {0}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  g = Sigmoid(d)
  wd = DequantizeLinear<axis = 0>(w, ws, wzp)
  c = Conv<kernel_shape = [1, 1]>(g, wd)
  cq = QuantizeLinear(c, s, zp)
  y = DequantizeLinear(cq, s, zp)
})";

std::unique_ptr<Graph> Prepared(const char* text, ImportTarget t) {
  auto g = Load(text);
  EXPECT_TRUE(ImportQuantizationPass().Run(*g).ok());
  EXPECT_TRUE(MarkImportedFloatOpsPass({t, nullptr}).Run(*g).ok());
  return g;
}

TEST(CompleteQuantization, FullyQuantizedModelUnchanged) {
  auto g = Prepared(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[4] x) => (float[4] y) <float s = {0.5}, int8 zp = {0}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  r = Relu(d)
  q2 = QuantizeLinear(r, s, zp)
  y = DequantizeLinear(q2, s, zp)
})",
                    ImportTarget::kTinpu);
  CompleteQuantizationPass p({ImportTarget::kTinpu});
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(CompleteQuantization, PoolingImpliesItsInputsQuantization) {
  for (ImportTarget t : {ImportTarget::kGeneric, ImportTarget::kTinpu}) {
    auto g = Prepared(kPooled, t);
    std::vector<Diagnostic> log;
    std::vector<std::string> missing;
    CompleteQuantizationPass p({t, false, &missing, &log});
    EXPECT_TRUE(RunPass(p, *g));
    const Node* gemm = import_test::Find(*g, "Gemm");
    const QuantParams* in = DequantizedParams(gemm->input(0));
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->scale[0], 0.25f);
    // The pool and the flatten output both share the input's initializers.
    const Node* pool_q = import_test::Find(*g, "GlobalAveragePool")->output(0)->uses()[0].user;
    EXPECT_EQ(pool_q->op_type(), "QuantizeLinear");
    EXPECT_EQ(pool_q->input(1), import_test::Find(*g, "QuantizeLinear")->input(1));
    EXPECT_EQ(log.size(), 1u);  // the averaging one, not the exact flatten
    EXPECT_EQ(Count(*g, "QuantizeLinear"), 3);
    // TINPU also needs the Gemm's output quantized: not implied, no data.
    EXPECT_EQ(missing.size(), t == ImportTarget::kTinpu ? 1u : 0u);
  }
}

TEST(CompleteQuantization, MissingRangeIsAnErrorListingTheTensor) {
  auto g = Prepared(kGate, ImportTarget::kGeneric);
  auto r = CompleteQuantizationPass({ImportTarget::kGeneric}).Run(*g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("'g' (output of node producing 'g' (Sigmoid))"));
  EXPECT_THAT(r.status().message(), HasSubstr("--calib"));
}

TEST(CompleteQuantization, MissingRangeGetsAnObserverWithCalibration) {
  auto g = Prepared(kGate, ImportTarget::kTinpu);
  CompleteQuantizationPass p({ImportTarget::kTinpu, true});
  EXPECT_TRUE(RunPass(p, *g));
  const Node* conv = import_test::Find(*g, "Conv");
  ASSERT_NE(conv->input(0)->producer(), nullptr);
  EXPECT_TRUE(IsObserver(*conv->input(0)->producer()));
}

TEST(CompleteQuantization, MissingRangesCanBeListedInstead) {
  auto g = Prepared(kGate, ImportTarget::kTinpu);
  std::vector<std::string> missing;
  CompleteQuantizationPass p({ImportTarget::kTinpu, false, &missing});
  EXPECT_FALSE(RunPass(p, *g));
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_THAT(missing[0], HasSubstr("'g'"));
}

}  // namespace
}  // namespace quantc
