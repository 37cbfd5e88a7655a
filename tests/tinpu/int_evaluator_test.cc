// The exact TINPU evaluator against quantc's reference interpreter on small
// integer-valued graphs, where float32 arithmetic is exact too, so the two
// independent implementations must agree bit for bit. The cases reach the
// ops and attributes the fixtures do not (groups, dilations, asymmetric
// pads, auto_pad, 1-D/3-D, ceil_mode, padded average pools, layout ops,
// batched MatMul, Gemm), plus the evaluator's own rules: exact rational
// input quantization, shift-based Floor, and loud failures.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "tests/tinpu/bounds.h"
#include "tests/tinpu/exact.h"
#include "tests/tinpu/int_evaluator.h"

namespace quantc::tinpu {
namespace {

using ::testing::HasSubstr;

std::vector<float> RandomInts(size_t n, int lo, int hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(dist(rng));
  return v;
}

std::string List(const std::vector<float>& v) {
  return absl::StrCat("{", absl::StrJoin(v, ", "), "}");
}

Tensor F32(std::vector<int64_t> dims, const std::vector<float>& v) {
  return Tensor::FromVector<float>(std::move(dims), v);
}

// Runs `text` in both evaluators; outputs must agree exactly (or, for a
// value float32 cannot hold, to within rounding).
void ExpectSameAsInterpreter(const std::string& text, const std::vector<Tensor>& inputs) {
  auto g = ImportModelText(text);
  ASSERT_TRUE(g.ok()) << g.status() << "\n" << text;
  Interpreter interp(**g);
  auto want = interp.Run(inputs);
  ASSERT_TRUE(want.ok()) << want.status();
  auto ev = IntEvaluator::Create(**g);
  ASSERT_TRUE(ev.ok()) << ev.status();
  auto got = (*ev)->Run(inputs);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), want->size());
  for (size_t o = 0; o < got->size(); ++o) {
    const ExactTensor& e = (*got)[o];
    const Tensor& w = (*want)[o];
    ASSERT_EQ(e.dims, w.dims()) << "output " << o;
    for (int64_t i = 0; i < e.size(); ++i) {
      float ref = w.data<float>()[i];
      auto f = ToFloat(e.v[i]);
      if (f.ok()) {
        ASSERT_EQ(*f, ref) << "output " << o << " element " << i;
      } else {
        double exact = static_cast<double>(e.v[i].num) / static_cast<double>(e.v[i].den);
        ASSERT_NEAR(exact, ref, 1e-6 * std::abs(exact)) << "output " << o << " element " << i;
      }
    }
  }
  // The worst-case analysis accepts every graph the evaluator runs.
  EXPECT_TRUE(WorstCaseMagnitudes(**g).ok());
}

TEST(IntEvaluator, Conv2dGroupsPadsStridesDilationsBias) {
  auto w = RandomInts(6 * 2 * 3 * 2, -7, 7, 1);
  auto b = RandomInts(6, -300, 300, 2);
  std::string text = absl::StrCat(
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "m (float[1,4,7,6] x) => (float[1,6,3,6] y) <float[6,2,3,2] w = ", List(w),
      ", float[6] b = ", List(b), "> {\n"
      "  y = Conv<group = 2, pads = [1,0,2,1], strides = [2,1], dilations = [2,1]>(x, w, b)\n}");
  ExpectSameAsInterpreter(text, {F32({1, 4, 7, 6}, RandomInts(168, -128, 127, 3))});
}

TEST(IntEvaluator, Conv1dAutoPadAndBatch) {
  auto w = RandomInts(4 * 3 * 4, -127, 127, 4);
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    std::string text = absl::StrCat(
        "<ir_version: 8, opset_import: [\"\" : 13]>\n"
        "m (float[2,3,9] x) => (float[2,4,?] y) <float[4,3,4] w = ", List(w), "> {\n"
        "  y = Conv<auto_pad = \"", mode, "\", strides = [2]>(x, w)\n}");
    SCOPED_TRACE(mode);
    ExpectSameAsInterpreter(text, {F32({2, 3, 9}, RandomInts(54, 0, 255, 5))});
  }
}

