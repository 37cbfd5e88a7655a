// GEMM, MatMul, Conv and ConvTranspose. The float kernels promise one FMA
// chain per output element in a documented order, so they are checked
// bit-for-bit against straightforward loops that compute exactly that.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/cpu.h"
#include "ir/kernels/kernel.h"
#include "ir/kernels/sgemm.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;
using kernels::ShapeStr;

// Runs `body` with the SIMD kernels and again with the portable ones.
template <typename F>
void BothKernelSets(F body) {
  body();
  kernels::ForcePortableKernelsForTesting(true);
  body();
  kernels::ForcePortableKernelsForTesting(false);
}

TEST(Sgemm, MatchesTheDocumentedFmaChainBitForBit) {
  BothKernelSets([] {
    const int64_t sizes[][3] = {{1, 1, 1},     {7, 19, 5},    {6, 16, 256}, {13, 33, 300},
                                {73, 1030, 9}, {2, 100, 300}, {1, 1000, 64}};
    for (const auto& s : sizes) {
      const int64_t m = s[0], n = s[1], k = s[2];
      std::vector<float> a = RandomFloats(m * k, 1), b = RandomFloats(k * n, 2);
      std::vector<float> c(m * n, -1.0f);
      // A transposed in memory to exercise the strided packing too.
      std::vector<float> at(k * m);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p) at[p * m + i] = a[i * k + p];
      kernels::Sgemm(m, n, k, at.data(), 1, m, b.data(), n, 1, c.data(), n);
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          float acc = 0.0f;
          for (int64_t p = 0; p < k; ++p) acc = std::fma(a[i * k + p], b[p * n + j], acc);
          ASSERT_EQ(c[i * n + j], acc) << "m=" << m << " n=" << n << " k=" << k;
        }
      }
    }
  });
}

TEST(Gemm, TransposesAlphaBetaAndBroadcastC) {
  // A' = A^T = [[1,2],[3,4]], B' = B^T = [[1,0],[0,1]]
  Tensor a = F32({2, 2}, {1, 3, 2, 4});
  Tensor b = F32({2, 2}, {1, 0, 0, 1});
  auto y = NodeRunner("Gemm", 3)
               .Attr(Attribute::Int("transA", 1))
               .Attr(Attribute::Int("transB", 1))
               .Attr(Attribute::Float("alpha", 2))
               .Attr(Attribute::Float("beta", 0.5f))
               .Run1({a, b, F32({2}, {10, 20})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y), ElementsAre(7, 14, 11, 18));
  // C is optional from opset 11 only.
  EXPECT_TRUE(NodeRunner("Gemm", 2).Run1({a, b}, 11).ok());
  EXPECT_FALSE(NodeRunner("Gemm", 2).Run1({a, b}, 9).ok());
  auto bad = NodeRunner("Gemm", 3).Run1({a, b, F32({3}, {1, 2, 3})});
  EXPECT_THAT(bad.status().message(), HasSubstr("node 'n' (Gemm): C [3] does not broadcast"));
}

TEST(MatMul, VectorPromotionAndBatchBroadcast) {
  Tensor m = F32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto mv = NodeRunner("MatMul", 2).Run1({m, F32({3}, {1, 1, 1})});
  ASSERT_TRUE(mv.ok());
  EXPECT_EQ(mv->dims(), (Dims{2}));
  EXPECT_THAT(Values<float>(*mv), ElementsAre(6, 15));
  auto vm = NodeRunner("MatMul", 2).Run1({F32({2}, {1, 1}), m});
  EXPECT_EQ(vm->dims(), (Dims{3}));
  // [2,1,2,3] x [3,3,1] batches broadcast to [2,3].
  auto bm = NodeRunner("MatMul", 2)
                .Run1({F32({2, 1, 2, 3}, RandomFloats(12, 3)), F32({3, 3, 1}, RandomFloats(9, 4))});
  ASSERT_TRUE(bm.ok()) << bm.status();
  EXPECT_EQ(bm->dims(), (Dims{2, 3, 2, 1}));
  auto ints = NodeRunner("MatMul", 2).Run1({I32({1, 2}, {2, 3}), I32({2, 1}, {4, 5})});
  EXPECT_THAT(Values<int32_t>(*ints), ElementsAre(23));
  EXPECT_FALSE(NodeRunner("MatMul", 2).Run1({m, m}).ok());
}

// Reference conv for 1-D to 3-D: one FMA chain per output over
// (c, kd, kh, kw) in order with padding skipped (fma(w, 0, acc) == acc),
// then + bias. Spatial vectors are padded to 3-D with leading 1s.
struct ConvCase {
  int64_t n, c, m, group;
  Dims in, kernel, strides, dilations, pads;  // pads: begins then ends
};

struct Geometry {
  int64_t in[3], k[3], s[3], d[3], p[3], out[3];
};

