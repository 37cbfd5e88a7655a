// GEMM, MatMul, Conv and ConvTranspose. The float kernels promise one FMA
// chain per output element in a documented order, so they are checked
// bit-for-bit against straightforward loops that compute exactly that.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/cpu.h"
#include "ir/kernels/sgemm.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;

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

// Reference conv: FMA chain over (c, kh, kw) in order, padding skipped
// (fma(w, 0, acc) == acc), then + bias. 2-D, NCHW.
struct ConvCase {
  int64_t n, c, h, w, m, kh, kw, group;
  Dims strides, dilations, pads;
};

std::vector<float> RefConv(const ConvCase& cc, const std::vector<float>& x,
                           const std::vector<float>& w, const std::vector<float>& b, int64_t oh,
                           int64_t ow) {
  const int64_t cg = cc.c / cc.group, mg = cc.m / cc.group;
  std::vector<float> y(cc.n * cc.m * oh * ow);
  for (int64_t n = 0; n < cc.n; ++n)
    for (int64_t m = 0; m < cc.m; ++m)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          float acc = 0;
          const int64_t g = m / mg;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t p = 0; p < cc.kh; ++p)
              for (int64_t q = 0; q < cc.kw; ++q) {
                int64_t ih = i * cc.strides[0] - cc.pads[0] + p * cc.dilations[0];
                int64_t iw = j * cc.strides[1] - cc.pads[1] + q * cc.dilations[1];
                if (ih < 0 || ih >= cc.h || iw < 0 || iw >= cc.w) continue;
                acc = std::fma(w[((m * cg + c) * cc.kh + p) * cc.kw + q],
                               x[((n * cc.c + g * cg + c) * cc.h + ih) * cc.w + iw], acc);
              }
          y[((n * cc.m + m) * oh + i) * ow + j] = acc + b[m];
        }
  return y;
}

TEST(Conv, MatchesReferenceAcrossGeometries) {
  BothKernelSets([] {
    const ConvCase cases[] = {
        {1, 3, 9, 9, 8, 3, 3, 1, {1, 1}, {1, 1}, {1, 1, 1, 1}},       // plain 3x3 pad 1
        {2, 4, 7, 6, 6, 3, 2, 2, {2, 1}, {1, 2}, {0, 1, 2, 0}},       // groups, dilation, asym pads
        {1, 8, 5, 5, 8, 3, 3, 8, {1, 1}, {1, 1}, {1, 1, 1, 1}},       // depthwise
        {1, 4, 6, 6, 8, 3, 3, 4, {2, 2}, {1, 1}, {0, 0, 1, 1}},       // depthwise x2 multiplier
        {1, 5, 4, 4, 7, 1, 1, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},       // pointwise (no im2col)
        {1, 16, 10, 10, 20, 3, 3, 1, {1, 1}, {1, 1}, {1, 1, 1, 1}},   // K = 144 > one panel row
        {1, 3, 40, 37, 8, 3, 3, 1, {2, 1}, {1, 1}, {1, 1, 1, 1}},     // wide rows: run-copy im2col
        {1, 24, 30, 30, 24, 5, 5, 24, {1, 2}, {1, 1}, {2, 2, 2, 2}},  // depthwise 5x5, strided rows
        {1, 32, 20, 20, 16, 3, 3, 1, {1, 1}, {1, 1}, {1, 1, 1, 1}},   // K = 288 > one K block
    };
    for (const ConvCase& cc : cases) {
      const int64_t cg = cc.c / cc.group;
      std::vector<float> x = RandomFloats(cc.n * cc.c * cc.h * cc.w, 5);
      std::vector<float> w = RandomFloats(cc.m * cg * cc.kh * cc.kw, 6);
      std::vector<float> b = RandomFloats(cc.m, 7);
      auto y = NodeRunner("Conv", 3)
                   .Attr(Attribute::Int("group", cc.group))
                   .Attr(Attribute::Ints("strides", cc.strides))
                   .Attr(Attribute::Ints("dilations", cc.dilations))
                   .Attr(Attribute::Ints("pads", cc.pads))
                   .Run1({F32({cc.n, cc.c, cc.h, cc.w}, x), F32({cc.m, cg, cc.kh, cc.kw}, w),
                          F32({cc.m}, b)});
      ASSERT_TRUE(y.ok()) << y.status();
      const int64_t oh = y->dims()[2], ow = y->dims()[3];
      EXPECT_EQ(
          oh,
          (cc.h + cc.pads[0] + cc.pads[2] - (cc.kh - 1) * cc.dilations[0] - 1) / cc.strides[0] + 1);
      EXPECT_EQ(
          ow,
          (cc.w + cc.pads[1] + cc.pads[3] - (cc.kw - 1) * cc.dilations[1] - 1) / cc.strides[1] + 1);
      EXPECT_EQ(Values<float>(*y), RefConv(cc, x, w, b, oh, ow)) << "group " << cc.group;
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
