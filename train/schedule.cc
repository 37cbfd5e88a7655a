#include "train/schedule.h"

#include <cmath>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace quantc::train {
namespace {

// First frozen epoch for a setting, or a value past every epoch for never.
int FreezeEpoch(FreezeSetting s, int default_epoch) {
  if (s.never) return 1 << 30;
  return s.epochs > 0 ? s.epochs : default_epoch;
}

std::string When(int first, int total) {
  if (first >= total) return "never";
  if (first <= 0) return "from the start";
  return absl::StrCat("from epoch ", first + 1);
}

}  // namespace

absl::StatusOr<FreezeSetting> ParseFreezeSetting(const std::string& text) {
  FreezeSetting s;
  if (text == "never") {
    s.never = true;
    return s;
  }
  if (!absl::SimpleAtoi(text, &s.epochs) || s.epochs < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is neither 'never' nor a number of epochs"));
  }
  return s;
}

EpochState StateAt(int epoch, int total_epochs, FreezeSetting bn, FreezeSetting observers) {
  if (epoch >= total_epochs) return {true, true};
  EpochState st;
  st.bn_frozen = epoch >= FreezeEpoch(bn, total_epochs / 2 - 1);
  st.observers_frozen = epoch >= FreezeEpoch(observers, total_epochs / 2 + 1);
  return st;
}

std::string DescribeSchedule(int total_epochs, FreezeSetting bn, FreezeSetting observers) {
  return absl::StrCat("BN statistics frozen ", When(FreezeEpoch(bn, total_epochs / 2 - 1), total_epochs),
                      ", observers frozen ",
                      When(FreezeEpoch(observers, total_epochs / 2 + 1), total_epochs));
}

double LearningRate(LrSchedule schedule, double lr, int epoch, int total_epochs) {
  if (schedule == LrSchedule::kConstant || total_epochs <= 0) return lr;
  return lr * (1 + std::cos(M_PI * epoch / total_epochs)) / 2;
}

}  // namespace quantc::train