Geometry MakeGeometry(const ConvCase& cc) {
  Geometry g;
  const size_t r = cc.in.size(), lead = 3 - r;
  for (size_t i = 0; i < 3; ++i) {
    const bool real = i >= lead;
    const size_t j = i - lead;
    g.in[i] = real ? cc.in[j] : 1;
    g.k[i] = real ? cc.kernel[j] : 1;
    g.s[i] = real ? cc.strides[j] : 1;
    g.d[i] = real ? cc.dilations[j] : 1;
    g.p[i] = real ? cc.pads[j] : 0;
    const int64_t pe = real ? cc.pads[j + r] : 0;
    g.out[i] = (g.in[i] + g.p[i] + pe - (g.k[i] - 1) * g.d[i] - 1) / g.s[i] + 1;
  }
  return g;
}

std::vector<float> RefConv(const ConvCase& cc, const std::vector<float>& x,
                           const std::vector<float>& w, const std::vector<float>& b) {
  const Geometry g = MakeGeometry(cc);
  const int64_t cg = cc.c / cc.group, mg = cc.m / cc.group;
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2], ks = g.k[0] * g.k[1] * g.k[2];
  std::vector<float> y;
  for (int64_t n = 0; n < cc.n; ++n)
    for (int64_t m = 0; m < cc.m; ++m)
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            float acc = 0;
            for (int64_t c = 0; c < cg; ++c)
              for (int64_t a = 0; a < g.k[0]; ++a)
                for (int64_t p = 0; p < g.k[1]; ++p)
                  for (int64_t q = 0; q < g.k[2]; ++q) {
                    const int64_t id = od * g.s[0] - g.p[0] + a * g.d[0];
                    const int64_t ih = oh * g.s[1] - g.p[1] + p * g.d[1];
                    const int64_t iw = ow * g.s[2] - g.p[2] + q * g.d[2];
                    if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] || iw < 0 ||
                        iw >= g.in[2]) {
                      continue;
                    }
                    const int64_t xc = n * cc.c + (m / mg) * cg + c;
                    acc = std::fma(w[(m * cg + c) * ks + (a * g.k[1] + p) * g.k[2] + q],
                                   x[xc * in_size + (id * g.in[1] + ih) * g.in[2] + iw], acc);
                  }
            y.push_back(acc + b[m]);
          }
  return y;
}

TEST(Conv, MatchesReferenceAcrossGeometries) {
  BothKernelSets([] {
    // {n, c, m, group, in, kernel, strides, dilations, pads}
    const ConvCase cases[] = {
        {1, 3, 8, 1, {9, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}},       // plain 3x3 pad 1
        {2, 4, 6, 2, {7, 6}, {3, 2}, {2, 1}, {1, 2}, {0, 1, 2, 0}},       // groups, dilation
        {1, 8, 8, 8, {5, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}},       // depthwise
        {1, 4, 8, 4, {6, 6}, {3, 3}, {2, 2}, {1, 1}, {0, 0, 1, 1}},       // depthwise x2, strided
        {1, 5, 7, 1, {4, 4}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}},       // pointwise
        {1, 16, 20, 1, {10, 10}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}},   // K = 144
        {1, 3, 8, 1, {40, 37}, {3, 3}, {2, 1}, {1, 1}, {1, 1, 1, 1}},     // wide rows
        {1, 24, 24, 24, {30, 30}, {5, 5}, {1, 2}, {1, 1}, {2, 2, 2, 2}},  // depthwise 5x5
        {1, 32, 16, 1, {20, 20}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}},   // K = 288 > KC
        {2, 4, 6, 1, {11}, {3}, {2}, {1}, {1, 0}},                        // 1-D
        {1, 6, 6, 6, {40}, {3}, {1}, {2}, {2, 2}},                        // 1-D depthwise
        {1, 4, 6, 2, {5, 4, 6}, {3, 2, 3}, {1, 2, 1}, {1, 1, 2}, {1, 0, 2, 1, 1, 2}},  // 3-D
        {1, 3, 3, 3, {4, 5, 5}, {2, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1, 1, 1, 1}},  // 3-D dw
    };
    for (const ConvCase& cc : cases) {
      const int64_t cg = cc.c / cc.group;
      Dims xd = {cc.n, cc.c}, wd = {cc.m, cg};
      xd.insert(xd.end(), cc.in.begin(), cc.in.end());
      wd.insert(wd.end(), cc.kernel.begin(), cc.kernel.end());
      std::vector<float> x = RandomFloats(NumElements(xd), 5);
      std::vector<float> w = RandomFloats(NumElements(wd), 6);
      std::vector<float> b = RandomFloats(cc.m, 7);
      auto y = NodeRunner("Conv", 3)
                   .Attr(Attribute::Int("group", cc.group))
                   .Attr(Attribute::Ints("strides", cc.strides))
                   .Attr(Attribute::Ints("dilations", cc.dilations))
                   .Attr(Attribute::Ints("pads", cc.pads))
                   .Run1({F32(xd, x), F32(wd, w), F32({cc.m}, b)});
      ASSERT_TRUE(y.ok()) << y.status();
      const Geometry g = MakeGeometry(cc);
      Dims want = {cc.n, cc.m};
      for (size_t i = 3 - cc.in.size(); i < 3; ++i) want.push_back(g.out[i]);
      EXPECT_EQ(y->dims(), want);
      EXPECT_EQ(Values<float>(*y), RefConv(cc, x, w, b))
          << "x " << ShapeStr(xd) << " w " << ShapeStr(wd);
    }
  });
}

