// The checked size helper (CheckShape) and the tensor factories built on it:
// every shape from input goes through these, so their edge cases are the
// edge cases of every kernel and of the importer.
#include "ir/tensor.h"

#include <cstdint>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quantc {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Restores the process-wide cap after a test that changes it.
class CapGuard {
 public:
  explicit CapGuard(int64_t bytes) : saved_(MaxTensorBytes()) { SetMaxTensorBytes(bytes); }
  ~CapGuard() { SetMaxTensorBytes(saved_); }

 private:
  int64_t saved_;
};

TEST(CheckShape, CountsElements) {
  EXPECT_EQ(*CheckShape(DType::kFloat32, {}), 1);
  EXPECT_EQ(*CheckShape(DType::kFloat32, {2, 3, 4}), 24);
  EXPECT_EQ(*CheckShape(DType::kInt8, {0, 5}), 0);
  EXPECT_EQ(MaxTensorBytes(), int64_t{1} << 30);  // the documented default
}

TEST(CheckShape, RejectsNegativeDims) {
  auto r = CheckShape(DType::kFloat32, {2, -1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("shape [2,-1] has a negative dimension"));
}

// 7 * 0x6db6db6db6db6db7 == 1 (mod 2^64): a product that wraps to a
// plausible count (one element).
constexpr int64_t kInverseOf7 = 0x6db6db6db6db6db7;

TEST(CheckShape, RejectsProductsThatWrap) {
  EXPECT_FALSE(CheckShape(DType::kUInt8, {7, kInverseOf7}).ok());
  EXPECT_FALSE(CheckShape(DType::kUInt8, {kMax, kMax}).ok());
  EXPECT_FALSE(CheckShape(DType::kUInt8, {int64_t{1} << 32, int64_t{1} << 32}).ok());
}

TEST(CheckShape, HoldsTheByteCap) {
  // 2^28 floats are exactly 1 GiB; one more element is over.
  EXPECT_TRUE(CheckShape(DType::kFloat32, {int64_t{1} << 28}).ok());
  auto r = CheckShape(DType::kFloat32, {(int64_t{1} << 28) + 1});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("more than quantc's tensor size limit of 1 GiB"));
  // Same count, 8-byte elements: over.
  EXPECT_FALSE(CheckShape(DType::kInt64, {int64_t{1} << 28}).ok());
  CapGuard small(1000);
  EXPECT_TRUE(CheckShape(DType::kFloat32, {250}).ok());
  EXPECT_FALSE(CheckShape(DType::kFloat32, {251}).ok());
}

// An empty tensor's other dims still size its strides and loops.
TEST(CheckShape, CountsZeroDimsAsOne) {
  EXPECT_TRUE(CheckShape(DType::kFloat32, {0, 1000}).ok());
  auto r = CheckShape(DType::kFloat32, {0, kMax, kMax});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("is empty, but its non-zero dims alone exceed"));
}

TEST(CheckShape, NeedsASizedElementType) {
  EXPECT_FALSE(CheckShape(DType::kUndefined, {1}).ok());
  EXPECT_TRUE(CheckShape(DType::kString, {4}).ok());
}

TEST(TensorCreate, ZeroFilledOrAnError) {
  auto t = Tensor::Create(DType::kInt32, {2, 2});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->num_bytes(), 16u);
  for (int32_t v : t->data<int32_t>()) EXPECT_EQ(v, 0);
  EXPECT_FALSE(Tensor::Create(DType::kFloat32, {1 << 20, 1 << 20}).ok());
  auto s = Tensor::Create(DType::kString, {3});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->strings().size(), 3u);
}

TEST(TensorFromBytes, ChecksSizeAndBooleans) {
  EXPECT_TRUE(Tensor::FromBytes(DType::kInt16, {2}, std::string(4, '\0')).ok());
  auto short_data = Tensor::FromBytes(DType::kInt16, {2}, std::string(3, '\0'));
  ASSERT_FALSE(short_data.ok());
  EXPECT_THAT(short_data.status().message(), HasSubstr("holds 3 bytes but shape [2] of i16 needs 4"));
  EXPECT_TRUE(Tensor::FromBytes(DType::kBool, {2}, std::string("\x00\x01", 2)).ok());
  auto bad_bool = Tensor::FromBytes(DType::kBool, {2}, std::string("\x00\x02", 2));
  ASSERT_FALSE(bad_bool.ok());
  EXPECT_THAT(bad_bool.status().message(), HasSubstr("bool data holds the byte 2"));
  EXPECT_FALSE(Tensor::FromBytes(DType::kString, {0}, "").ok());
}

TEST(TensorReshape, RejectsWrappedCounts) {
  Tensor one = Tensor::FromVector<float>({1}, {5.0f});
  EXPECT_FALSE(one.Reshape({7, kInverseOf7}).ok());
  auto r = one.Reshape({1, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->dims(), (std::vector<int64_t>{1, 1}));
  auto mismatch = one.Reshape({2});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(mismatch.status().message(), HasSubstr("cannot reshape [1] (1 elements) to [2]"));
}

TEST(DTypeFromCode, KnowsOnnx112Types) {
  EXPECT_EQ(*DTypeFromCode(1), DType::kFloat32);
  EXPECT_EQ(*DTypeFromCode(16), DType::kBFloat16);
  EXPECT_EQ(DTypeFromCode(14).status().code(), absl::StatusCode::kUnimplemented);  // complex64
  EXPECT_EQ(DTypeFromCode(17).status().code(), absl::StatusCode::kUnimplemented);  // float8
  EXPECT_EQ(DTypeFromCode(0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DTypeFromCode(99).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DTypeFromCode(-3).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace quantc
