// Regression cases for the crash classes of issue 11 at kernel level: sizes
// from tensor data or attributes that wrap around 64 bits or ask for huge
// outputs, zero-sized channels, and values whose conversion was undefined.
// Each case crashed, hung or returned a wrongly shaped tensor before the
// checked size helper (ir/tensor.h); now it is an error or a correct result
// (expected values worked out by hand, as numpy computes them).
#include <cstdint>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
// 7 * kInverseOf7 == 1 (mod 2^64).
constexpr int64_t kInverseOf7 = 0x6db6db6db6db6db7;

void ExpectInvalid(const absl::StatusOr<Tensor>& r, const std::string& fragment) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(fragment));
}

TEST(SizeLimits, ReshapeToAWrappingShape) {
  // Before: accepted, giving a "1-element" tensor of dims [7, 2^62.8].
  ExpectInvalid(NodeRunner("Reshape", 2).Run1({F32({1}, {1}), Ints({7, kInverseOf7})}),
                "node 'n' (Reshape): shape [7,7905747460161236407] of f32");
  ExpectInvalid(NodeRunner("Reshape", 2).Run1({F32({1}, {1}), Ints({7, kInverseOf7, -1})}),
                "shape [7,7905747460161236407,1] of f32");
}

TEST(SizeLimits, SplitSizesThatWrap) {
  // 4 * 2^62 + 4 == 4 (mod 2^64): before, five huge outputs and a SIGSEGV.
  const int64_t big = int64_t{1} << 62;
  auto r = NodeRunner("Split", 2, 5)
               .Attr(Attribute::Int("axis", 1))
               .Run({F32({1, 4}, {1, 2, 3, 4}), Ints({big, big, big, big, 4})});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("exceeds axis size 4"));
}

TEST(SizeLimits, SliceStepsAndBoundsAtTheInt64Limits) {
  const Tensor x = F32({4}, {0, 1, 2, 3});
  // x[INT64_MIN:INT64_MAX:INT64_MAX] == [0]; x[INT64_MAX:INT64_MIN:INT64_MIN] == [3].
  auto fwd = NodeRunner("Slice", 5).Run1({x, Ints({kMin}), Ints({kMax}), Ints({0}), Ints({kMax})});
  ASSERT_TRUE(fwd.ok()) << fwd.status();
  EXPECT_THAT(Values<float>(*fwd), ElementsAre(0));
  auto back = NodeRunner("Slice", 5).Run1({x, Ints({kMax}), Ints({kMin}), Ints({0}), Ints({kMin})});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_THAT(Values<float>(*back), ElementsAre(3));
  // x[::-2] == [3, 1]; an empty dim with a negative step is empty.
  auto rev = NodeRunner("Slice", 5).Run1({x, Ints({-1}), Ints({kMin}), Ints({0}), Ints({-2})});
  EXPECT_THAT(Values<float>(*rev), ElementsAre(3, 1));
  auto empty = NodeRunner("Slice", 5).Run1({F32({0}, {}), Ints({-1}), Ints({kMin}), Ints({0}),
                                            Ints({-1})});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->dims(), (std::vector<int64_t>{0}));
}

// Conv with zero input channels sums nothing: y = bias (before: SIGFPE).
TEST(SizeLimits, ConvWithZeroChannels) {
  auto y = NodeRunner("Conv", 3).Attr(Attribute::Ints("kernel_shape", {1, 1}))
               .Run1({F32({1, 0, 2, 2}, {}), F32({2, 0, 1, 1}, {}), F32({2}, {0.5f, -1})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dims(), (std::vector<int64_t>{1, 2, 2, 2}));
  EXPECT_THAT(Values<float>(*y), ElementsAre(0.5f, 0.5f, 0.5f, 0.5f, -1, -1, -1, -1));
  auto t = NodeRunner("ConvTranspose", 2)
               .Run1({F32({1, 0, 2}, {}), F32({0, 1, 3}, {})});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->dims(), (std::vector<int64_t>{1, 1, 4}));
  EXPECT_THAT(Values<float>(*t), ElementsAre(0, 0, 0, 0));
}