TEST(Conv, OneDimensionalAndAutoPad) {
  // 1-D: x = [1..5], w = [1, 1, 1], SAME_UPPER with stride 2 -> out 3,
  // total pad 2 split 1/1; SAME_LOWER puts the odd element first.
  Tensor x = F32({1, 1, 5}, {1, 2, 3, 4, 5});
  Tensor w = F32({1, 1, 3}, {1, 1, 1});
  auto up = NodeRunner("Conv", 2)
                .Attr(Attribute::String("auto_pad", "SAME_UPPER"))
                .Attr(Attribute::Ints("strides", {2}))
                .Run1({x, w});
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_THAT(Values<float>(*up), ElementsAre(3, 9, 9));
  Tensor w2 = F32({1, 1, 2}, {1, 10});
  auto lower =
      NodeRunner("Conv", 2).Attr(Attribute::String("auto_pad", "SAME_LOWER")).Run1({x, w2});
  auto upper =
      NodeRunner("Conv", 2).Attr(Attribute::String("auto_pad", "SAME_UPPER")).Run1({x, w2});
  EXPECT_THAT(Values<float>(*lower), ElementsAre(10, 21, 32, 43, 54));
  EXPECT_THAT(Values<float>(*upper), ElementsAre(21, 32, 43, 54, 5));
  auto valid = NodeRunner("Conv", 2).Attr(Attribute::String("auto_pad", "VALID")).Run1({x, w});
  EXPECT_THAT(Values<float>(*valid), ElementsAre(6, 9, 12));
}

TEST(Conv, ShapeErrorsNameTheNode) {
  auto y =
      NodeRunner("Conv", 2)
          .Attr(Attribute::Int("group", 2))
          .Run1({F32({1, 3, 4, 4}, RandomFloats(48, 1)), F32({2, 1, 3, 3}, RandomFloats(18, 1))});
  EXPECT_THAT(y.status().message(), HasSubstr("node 'n' (Conv): X [1,3,4,4] and W [2,1,3,3]"));
  auto big = NodeRunner("Conv", 2).Run1(
      {F32({1, 1, 2, 2}, {1, 2, 3, 4}), F32({1, 1, 3, 3}, RandomFloats(9, 1))});
  EXPECT_THAT(big.status().message(), HasSubstr("exceeds padded input size"));
}

TEST(ConvTranspose, StridesPadsOutputPaddingAndShape) {
  // 1-D, x = [1, 2], w = [1, 1, 1], stride 2: scatter gives [1,1,3,2,2].
  Tensor x = F32({1, 1, 2}, {1, 2});
  Tensor w = F32({1, 1, 3}, {1, 1, 1});
  auto y = NodeRunner("ConvTranspose", 2).Attr(Attribute::Ints("strides", {2})).Run1({x, w});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y), ElementsAre(1, 1, 3, 2, 2));
  auto padded = NodeRunner("ConvTranspose", 2)
                    .Attr(Attribute::Ints("strides", {2}))
                    .Attr(Attribute::Ints("pads", {1, 0}))
                    .Attr(Attribute::Ints("output_padding", {1}))
                    .Run1({x, w});
  EXPECT_THAT(Values<float>(*padded), ElementsAre(1, 3, 2, 2, 0));
  // output_shape larger than the natural size: the extra goes to the end.
  auto shaped = NodeRunner("ConvTranspose", 2)
                    .Attr(Attribute::Ints("strides", {2}))
                    .Attr(Attribute::Ints("output_shape", {6}))
                    .Run1({x, w});
  EXPECT_THAT(Values<float>(*shaped), ElementsAre(1, 1, 3, 2, 2, 0));
}

TEST(ConvTranspose, GroupsAndBias) {
  // Two groups, one channel each, 1x1 kernels: per-channel scale + bias.
  Tensor x = F32({1, 2, 1, 2}, {1, 2, 3, 4});
  Tensor w = F32({2, 1, 1, 1}, {10, 100});
  auto y = NodeRunner("ConvTranspose", 3)
               .Attr(Attribute::Int("group", 2))
               .Run1({x, w, F32({2}, {1, 2})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y), ElementsAre(11, 21, 302, 402));
}

}  // namespace
}  // namespace testing
}  // namespace quantc
