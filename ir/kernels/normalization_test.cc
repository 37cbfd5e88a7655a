// InstanceNormalization and LayerNormalization. Expected values come from
// PyTorch 1.13 (torch.nn.functional.instance_norm / layer_norm) and, for
// LayerNormalization's Mean and InvStdDev outputs, from numpy in float64
// (x.mean(), 1 / sqrt(x.var() + eps)).
#include <optional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;
using Dims = std::vector<int64_t>;

// 2 samples x 2 channels x 3; one row is constant (variance 0).
Tensor Input() { return F32({2, 2, 3}, {1, 2, 4, -3, 0, 5, 2, 2, 2, 0.5f, -1.5f, 7}); }

TEST(InstanceNormalization, MatchesTorch) {
  // F.instance_norm(x, weight=[1.5, -2], bias=[0.25, 1], eps=eps).
  auto run = [](float eps) {
    return NodeRunner("InstanceNormalization", 3)
        .Attr(Attribute::Float("epsilon", eps))
        .Run1({Input(), F32({2}, {1.5f, -2}), F32({2}, {0.25f, 1})}, 7);
  };
  auto y = run(1e-5f);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dims(), (Dims{2, 2, 3}));
  EXPECT_THAT(Values<float>(*y),
              Pointwise(FloatNear(1e-5f), {-1.353561997f, -0.150890350f, 2.254452944f, 3.222334623f,
                                           1.404060841f, -1.626395464f, 0.25f, 0.25f, 0.25f,
                                           1.826766968f, 2.929122925f, -1.755890369f}));
  auto wide = run(0.5f);
  ASSERT_TRUE(wide.ok()) << wide.status();
  EXPECT_THAT(Values<float>(*wide),
              Pointwise(FloatNear(1e-5f), {-1.144971371f, -0.098742723f, 1.993714571f, 3.173004866f,
                                           1.395091772f, -1.568096876f, 0.25f, 0.25f, 0.25f,
                                           1.811502695f, 2.893506289f, -1.705008984f}));
}

TEST(InstanceNormalization, RejectsMismatchedChannels) {
  auto y = NodeRunner("InstanceNormalization", 3)
               .Run1({Input(), F32({3}, {1, 1, 1}), F32({2}, {0, 0})}, 7);
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(y.status().message(), HasSubstr("node 'n' (InstanceNormalization)"));
}

TEST(LayerNormalization, AxisOneWithMeanAndInvStdDev) {
  // F.layer_norm(x, (2, 3), weight=W, bias=B, eps=1e-5).
  auto r =
      NodeRunner("LayerNormalization", 3, 3)
          .Attr(Attribute::Int("axis", 1))
          .Run({Input(), F32({2, 3}, {1, 2, 3, -1, 0.5f, 2}), F32({2, 3}, {0, 1, 0, 1, 0, -1})});
  ASSERT_TRUE(r.ok()) << r.status();
  const std::vector<Tensor>& out = *r;
  EXPECT_THAT(Values<float>(out[0]),
              Pointwise(FloatNear(1e-5f), {-0.190117180f, 1.380234241f, 2.851757050f, 2.711054325f,
                                           -0.285175741f, 1.661640167f, 0.0f, 1.0f, 0.0f,
                                           1.584612370f, -0.682047725f, 2.897415638f}));
  EXPECT_EQ(out[1].dims(), (Dims{2, 1, 1}));
  EXPECT_THAT(Values<float>(out[1]), Pointwise(FloatNear(1e-6f), {1.5f, 2.0f}));
  EXPECT_EQ(out[2].dtype(), DType::kFloat32);
  EXPECT_THAT(Values<float>(out[2]), Pointwise(FloatNear(1e-6f), {0.380234271f, 0.389741600f}));
}

TEST(LayerNormalization, DefaultAxisWithoutBias) {
  // F.layer_norm(x, (3,), weight=[2, 1, 0.5], bias=None, eps=0.1).
  auto y = NodeRunner("LayerNormalization", 2)
               .Attr(Attribute::Float("epsilon", 0.1f))
               .Run1({Input(), F32({3}, {2, 1, 0.5f})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y),
              Pointwise(FloatNear(1e-5f), {-2.072510719f, -0.259063840f, 0.647659659f,
                                           -2.212200642f, -0.201109171f, 0.653604746f, 0.0f, 0.0f,
                                           0.0f, -0.823645473f, -0.960919738f, 0.686371267f}));
}

TEST(LayerNormalization, OnlyOpset17AndFloatStash) {
  const Tensor scale = F32({3}, {1, 1, 1});
  auto old = NodeRunner("LayerNormalization", 2).Run1({Input(), scale}, 16);
  EXPECT_EQ(old.status().code(), absl::StatusCode::kUnimplemented);
  auto bf16 = NodeRunner("LayerNormalization", 2)
                  .Attr(Attribute::Int("stash_type", 16))
                  .Run1({Input(), scale});
  EXPECT_EQ(bf16.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(bf16.status().message(), HasSubstr("node 'n' (LayerNormalization): stash_type 16"));
  auto bad_scale = NodeRunner("LayerNormalization", 2).Run1({Input(), F32({2}, {1, 1})});
  EXPECT_EQ(bad_scale.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace testing
}  // namespace quantc
