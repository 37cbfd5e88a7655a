// The freeze schedule against TI's rule written out by hand (semantics doc
// §7), for several E, K and M including 0 and never, and the LR schedule
// against PyTorch's CosineAnnealingLR values.
#include "train/schedule.h"

#include <cmath>

#include "gtest/gtest.h"

namespace quantc::train {
namespace {

FreezeSetting Epochs(int k) { return {false, k}; }
FreezeSetting Never() { return {true, 0}; }

// The 0-based epochs in which BN (or the observers) are frozen, as a string
// of 0/1 per epoch, e.g. "0000111111".
std::string Pattern(int total, FreezeSetting bn, FreezeSetting obs, bool want_bn) {
  std::string s;
  for (int n = 0; n < total; ++n) {
    EpochState st = StateAt(n, total, bn, obs);
    s += (want_bn ? st.bn_frozen : st.observers_frozen) ? '1' : '0';
  }
  return s;
}

TEST(ScheduleTest, DefaultsFreezeBnAtHalfMinusOneAndObserversAtHalfPlusOne) {
  // E = 10: BN frozen from call 5 (n = 4), observers from call 7 (n = 6).
  EXPECT_EQ(Pattern(10, {}, {}, true), "0000111111");
  EXPECT_EQ(Pattern(10, {}, {}, false), "0000001111");
  // E = 4: BN from n = 1, observers from n = 3.
  EXPECT_EQ(Pattern(4, {}, {}, true), "0111");
  EXPECT_EQ(Pattern(4, {}, {}, false), "0001");
  // E = 2: BN frozen immediately (2//2-1 = 0); observers from n = 2: never.
  EXPECT_EQ(Pattern(2, {}, {}, true), "11");
  EXPECT_EQ(Pattern(2, {}, {}, false), "00");
  // E = 1: 1//2-1 = -1, BN frozen at once; observers stay on.
  EXPECT_EQ(Pattern(1, {}, {}, true), "1");
  EXPECT_EQ(Pattern(1, {}, {}, false), "0");
  // E = 5: BN from n = 1, observers from n = 3.
  EXPECT_EQ(Pattern(5, {}, {}, true), "01111");
  EXPECT_EQ(Pattern(5, {}, {}, false), "00011");
}

TEST(ScheduleTest, ExplicitEpochsZeroAndNever) {
  EXPECT_EQ(Pattern(6, Epochs(2), Epochs(5), true), "001111");
  EXPECT_EQ(Pattern(6, Epochs(2), Epochs(5), false), "000001");
  // K beyond E: never frozen during training.
  EXPECT_EQ(Pattern(3, Epochs(7), Epochs(9), true), "000");
  // 0 behaves like the default (Python's `0 or default`).
  EXPECT_EQ(Pattern(10, Epochs(0), Epochs(0), true), Pattern(10, {}, {}, true));
  EXPECT_EQ(Pattern(10, Epochs(0), Epochs(0), false), Pattern(10, {}, {}, false));
  // never: TI's False.
  EXPECT_EQ(Pattern(10, Never(), Never(), true), "0000000000");
  EXPECT_EQ(Pattern(10, Never(), Never(), false), "0000000000");
  EXPECT_EQ(Pattern(10, Never(), Epochs(1), false), "0111111111");
}

TEST(ScheduleTest, EverythingFrozenAfterTraining) {
  EpochState st = StateAt(10, 10, Never(), Never());
  EXPECT_TRUE(st.bn_frozen);
  EXPECT_TRUE(st.observers_frozen);
}

TEST(ScheduleTest, ParsesSettings) {
  EXPECT_TRUE(ParseFreezeSetting("never")->never);
  EXPECT_EQ(ParseFreezeSetting("3")->epochs, 3);
  EXPECT_EQ(ParseFreezeSetting("0")->epochs, 0);
  EXPECT_FALSE(ParseFreezeSetting("-1").ok());
  EXPECT_FALSE(ParseFreezeSetting("false").ok());
  EXPECT_FALSE(ParseFreezeSetting("").ok());
}

TEST(ScheduleTest, DescribesInOneBasedEpochs) {
  EXPECT_EQ(DescribeSchedule(10, {}, {}),
            "BN statistics frozen from epoch 5, observers frozen from epoch 7");
  EXPECT_EQ(DescribeSchedule(2, {}, {}), "BN statistics frozen from the start, observers frozen never");
  EXPECT_EQ(DescribeSchedule(4, Never(), Epochs(1)),
            "BN statistics frozen never, observers frozen from epoch 2");
}

TEST(ScheduleTest, CosineMatchesPyTorch) {
  // torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4), lr 0.1:
  // get_last_lr() per epoch = 0.1, 0.085355..., 0.05, 0.014644...
  EXPECT_DOUBLE_EQ(LearningRate(LrSchedule::kCosine, 0.1, 0, 4), 0.1);
  EXPECT_NEAR(LearningRate(LrSchedule::kCosine, 0.1, 1, 4), 0.08535533905932738, 1e-15);
  EXPECT_NEAR(LearningRate(LrSchedule::kCosine, 0.1, 2, 4), 0.05, 1e-15);
  EXPECT_NEAR(LearningRate(LrSchedule::kCosine, 0.1, 3, 4), 0.014644660940672627, 1e-15);
  EXPECT_DOUBLE_EQ(LearningRate(LrSchedule::kConstant, 0.1, 3, 4), 0.1);
}

}  // namespace
}  // namespace quantc::train
