// MSE-optimal symmetric weight scales (`--weight-observer=mse`).
#ifndef QUANTC_QUANT_WEIGHT_MSE_H_
#define QUANTC_QUANT_WEIGHT_MSE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "ir/tensor.h"

namespace quantc {

/// Like WeightScales (quant/qparams.h), but each scale minimizes the
/// squared reconstruction error sum (w - s * clamp(rne(w / s)))^2 of its
/// channel instead of covering max |w|. See the .cc for the search.
absl::StatusOr<std::vector<float>> WeightScalesMse(const Tensor& w, int64_t axis, int bits,
                                                   bool per_tensor, bool power2);

}  // namespace quantc

#endif  // QUANTC_QUANT_WEIGHT_MSE_H_
