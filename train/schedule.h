// The epoch schedule of quantization-aware training: when BatchNorm
// statistics and observer ranges freeze, and the learning rate per epoch.
//
// Freezing follows TI's wrappers (quantization-semantics.md §7) so a TI
// user's settings carry over. With E total epochs and n the 0-based epoch:
//   bn_freeze  = K if K > 0 else E // 2 - 1     (--bn-update-epochs=K)
//   obs_freeze = M if M > 0 else E // 2 + 1     (--observer-update-epochs=M)
//   BN frozen in epoch n        <=> setting is not "never" and n >= bn_freeze
//   observers frozen in epoch n <=> setting is not "never" and n >= obs_freeze
// "never" is the wrapper's False; 0 behaves like the default, as Python's
// `K or default` does (pitfall 22). After the last epoch everything is
// frozen (TI's convert()). Example E = 10: BN frozen from epoch 4 (the 5th),
// observers from epoch 6; E = 1: BN frozen at once, observers never.
#ifndef QUANTC_TRAIN_SCHEDULE_H_
#define QUANTC_TRAIN_SCHEDULE_H_

#include <string>

#include "absl/status/statusor.h"

namespace quantc::train {

/// One of TI's num_*_update_epochs values.
struct FreezeSetting {
  bool never = false;  ///< TI's False: stays on during training
  int epochs = 0;      ///< K > 0 freezes from epoch K; 0 means the default
};

/// Parses "never" or a non-negative integer; InvalidArgument otherwise.
absl::StatusOr<FreezeSetting> ParseFreezeSetting(const std::string& text);

/// What is frozen during one epoch.
struct EpochState {
  bool bn_frozen = false;
  bool observers_frozen = false;
};

/// What is frozen in 0-based epoch `epoch` of `total_epochs` (see the banner);
/// epoch == total_epochs (after training) has everything frozen.
EpochState StateAt(int epoch, int total_epochs, FreezeSetting bn, FreezeSetting observers);

/// "BN frozen from epoch 5, observers from epoch 7" style summary
/// (1-based epochs, as printed to users).
std::string DescribeSchedule(int total_epochs, FreezeSetting bn, FreezeSetting observers);

enum class LrSchedule { kConstant, kCosine };

/// The learning rate of epoch n: constant, or cosine annealing from `lr`
/// towards 0 over E epochs, stepped once per epoch like PyTorch's
/// CosineAnnealingLR(T_max=E, eta_min=0): lr * (1 + cos(pi n / E)) / 2.
double LearningRate(LrSchedule schedule, double lr, int epoch, int total_epochs);

}  // namespace quantc::train

#endif  // QUANTC_TRAIN_SCHEDULE_H_
