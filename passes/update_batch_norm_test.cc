#include "passes/update_batch_norm.h"

#include "gtest/gtest.h"
#include "ir/onnx_import.h"

namespace quantc {
namespace {

constexpr char kModel[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
bn (float[1,2,2] x) => (float[1,2,2] y)
  <float[2] g = {1, 1}, float[2] b = {0, 0}, float[2] m = {0, 0}, float[2] v = {1, 1}> {
  y = BatchNormalization(x, g, b, m, v)
}
)";

// Channel 0 takes values {0, 2} (mean 1, var 1); channel 1 {-3, -1, -2, -2}
// (mean -2, var 0.5) over two samples of 2 positions each.
CalibrationData Data(const Graph& g) {
  Tensor x = Tensor::FromVector<float>({2, 2, 2}, {0, 2, -3, -1, 2, 0, -2, -2});
  auto d = CalibrationData::FromTensors(g, {x}, {"test"});
  EXPECT_TRUE(d.ok()) << d.status();
  return *std::move(d);
}

TEST(UpdateBatchNorm, NoBatchNormIsUnchanged) {
  auto g = ImportModelText(R"(
<ir_version: 8, opset_import: ["" : 13]>
nobn (float[1,2,2] x) => (float[1,2,2] y) { y = Relu(x) }
)");
  ASSERT_TRUE(g.ok());
  CalibrationData data = Data(**g);
  auto r = UpdateBatchNormPass({&data, 1}).Run(**g);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(UpdateBatchNorm, EstimatesPerChannelMeanAndVariance) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok()) << g.status();
  CalibrationData data = Data(**g);
  auto r = UpdateBatchNormPass({&data, 2}).Run(**g);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(*r);
  const Node* bn = (*g)->nodes().ToVector()[0];
  EXPECT_EQ(bn->input(3)->initializer().data<float>()[0], 1.0f);
  EXPECT_EQ(bn->input(3)->initializer().data<float>()[1], -2.0f);
  EXPECT_EQ(bn->input(4)->initializer().data<float>()[0], 1.0f);
  EXPECT_EQ(bn->input(4)->initializer().data<float>()[1], 0.5f);
  // A second run finds the statistics already right.
  auto again = UpdateBatchNormPass({&data, 1}).Run(**g);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

}  // namespace
}  // namespace quantc
