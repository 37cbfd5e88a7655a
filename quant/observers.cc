// Observer implementations; the algorithms are summarised in observers.h and
// detailed in histogram.h, mse_search.cc and entropy_search.cc.
#include "quant/observers.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "quant/clip_search.h"
#include "quant/histogram.h"
#include "util/check.h"

namespace quantc {
namespace {

// Indexed by ObserverKind: keep the two in the same order.
constexpr absl::string_view kKindNames[] = {"minmax", "ema", "percentile", "mse", "entropy"};

absl::Status CheckFinite(absl::Span<const float> values) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("observed non-finite value ", values[i], " at index ", i, " of the batch"));
    }
  }
  return absl::OkStatus();
}

std::pair<float, float> WithZero(float lo, float hi) {
  return {std::min(lo, 0.0f), std::max(hi, 0.0f)};
}

// Running min/max of everything seen; the building block of the others.
class RunningMinMax {
 public:
  void Add(absl::Span<const float> values) {
    if (values.empty()) return;
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    min_ = seen_ ? std::min(min_, *lo) : *lo;
    max_ = seen_ ? std::max(max_, *hi) : *hi;
    seen_ = true;
  }
  bool seen() const { return seen_; }
  std::pair<float, float> get() const { return {min_, max_}; }

 private:
  bool seen_ = false;
  float min_ = 0, max_ = 0;
};

class MinMaxObserver : public Observer {
 public:
  absl::Status Observe(absl::Span<const float> values) override {
    const absl::Status st = CheckFinite(values);
    if (st.ok()) minmax_.Add(values);
    return st;
  }
  bool empty() const override { return !minmax_.seen(); }
  std::pair<float, float> MinMax() const override { return minmax_.get(); }
  std::pair<float, float> Range(const ActivationScheme&) const override {
    return WithZero(minmax_.get().first, minmax_.get().second);
  }

 private:
  RunningMinMax minmax_;
};

class EmaObserver : public Observer {
 public:
  explicit EmaObserver(double momentum) : momentum_(static_cast<float>(momentum)) {}

  absl::Status Observe(absl::Span<const float> values) override {
    const absl::Status st = CheckFinite(values);
    if (!st.ok() || values.empty()) return st;
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    if (!raw_.seen()) {
      lo_ = *lo;
      hi_ = *hi;
    } else {
      // float32 throughout, term for term as PyTorch's observer, so the two
      // agree bit for bit.
      lo_ = lo_ + momentum_ * (*lo - lo_);
      hi_ = hi_ + momentum_ * (*hi - hi_);
    }
    raw_.Add(values);
    return st;
  }
  bool empty() const override { return !raw_.seen(); }
  std::pair<float, float> MinMax() const override { return raw_.get(); }
  std::pair<float, float> Range(const ActivationScheme&) const override {
    return WithZero(lo_, hi_);
  }

 private:
  float momentum_;
  RunningMinMax raw_;
  float lo_ = 0, hi_ = 0;
};

// percentile, mse and entropy: one histogram, three ways to read it.
class HistogramObserver : public Observer {
 public:
  HistogramObserver(ObserverKind kind, const ObserverOptions& options)
      : kind_(kind), percentile_(options.percentile), hist_(options.histogram_bins) {}

  absl::Status Observe(absl::Span<const float> values) override {
    const absl::Status st = CheckFinite(values);
    if (st.ok()) hist_.Add(values);
    return st;
  }
  bool empty() const override { return hist_.empty(); }
  std::pair<float, float> MinMax() const override { return {hist_.min(), hist_.max()}; }
  std::pair<float, float> Range(const ActivationScheme& scheme) const override {
    QC_CHECK(IsSupportedStorage(scheme.storage, scheme.bits));
    if (hist_.empty()) return {0.0f, 0.0f};
    switch (kind_) {
      case ObserverKind::kMse:
        return MseClipRange(hist_, scheme);
      case ObserverKind::kEntropy:
        return EntropyClipRange(hist_, scheme);
      default: {
        const double p = percentile_ / 100.0;
        return WithZero(static_cast<float>(hist_.Quantile(1.0 - p)),
                        static_cast<float>(hist_.Quantile(p)));
      }
    }
  }

 private:
  ObserverKind kind_;
  double percentile_;
  Histogram hist_;
};

}  // namespace

absl::StatusOr<ObserverKind> ParseObserverKind(absl::string_view name) {
  for (size_t i = 0; i < std::size(kKindNames); ++i) {
    if (name == kKindNames[i]) return static_cast<ObserverKind>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown observer '", name, "' (expected minmax, ema, percentile, mse or entropy)"));
}

absl::string_view ObserverKindName(ObserverKind kind) {
  return kKindNames[static_cast<size_t>(kind)];
}

absl::Status ValidateObserverOptions(const ObserverOptions& o) {
  if (!(o.ema_momentum > 0 && o.ema_momentum <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ema momentum ", o.ema_momentum, " is not in (0, 1]"));
  }
  if (!(o.percentile > 50 && o.percentile <= 100)) {
    return absl::InvalidArgumentError(
        absl::StrCat("percentile ", o.percentile, " is not in (50, 100]"));
  }
  if (o.histogram_bins < 64 || o.histogram_bins > (1 << 22)) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram bins ", o.histogram_bins, " not in [64, 4194304]"));
  }
  return absl::OkStatus();
}

std::unique_ptr<Observer> MakeObserver(ObserverKind kind, const ObserverOptions& options) {
  QC_CHECK(ValidateObserverOptions(options).ok());
  switch (kind) {
    case ObserverKind::kMinMax:
      return std::make_unique<MinMaxObserver>();
    case ObserverKind::kEma:
      return std::make_unique<EmaObserver>(options.ema_momentum);
    case ObserverKind::kPercentile:
    case ObserverKind::kMse:
    case ObserverKind::kEntropy:
      return std::make_unique<HistogramObserver>(kind, options);
  }
  QC_CHECK(false);
  return nullptr;
}

}  // namespace quantc