TEST(IntEvaluator, Conv3dAndDepthwise) {
  auto w3 = RandomInts(3 * 2 * 2 * 3 * 2, -7, 7, 6);
  ExpectSameAsInterpreter(
      absl::StrCat("<ir_version: 8, opset_import: [\"\" : 13]>\n"
                   "m (float[1,2,3,4,4] x) => (float[1,3,2,4,5] y) <float[3,2,2,3,2] w = ",
                   List(w3), "> {\n  y = Conv<pads = [0,1,1,0,1,1]>(x, w)\n}"),
      {F32({1, 2, 3, 4, 4}, RandomInts(96, -128, 127, 7))});
  auto wd = RandomInts(4 * 1 * 3 * 3, -127, 127, 8);
  ExpectSameAsInterpreter(
      absl::StrCat("<ir_version: 8, opset_import: [\"\" : 13]>\n"
                   "m (float[1,4,5,5] x) => (float[1,4,3,3] y) <float[4,1,3,3] w = ", List(wd),
                   "> {\n  y = Conv<group = 4, pads = [1,1,1,1], strides = [2,2]>(x, w)\n}"),
      {F32({1, 4, 5, 5}, RandomInts(100, 0, 255, 9))});
}

TEST(IntEvaluator, Pools) {
  auto x = RandomInts(2 * 5 * 5, -128, 127, 10);
  // MaxPool with padding and ceil_mode; AveragePool window sums recovered
  // by Mul(kernel area) + Round (padding counted, as TINPU pools do); a
  // padded average without the padding in the count (a non-integer).
  ExpectSameAsInterpreter(
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "m (float[1,2,5,5] x) => (float[1,2,3,3] mp, float[1,2,3,3] sum, float[1,2,3,3] avg)"
      " <float a = {9}> {\n"
      "  mp = MaxPool<kernel_shape = [3,3], strides = [2,2], pads = [1,1,1,1], ceil_mode = 1>(x)\n"
      "  ap = AveragePool<kernel_shape = [3,3], strides = [2,2], pads = [1,1,1,1],"
      " count_include_pad = 1>(x)\n"
      "  scaled = Mul(ap, a)\n"
      "  sum = Round(scaled)\n"
      "  avg = AveragePool<kernel_shape = [3,3], strides = [2,2], pads = [1,1,1,1]>(x)\n}",
      {F32({1, 2, 5, 5}, x)});
  ExpectSameAsInterpreter(
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "m (float[1,3,6,6] x) => (float[1,3,3,3] y) <float a = {4}> {\n"
      "  ap = AveragePool<kernel_shape = [2,2], strides = [2,2]>(x)\n"
      "  s = Mul(ap, a)\n  y = Round(s)\n}",
      {F32({1, 3, 6, 6}, RandomInts(108, 0, 255, 11))});
}

TEST(IntEvaluator, ReduceSumAndLayoutOps) {
  auto x = RandomInts(2 * 3 * 4 * 2, -128, 127, 12);
  ExpectSameAsInterpreter(
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "m (float[2,3,4,2] x) => (float[2,3] r, float[2,3,4,1] k, float[6,8] f, float[2,12,2] s,"
      " float[2,4,2,3] t)"
      " <int64[2] ax = {2, 3}, int64[1] last = {-1}, int64[3] shape = {0, -1, 2}> {\n"
      "  r = ReduceSum<keepdims = 0>(x, ax)\n"
      "  k = ReduceSum(x, last)\n"
      "  f = Flatten<axis = 2>(x)\n"
      "  s = Reshape(x, shape)\n"
      "  t = Transpose<perm = [0,2,3,1]>(x)\n}",
      {F32({2, 3, 4, 2}, x)});
}

