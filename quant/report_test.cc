// The report's measurements on a model small enough to work out by hand:
// histograms (activations over the quantizer's range, weights on the integer
// grid) and the per-layer entry.
#include "quant/report.h"

#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"

namespace quantc {
namespace {

// y = Relu(w . x), w = [1, -0.5, 0.25, 0].
constexpr char kModel[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,4,1,1] x) => (float[1,1,1,1] y) <float[1,4,1,1] w = {1, -0.5, 0.25, 0}> {
  c = Conv<kernel_shape = [1,1]>(x, w)
  y = Relu(c)
}
)";

const TensorReport* Find(const QuantReport& r, const std::string& name) {
  for (const TensorReport& t : r.tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

TEST(QuantReport, HistogramsAndLayersByHand) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok()) << g.status();
  // Samples give conv outputs 1, -0.5 (Relu: 0), 0.25, 0.75.
  auto data = CalibrationData::FromTensors(
      **g, {Tensor::FromVector<float>({4, 4, 1, 1}, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1})},
      {"x.npy"});
  ASSERT_TRUE(data.ok()) << data.status();
  GenericQuantizeOptions o;
  o.calibrate.data = &*data;
  std::unique_ptr<Graph> calibrated;
  PassManagerOptions pm_options;
  pm_options.after_pass = [&](const Pass& p, const Graph& graph, bool) {
    if (p.name() == "calibrate") calibrated = graph.Clone();
  };
  PassManager pm(pm_options);
  pm.AddAll(GenericQuantizePipeline(o));
  ASSERT_TRUE(pm.Run(**g).ok());
  ASSERT_NE(calibrated, nullptr);
  int64_t last = 0;
  auto r = BuildQuantReport(*calibrated, **g, *data, 8, [&](int64_t done, int64_t total) {
    EXPECT_EQ(total, 4);
    last = done;
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(last, 4);

  // x in [0, 1]: scale 1/255, zero point -128, so the histogram spans
  // [-0.5/255, 255.5/255] in 32 bins of 8/255: 0 is in bin 0, 1 in bin 31.
  // Nine zeros and seven ones; nothing clipped.
  const TensorReport* x = Find(*r, "x");
  ASSERT_TRUE(x && x->histogram);
  EXPECT_EQ(x->bits, 8);
  EXPECT_EQ(x->histogram->unit, "value");
  EXPECT_NEAR(x->histogram->lo, -0.5 / 255, 1e-6);  // the scale is a float32
  EXPECT_NEAR(x->histogram->hi, 255.5 / 255, 1e-6);
  std::vector<int64_t> want(32, 0);
  want[0] = 9;
  want[31] = 7;
  EXPECT_EQ(x->histogram->counts, want);
  EXPECT_EQ(x->histogram->below + x->histogram->above, 0);

  // y = 1, 0, 0.25, 0.75 on the same grid: bins 31, 0, 8 (64.25/8) and 23
  // (191.75/8).
  const TensorReport* y = Find(*r, "y");
  ASSERT_TRUE(y && y->histogram);
  want.assign(32, 0);
  want[0] = want[8] = want[23] = want[31] = 1;
  EXPECT_EQ(y->histogram->counts, want);

  // w / (1/127) = 127, -63.5, 31.75, 0 over [-127.5, 127.5] in 32 bins of
  // 255/32: bins 31, 8, 19 and 16.
  const TensorReport* w = Find(*r, "w");
  ASSERT_TRUE(w && w->histogram);
  EXPECT_EQ(w->histogram->unit, "code");
  EXPECT_EQ(w->histogram->lo, -127.5);
  want.assign(32, 0);
  want[8] = want[16] = want[19] = want[31] = 1;
  EXPECT_EQ(w->histogram->counts, want);

  // One quantized layer: its weight and its output after the fused Relu.
  ASSERT_EQ(r->layers.size(), 1u);
  const LayerReport& l = r->layers[0];
  EXPECT_EQ(l.op, "Conv");
  EXPECT_EQ(l.weight, "w");
  EXPECT_EQ(l.weight_bits, 8);
  EXPECT_EQ(l.weight_sqnr_db, w->sqnr_db);
  ASSERT_TRUE(l.output.has_value());
  EXPECT_EQ(*l.output, "y");
  EXPECT_EQ(*l.output_sqnr_db, y->sqnr_db);
}

}  // namespace
}  // namespace quantc
