// Clipping-range searches over a Histogram, used by the `mse` and `entropy`
// observers. Both return a range [lo, hi] with lo <= 0 <= hi inside the
// data's [min, max] (widened to 0), suitable for ActivationQParams.
#ifndef QUANTC_QUANT_CLIP_SEARCH_H_
#define QUANTC_QUANT_CLIP_SEARCH_H_

#include <utility>

#include "quant/histogram.h"
#include "quant/qparams.h"

namespace quantc {

/// The clipping range minimising the expected squared quantization error of
/// the histogram's data under `scheme` (rounding noise s^2/12 for values
/// inside the representable range, squared distance to the nearest end for
/// values outside). See mse_search.cc. {0, 0} when the histogram is empty.
std::pair<float, float> MseClipRange(const Histogram& hist, const ActivationScheme& scheme);

/// The KL-divergence ("entropy") calibration threshold of TensorRT's int8
/// calibrator, on the |x| histogram for signed data or the x histogram for
/// non-negative data. See entropy_search.cc. {0, 0} when empty.
std::pair<float, float> EntropyClipRange(const Histogram& hist, const ActivationScheme& scheme);

}  // namespace quantc

#endif  // QUANTC_QUANT_CLIP_SEARCH_H_