// Concat moves integers (quantc's TINPU lowering requantizes its inputs to
// one scale first), along a middle axis and the first one.
TEST(IntEvaluator, Concat) {
  auto a = RandomInts(2 * 3 * 2, -128, 127, 31), b = RandomInts(2 * 1 * 2, -128, 127, 32);
  ExpectSameAsInterpreter(
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "m (float[2,3,2] a, float[2,1,2] b) => (float[2,4,2] c, float[4,3,2] d) {\n"
      "  c = Concat<axis = 1>(a, b)\n"
      "  d = Concat<axis = 0>(a, a)\n}",
      {F32({2, 3, 2}, a), F32({2, 1, 2}, b)});
}

// Float ops (CPU fallbacks) on dequantized integers: the exact float32
// results of the ONNX definitions, which quantc's interpreter computes too.
TEST(IntEvaluator, FloatFallbackOps) {
  auto x = RandomInts(2 * 5, -128, 127, 33);
  auto g = ImportModelText(
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "m (float[2,5] x) => (float[2,5] s, float[2,5] m) <float q = {0.0625}> {\n"
      "  r = Mul(x, q)\n"
      "  s = Sigmoid(r)\n"
      "  m = Softmax<axis = 1>(r)\n}");
  ASSERT_TRUE(g.ok()) << g.status();
  auto ev = IntEvaluator::Create(**g);
  ASSERT_TRUE(ev.ok()) << ev.status();
  auto got = (*ev)->Run({F32({2, 5}, x)});
  ASSERT_TRUE(got.ok()) << got.status();
  for (int64_t i = 0; i < 10; ++i) {
    const double r = x[i] * 0.0625;
    EXPECT_EQ(*ToFloat((*got)[0].v[i]), static_cast<float>(1 / (1 + std::exp(-r))));
  }
  for (int64_t row = 0; row < 2; ++row) {
    double sum = 0;
    for (int64_t k = 0; k < 5; ++k) sum += *ToFloat((*got)[1].v[row * 5 + k]);
    EXPECT_NEAR(sum, 1.0, 1e-6);
  }
  EXPECT_TRUE(IsFloatFallbackOp("Softmax"));
  EXPECT_FALSE(IsFloatFallbackOp("Conv"));
}

TEST(IntEvaluator, MatMulAndGemm) {
  auto w = RandomInts(5 * 4, -127, 127, 13);
  auto c = RandomInts(4, -1000, 1000, 14);
  ExpectSameAsInterpreter(
      absl::StrCat("<ir_version: 8, opset_import: [\"\" : 13]>\n"
                   "m (float[2,3,5] x, float[3,5] z) => (float[2,3,4] y, float[3,4] g)"
                   " <float[5,4] w = ", List(w), ", float[4,5] wt = ", List(w),
                   ", float[4] c = ", List(c), "> {\n"
                   "  y = MatMul(x, w)\n  g = Gemm<transB = 1>(z, wt, c)\n}"),
      {F32({2, 3, 5}, RandomInts(30, -128, 127, 15)), F32({3, 5}, RandomInts(15, 0, 255, 16))});
}

// An OSS block on negative and positive accumulators: Floor is an
// arithmetic shift, so negative values round toward -inf.
TEST(IntEvaluator, OffsetScaleShiftBlock) {
  ExpectSameAsInterpreter(
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "m (float[1,2,1,4] x) => (float[1,2,1,4] y, float[1,2,1,4] r)"
      " <float[1,2,1,1] off = {5, -7}, float[1,2,1,1] mult = {1, 201},"
      " float[1,2,1,1] sh = {0.125, 0.00048828125}, float lo = {-128}, float hi = {127},"
      " float zero = {0}, float top = {255}> {\n"
      "  a = Add(x, off)\n  b = Mul(a, mult)\n  c = Mul(b, sh)\n  d = Floor(c)\n"
      "  y = Clip(d, lo, hi)\n  e = Relu(y)\n  r = Clip(e, zero, top)\n}",
      {F32({1, 2, 1, 4}, {-1000, -13, -12, 1000, -79999, -1, 3, 79999})});
  Rational shifted{-7, 4};
  EXPECT_EQ(Floor(shifted).num, -2);  // -7 >> 2
}

