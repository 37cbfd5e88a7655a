// Observers: streaming statistics over batches of float activations that
// choose the clipping range an activation is quantized to.
//
// Every observer is deterministic and memory bounded (it never keeps the
// data), rejects a batch holding NaN/Inf as a whole (state unchanged), and
// returns ranges that contain 0.
//
//   minmax      [min, max] of all data seen.
//   ema         PyTorch MovingAverageMinMaxObserver: the first non-empty
//               batch sets r = (min, max); each later batch b moves it
//                 r <- r + m (r_b - r),  m = ema_momentum (0.01),
//               in float32 as PyTorch does. One batch = one Observe call.
//   percentile  [Q(1 - p), Q(p)] with p = percentile / 100 (default 99.99:
//               the 0.01 % and 99.99 % points), Q read off the histogram.
//   mse         the range minimising expected quantization MSE for the
//               scheme (mse_search.cc).
//   entropy     TensorRT's KL-divergence threshold (entropy_search.cc).
//
// The last three share a fixed-size histogram (histogram.h) whose bin width
// doubles as the data range grows; its contents, and hence their ranges, do
// not depend on how the data was split into batches.
#ifndef QUANTC_QUANT_OBSERVERS_H_
#define QUANTC_QUANT_OBSERVERS_H_

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "quant/qparams.h"

namespace quantc {

enum class ObserverKind { kMinMax, kEma, kPercentile, kMse, kEntropy };

/// "minmax" | "ema" | "percentile" | "mse" | "entropy"; anything else is
/// InvalidArgument listing the accepted names.
absl::StatusOr<ObserverKind> ParseObserverKind(absl::string_view name);
/// The name ParseObserverKind accepts.
absl::string_view ObserverKindName(ObserverKind kind);

struct ObserverOptions {
  double ema_momentum = 0.01;  ///< in (0, 1]
  double percentile = 99.99;   ///< in (50, 100]
  int histogram_bins = 2048;   ///< in [64, 2^22]
};

/// OK, or InvalidArgument naming the first option out of range.
absl::Status ValidateObserverOptions(const ObserverOptions& options);

class Observer {
 public:
  virtual ~Observer() = default;
  /// One batch of float32 values. NaN/Inf -> InvalidArgument (the caller
  /// adds the node name) and the batch is ignored. An empty batch is a no-op.
  virtual absl::Status Observe(absl::Span<const float> values) = 0;
  /// Whether any value was seen.
  virtual bool empty() const = 0;
  /// The raw min/max of all data seen; {0, 0} when empty.
  virtual std::pair<float, float> MinMax() const = 0;
  /// The chosen clipping range for quantizing to `scheme`; always contains
  /// 0, {0, 0} when empty. Only mse and entropy look at the scheme.
  /// Precondition: IsSupportedStorage(scheme.storage, scheme.bits).
  virtual std::pair<float, float> Range(const ActivationScheme& scheme) const = 0;
};

/// Precondition: ValidateObserverOptions(options).ok() (QC_CHECKed).
std::unique_ptr<Observer> MakeObserver(ObserverKind kind, const ObserverOptions& options = {});

}  // namespace quantc

#endif  // QUANTC_QUANT_OBSERVERS_H_