// QLinearMatMul with no rows and per-row (so zero) A scales read sa[0] of
// an empty vector (found by fuzz/run_fuzzer).
TEST(SizeLimits, QLinearMatMulWithNoRows) {
  auto y = NodeRunner("QLinearMatMul", 8)
               .Run1({U8({0, 2}, {}), F32({0}, {}), U8({}, {0}), U8({2, 3}, {1, 2, 3, 4, 5, 6}),
                      F32({}, {0.5f}), U8({}, {0}), F32({}, {1}), U8({}, {0})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dims(), (std::vector<int64_t>{0, 3}));
}

TEST(SizeLimits, WindowAttributesNearInt64Limits) {
  const Tensor x = F32({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor w = F32({1, 1, 1, 1}, {1});
  // Huge pads: an output of 2^61 x 2^61 is refused before any allocation.
  const int64_t p = int64_t{1} << 58;
  ExpectInvalid(NodeRunner("Conv", 2).Attr(Attribute::Ints("pads", {p, p, p, p})).Run1({x, w}),
                "of f32 needs");
  // Pads whose sum overflows int64.
  ExpectInvalid(
      NodeRunner("Conv", 2).Attr(Attribute::Ints("pads", {kMax, kMax, 0, 0})).Run1({x, w}),
      "exceed 2^61");
  ExpectInvalid(NodeRunner("Conv", 2)
                    .Attr(Attribute::Ints("strides", {kMax, 1}))
                    .Attr(Attribute::Ints("dilations", {kMax, 1}))
                    .Attr(Attribute::Ints("kernel_shape", {1, 1}))
                    .Run1({x, w}),
                "exceed 2^61");
  ExpectInvalid(NodeRunner("ConvTranspose", 2)
                    .Attr(Attribute::Ints("strides", {kMax, kMax}))
                    .Run1({x, w}),
                "exceed 2^61");
  // Huge pads with huge strides give a small output but a huge padded
  // plane: the depthwise path is skipped, and the result is still right.
  auto y = NodeRunner("Conv", 2)
               .Attr(Attribute::Ints("pads", {p, p, p, p}))
               .Attr(Attribute::Ints("strides", {p, p}))
               .Run1({x, w});
  ASSERT_TRUE(y.ok()) << y.status();
  // Rows/columns start at -p, 0 and p: only (0, 0) reads the input.
  EXPECT_EQ(y->dims(), (std::vector<int64_t>{1, 1, 3, 3}));
  EXPECT_THAT(Values<float>(*y), ElementsAre(0, 0, 0, 0, 1, 0, 0, 0, 0));
}

TEST(SizeLimits, OutputsOverTheCap) {
  ExpectInvalid(NodeRunner("MatMul", 2).Run1({IotaF32({1 << 16, 1}), IotaF32({1, 1 << 16})}),
                "shape [65536,65536] of f32 needs 16 GiB");
  ExpectInvalid(NodeRunner("Gather", 2).Run1({IotaF32({1, 1 << 15}), I64({1 << 15}, std::vector<int64_t>(1 << 15, 0))}),
                "shape [32768,32768] of f32");
  ExpectInvalid(NodeRunner("Expand", 2).Run1({IotaF32({1}), Ints({1 << 20, 1 << 20})}), "of f32");
  ExpectInvalid(NodeRunner("Tile", 2).Run1({IotaF32({2}), Ints({kMax})}), "overflows 64 bits");
  ExpectInvalid(NodeRunner("Tile", 2).Run1({F32({1}, {1}), Ints({int64_t{1} << 30})}), "of f32");
  ExpectInvalid(NodeRunner("Pad", 2).Run1({IotaF32({2}), Ints({kMax, kMax})}), "overflows 64 bits");
  ExpectInvalid(NodeRunner("ConstantOfShape").Run1({Ints({kInverseOf7, 7})}), "of f32");
  ExpectInvalid(NodeRunner("Resize", 3).Run1({IotaF32({1, 1, 2, 2}), std::nullopt,
                                              F32({4}, {1, 1, 1e6f, 1e6f})}),
                "of f32 needs");
  ExpectInvalid(NodeRunner("SpaceToDepth").Attr(Attribute::Int("blocksize", 1 << 20))
                    .Run1({F32({1, int64_t{1} << 28, 0, 0}, {})}),
                "overflows 64 bits");
}

TEST(SizeLimits, WorkAndScratchAreBounded) {
  // 4 outputs x 2^40 taps each: Unimplemented, not an hour-long loop.
  const int64_t k = int64_t{1} << 20;
  auto pool = NodeRunner("MaxPool")
                  .Attr(Attribute::Ints("kernel_shape", {k, k}))
                  .Attr(Attribute::Ints("pads", {k, k, k, k}))
                  .Attr(Attribute::Ints("strides", {k, k}))
                  .Run1({F32({1, 1, 1, 1}, {1})});
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(pool.status().message()), HasSubstr("limit of 68719476736 per node"));
  // Linear resize that shrinks one axis and grows the other: the
  // intermediate [2^16, 2^16] doubles would take 32 GiB.
  auto resize = NodeRunner("Resize", 3)
                    .Attr(Attribute::String("mode", "linear"))
                    .Run1({F32({1 << 16, 1}, std::vector<float>(1 << 16, 1.0f)), std::nullopt,
                           F32({2}, {1.0f / 65536, 65536})});
  ASSERT_FALSE(resize.ok());
  EXPECT_EQ(resize.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(resize.status().message(), HasSubstr("scratch buffer"));
}

TEST(SizeLimits, ValuesWithoutDefinedConversions) {
  // Cast to a type code ONNX does not have.
  auto cast = NodeRunner("Cast").Attr(Attribute::Int("to", 99)).Run1({F32({1}, {1})});
  ASSERT_FALSE(cast.ok());
  EXPECT_THAT(cast.status().message(), HasSubstr("attribute 'to': element type 99"));
  // |INT64_MIN| and -INT64_MIN wrap to INT64_MIN, as on the hardware.
  auto abs = NodeRunner("Abs").Run1({I64({1}, {kMin})});
  EXPECT_THAT(Values<int64_t>(*abs), ElementsAre(kMin));
  auto neg = NodeRunner("Neg").Run1({I64({2}, {kMin, 5})});
  EXPECT_THAT(Values<int64_t>(*neg), ElementsAre(kMin, -5));
  // -0.0f stays a negative zero.
  auto negz = NodeRunner("Neg").Run1({F32({1}, {0.0f})});
  EXPECT_TRUE(std::signbit(Values<float>(*negz)[0]));
  // 10^30 has no int64: Cast's rule gives INT64_MIN.
  auto pow = NodeRunner("Pow", 2).Run1({I64({1}, {10}), I64({1}, {30})});
  EXPECT_THAT(Values<int64_t>(*pow), ElementsAre(kMin));
  // A range right up to INT64_MAX: three elements, no overflow.
  auto range = NodeRunner("Range", 3).Run1({I64({}, {kMax - 2}), I64({}, {kMax}), I64({}, {1})});
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_THAT(Values<int64_t>(*range), ElementsAre(kMax - 2, kMax - 1));
}

}  // namespace
}  // namespace testing
}  // namespace quantc