TEST(Exact, RoundingAndConversions) {
  EXPECT_EQ(RoundHalfEven({5, 2}).num, 2);
  EXPECT_EQ(RoundHalfEven({7, 2}).num, 4);
  EXPECT_EQ(RoundHalfEven({-5, 2}).num, -2);
  EXPECT_EQ(RoundHalfEven({-7, 3}).num, -2);
  auto tenth = FromFloat(0.1f);
  ASSERT_TRUE(tenth.ok());
  EXPECT_EQ(tenth->den, static_cast<i128>(1) << 27);
  EXPECT_EQ(*ToFloat(*tenth), 0.1f);
  EXPECT_FALSE(ToFloat({1, 3}).ok());
  EXPECT_FALSE(FromFloat(1e-30f).ok());  // outside the exact range: an error, not a rounding
}

// The input-quantize block is evaluated on the exact rational x + offset.
// Here x + offset is 1/32 - 2^-30, which float32 rounds up to 1/32: ONNX
// evaluation (the interpreter, like ORT) yields 1, the exact value is 0.
TEST(IntEvaluator, InputBlockIsExactRationalArithmetic) {
  auto g = ImportModelText(
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "m (float[1,2] x) => (float[1,2] y)"
      " <float off = {0.015625}, float mult = {128}, float sh = {0.25}, float lo = {-128},"
      " float hi = {127}> {\n"
      "  a = Add(x, off)\n  b = Mul(a, mult)\n  c = Mul(b, sh)\n  d = Floor(c)\n"
      "  y = Clip(d, lo, hi)\n}");
  ASSERT_TRUE(g.ok()) << g.status();
  const float x0 = 0.015625f - 0x1p-30f;
  std::vector<Tensor> in = {F32({1, 2}, {x0, 0.3f})};
  Interpreter interp(**g);
  auto f32 = interp.Run(in);
  ASSERT_TRUE(f32.ok());
  auto ev = IntEvaluator::Create(**g);
  ASSERT_TRUE(ev.ok());
  auto exact = (*ev)->Run(in);
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ((*f32)[0].data<float>()[0], 1.0f);
  EXPECT_EQ((*exact)[0].v[0].num, 0);
  EXPECT_EQ((*exact)[0].v[1].num, 10);  // floor((0.3 + 1/64) * 32)
}

TEST(IntEvaluator, FailsLoudly) {
  auto sig = ImportModelText(
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "m (float[1,2] x) => (float[1,2] y) { s = Exp(x)\n y = Relu(s) }");
  ASSERT_TRUE(sig.ok());
  auto ev = IntEvaluator::Create(**sig);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(ev.status().message(), HasSubstr("'s' (Exp)"));

  auto run = [](const std::string& body, float x) {
    auto g = ImportModelText(absl::StrCat(
        "<ir_version: 8, opset_import: [\"\" : 13]>\n"
        "m (float[1,1,1,1] x) => (float[1,1,1,1] y)"
        " <float c = {0.3}, float h = {0.5}, float[1,1,1,1] w = {3}> {\n",
        body, "\n}"));
    EXPECT_TRUE(g.ok()) << g.status();
    auto e = IntEvaluator::Create(**g);
    EXPECT_TRUE(e.ok());
    return (*e)->Run({F32({1, 1, 1, 1}, {x})}).status();
  };
  // Mul by a constant that is neither an integer nor a power of two.
  EXPECT_THAT(run("y = Mul(x, c)", 1).message(), HasSubstr("neither an integer"));
  // A non-integer reaching a Conv.
  EXPECT_THAT(run("y = Conv(x, w)", 0.5).message(), HasSubstr("not an integer"));
  // A fractional constant added in the integer domain (after a Floor).
  EXPECT_THAT(run("f = Floor(x)\n y = Add(f, h)", 2).message(),
              HasSubstr("outside the float input block"));
}

}  // namespace
}  // namespace quantc::tinpu
