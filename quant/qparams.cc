// Scale / zero-point arithmetic; formulas in qparams.h.
//
// Rounding: every "round" here is round-half-to-even, the rule of ONNX
// QuantizeLinear, numpy's np.round and torch.round, via quant/numeric.h's
// RoundHalfEven (independent of the process's floating-point rounding mode).
//
// Zero point: PyTorch writes zp = qmin - rne(lo / s), ONNX Runtime's
// calibrator rne(qmin - lo / s). They are the same integer whenever qmin is
// even (-2^(b-1) or 0: every non-narrow range), because shifting by an even
// integer preserves which neighbour of a tie is even. We use PyTorch's form,
// which is also what TI's tool runs.
#include "quant/qparams.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "util/check.h"

namespace quantc {
namespace {

// Storage width in bits, or 0 for types that are not quantized containers.
int StorageWidth(DType t) {
  switch (t) {
    case DType::kInt8:
    case DType::kUInt8: return 8;
    case DType::kInt16:
    case DType::kUInt16: return 16;
    case DType::kInt32: return 32;
    default: return 0;
  }
}

bool IsSignedStorage(DType t) {
  return t == DType::kInt8 || t == DType::kInt16 || t == DType::kInt32;
}

int64_t FloorDiv2(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

// s = max(s, eps), then optionally 2^ceil(log2 s). TI floors again after the
// rounding (max(2^ceil(log2 s), eps)); that is a no-op here because s >= eps
// already and rounding up cannot go below it. An overflowing (infinite) s is
// passed through for the caller to reject.
float ApplyFloorAndPower2(float s, bool power2) {
  s = std::max(s, kMinScale);
  if (power2 && std::isfinite(s)) s = Power2Ceil(s);
  return s;
}

int64_t NormalizeAxis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

// Quantizes into a T buffer; the slice index of element i along the channel
// axis is (i / inner) % channels.
template <typename T>
absl::Status QuantizeInto(absl::Span<const float> x, absl::Span<const float> scales,
                          absl::Span<const int64_t> zps, int64_t inner, IntRange r,
                          T* out) {
  const int64_t channels = static_cast<int64_t>(scales.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) {
      return absl::InvalidArgumentError(absl::StrCat("cannot quantize NaN at element ", i));
    }
    const int64_t c = channels == 1 ? 0 : (static_cast<int64_t>(i) / inner) % channels;
    // Division in float32, as QuantizeLinear specifies; the zero-point add and
    // clamp are done in double so int32 saturation is exact (float cannot
    // represent INT32_MAX). For 8/16-bit types this equals float arithmetic.
    double q = static_cast<double>(RoundHalfEven(x[i] / scales[c])) +
               static_cast<double>(zps[c]);
    q = std::min(std::max(q, static_cast<double>(r.qmin)), static_cast<double>(r.qmax));
    out[i] = static_cast<T>(static_cast<int64_t>(q));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsSupportedStorage(DType storage, int bits) {
  const int width = StorageWidth(storage);
  return width > 0 && bits >= 2 && bits <= width;
}

IntRange RangeFor(DType storage, int bits, bool narrow) {
  QC_CHECK(IsSupportedStorage(storage, bits));
  IntRange r;
  if (IsSignedStorage(storage)) {
    r = {-(int64_t{1} << (bits - 1)), (int64_t{1} << (bits - 1)) - 1};
  } else {
    r = {0, (int64_t{1} << bits) - 1};
  }
  if (narrow) ++r.qmin;
  return r;
}

absl::StatusOr<QParams> ActivationQParams(float lo, float hi, const ActivationScheme& scheme) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    return absl::InvalidArgumentError(absl::StrCat("non-finite range [", lo, ", ", hi, "]"));
  }
  if (lo > hi) {
    return absl::InvalidArgumentError(absl::StrCat("empty range [", lo, ", ", hi, "]"));
  }
  if (!IsSupportedStorage(scheme.storage, scheme.bits)) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported activation storage ",
                                                   DTypeName(scheme.storage), " at ",
                                                   scheme.bits, " bits"));
  }
  const IntRange r = RangeFor(scheme.storage, scheme.bits, /*narrow=*/false);
  const float lo0 = std::min(lo, 0.0f);
  const float hi0 = std::max(hi, 0.0f);
  const float levels = static_cast<float>(r.qmax - r.qmin);
  float s;
  int64_t zp = 0;
  bool affine = false;
  if (!scheme.symmetric) {
    s = (hi0 - lo0) / levels;
    affine = true;
  } else if (lo0 == 0.0f && scheme.full_range_if_nonnegative) {
    // Non-negative data (e.g. after ReLU): a symmetric grid would waste the
    // negative half, so TI uses the whole range from qmin upward.
    s = hi0 / levels;
    zp = r.qmin;
  } else {
    // max_abs maps to (qmax - qmin) / 2 steps from zero: 127.5 at 8 bits, so
    // the extreme rounds onto the boundary code, as in PyTorch and ORT.
    s = std::max(-lo0, hi0) / (levels / 2.0f);
    zp = FloorDiv2(r.qmin + r.qmax + 1);
  }
  s = ApplyFloorAndPower2(s, scheme.power2);
  if (!std::isfinite(s)) {
    return absl::InvalidArgumentError(
        absl::StrCat("range [", lo, ", ", hi, "] too wide for a float32 scale"));
  }
  if (affine) {
    // |lo0 / s| <= qmax - qmin here, so the cast cannot overflow.
    zp = r.qmin - static_cast<int64_t>(RoundHalfEven(lo0 / s));
    zp = std::min(std::max(zp, r.qmin), r.qmax);
  }
  return QParams{s, zp};
}

absl::StatusOr<std::vector<float>> WeightScales(const Tensor& w, int64_t axis, int bits,
                                                bool per_tensor, bool power2) {
  if (w.dtype() != DType::kFloat32) {
    return absl::InvalidArgumentError(
        absl::StrCat("weight scales need float32 weights, got ", DTypeName(w.dtype())));
  }
  if (bits < 2 || bits > 16) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported weight bit width ", bits));
  }
  int64_t channels = 1;
  int64_t inner = 1;
  if (!per_tensor) {
    const int64_t a = NormalizeAxis(axis, w.rank());
    if (a < 0 || a >= w.rank()) {
      return absl::InvalidArgumentError(
          absl::StrCat("channel axis ", axis, " out of range for rank ", w.rank()));
    }
    channels = w.dims()[a];
    for (int64_t d = a + 1; d < w.rank(); ++d) inner *= w.dims()[d];
  }
  std::vector<float> max_abs(channels, 0.0f);
  absl::Span<const float> data = w.data<float>();
  for (size_t i = 0; i < data.size(); ++i) {
    if (!std::isfinite(data[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("non-finite weight ", data[i], " at element ", i));
    }
    const int64_t c = channels == 1 ? 0 : (static_cast<int64_t>(i) / inner) % channels;
    max_abs[c] = std::max(max_abs[c], std::fabs(data[i]));
  }
  // Narrow range: divide by qmax = (qmax - qmin) / 2 with qmin = -qmax.
  const float qmax = static_cast<float>((1 << (bits - 1)) - 1);
  for (float& s : max_abs) s = ApplyFloorAndPower2(s / qmax, power2);
  return max_abs;
}

absl::StatusOr<Tensor> QuantizeTensor(const Tensor& x, absl::Span<const float> scales,
                                      absl::Span<const int64_t> zps, int64_t axis,
                                      DType storage, IntRange range) {
  if (x.dtype() != DType::kFloat32) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot quantize a ", DTypeName(x.dtype()), " tensor"));
  }
  const int width = StorageWidth(storage);
  if (width == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported quantized storage ", DTypeName(storage)));
  }
  const IntRange limits = RangeFor(storage, width, /*narrow=*/false);
  if (range.qmin > range.qmax || range.qmin < limits.qmin || range.qmax > limits.qmax) {
    return absl::InvalidArgumentError(absl::StrCat("range [", range.qmin, ", ", range.qmax,
                                                   "] does not fit ", DTypeName(storage)));
  }
  if (scales.empty() || scales.size() != zps.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "need matching scale and zero-point counts, got ", scales.size(), " and ", zps.size()));
  }
  int64_t inner = 1;
  if (scales.size() > 1) {
    const int64_t a = NormalizeAxis(axis, x.rank());
    if (a < 0 || a >= x.rank() || x.dims()[a] != static_cast<int64_t>(scales.size())) {
      return absl::InvalidArgumentError(absl::StrCat(scales.size(), " scales do not match axis ",
                                                     axis, " of a rank-", x.rank(), " tensor"));
    }
    for (int64_t d = a + 1; d < x.rank(); ++d) inner *= x.dims()[d];
  }
  for (size_t c = 0; c < scales.size(); ++c) {
    if (!(scales[c] > 0) || !std::isfinite(scales[c])) {
      return absl::InvalidArgumentError(absl::StrCat("invalid scale ", scales[c]));
    }
    if (zps[c] < range.qmin || zps[c] > range.qmax) {
      return absl::InvalidArgumentError(absl::StrCat("zero point ", zps[c], " outside [",
                                                     range.qmin, ", ", range.qmax, "]"));
    }
  }
  Tensor out(storage, x.dims());
  absl::Span<const float> in = x.data<float>();
  absl::Status st;
  switch (storage) {
    case DType::kInt8:
      st = QuantizeInto(in, scales, zps, inner, range, out.mutable_data<int8_t>());
      break;
    case DType::kUInt8:
      st = QuantizeInto(in, scales, zps, inner, range, out.mutable_data<uint8_t>());
      break;
    case DType::kInt16:
      st = QuantizeInto(in, scales, zps, inner, range, out.mutable_data<int16_t>());
      break;
    case DType::kUInt16:
      st = QuantizeInto(in, scales, zps, inner, range, out.mutable_data<uint16_t>());
      break;
    default:  // kInt32; StorageWidth admitted nothing else
      st = QuantizeInto(in, scales, zps, inner, range, out.mutable_data<int32_t>());
      break;
  }
  if (!st.ok()) return st;
  return out;
}

Tensor ZeroPointTensor(DType storage, int64_t zp, int64_t n) {
  const int width = StorageWidth(storage);
  QC_CHECK(width > 0);
  const IntRange r = RangeFor(storage, width, /*narrow=*/false);
  QC_CHECK(zp >= r.qmin && zp <= r.qmax);
  Tensor t(storage, n > 0 ? std::vector<int64_t>{n} : std::vector<int64_t>{});
  for (int64_t i = 0; i < std::max<int64_t>(n, 1); ++i) {
    switch (storage) {
      case DType::kInt8: t.mutable_data<int8_t>()[i] = static_cast<int8_t>(zp); break;
      case DType::kUInt8: t.mutable_data<uint8_t>()[i] = static_cast<uint8_t>(zp); break;
      case DType::kInt16: t.mutable_data<int16_t>()[i] = static_cast<int16_t>(zp); break;
      case DType::kUInt16: t.mutable_data<uint16_t>()[i] = static_cast<uint16_t>(zp); break;
      default: t.mutable_data<int32_t>()[i] = static_cast<int32_t>(zp); break;
    }
  }
  return t;
}

void ReplaceDeadChannelScales(const std::vector<double>& abs_sums, std::vector<float>& scales) {
  float largest = 0;
  for (size_t c = 0; c < scales.size(); ++c) {
    if (abs_sums[c] > 0) largest = std::max(largest, scales[c]);
  }
  if (largest == 0) largest = 1.0f;  // the whole layer is zero
  for (size_t c = 0; c < scales.size(); ++c) {
    if (abs_sums[c] == 0) scales[c] = largest;
  }
}

float Int32BiasWeightScale(double bias, float input_scale, float weight_scale, bool power2) {
  const double int32_max = static_cast<double>(RangeFor(DType::kInt32, 32, false).qmax);
  const double need = 1.0001 * std::abs(bias) / (input_scale * int32_max);
  if (need <= weight_scale) return weight_scale;
  float s = static_cast<float>(need);
  return power2 ? Power2Ceil(s) : s;
}

std::vector<float> BiasScales(float input_scale, absl::Span<const float> weight_scales) {
  std::vector<float> s(weight_scales.begin(), weight_scales.end());
  for (float& v : s) v *= input_scale;  // float32 product, as stored in ONNX
  return s;
}

absl::StatusOr<Tensor> QuantizeBias(const Tensor& b, float input_scale,
                                    absl::Span<const float> weight_scales) {
  if (b.dtype() != DType::kFloat32) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot quantize a ", DTypeName(b.dtype()), " bias"));
  }
  const int64_t channels = static_cast<int64_t>(weight_scales.size());
  if (channels == 0 || (channels > 1 && b.num_elements() != channels)) {
    return absl::InvalidArgumentError(absl::StrCat("bias of ", b.num_elements(),
                                                   " elements for ", channels, " weight scales"));
  }
  const std::vector<float> scales = BiasScales(input_scale, weight_scales);
  // Zero/Inf bias scales (from an underflowing or overflowing product) are
  // rejected by QuantizeTensor's scale check.
  const std::vector<int64_t> zps(scales.size(), 0);
  const IntRange int32_range = RangeFor(DType::kInt32, 32, /*narrow=*/false);
  absl::StatusOr<Tensor> q = QuantizeTensor(b.Reshaped({b.num_elements()}), scales, zps,
                                            /*axis=*/0, DType::kInt32, int32_range);
  if (!q.ok()) return q.status();
  return q->Reshaped(b.dims());
}

namespace {

// Blocks of `inner` elements belong to one channel each, in turn; every
// channel's sum adds its elements in index order.
template <typename Get>
void AddAbsBlocks(int64_t n, int64_t inner, std::vector<double>& sums, Get get) {
  const size_t channels = sums.size();
  size_t c = 0;
  for (int64_t start = 0; start < n; start += inner) {
    double& s = sums[c];
    for (int64_t i = start; i < start + inner; ++i) s += std::abs(get(i));
    c = c + 1 == channels ? 0 : c + 1;
  }
}

}  // namespace

std::vector<double> AbsSumsAlongAxis(const Tensor& t, int64_t axis) {
  QC_CHECK(axis >= 0 && axis < t.rank());
  int64_t channels = t.dims()[axis];
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < t.rank(); ++d) inner *= t.dims()[d];
  std::vector<double> sums(channels, 0.0);
  const int64_t n = t.num_elements();
  if (n == 0 || inner == 0) return sums;
  if (t.dtype() == DType::kInt8) {
    // Integers: each block sums exactly in int64 (the double sums are exact
    // too, below 2^53, so the result is the same, only faster).
    const int8_t* d = t.data<int8_t>().data();
    size_t c = 0;
    for (int64_t start = 0; start < n; start += inner) {
      int64_t block = 0;
      for (int64_t i = start; i < start + inner; ++i) block += d[i] < 0 ? -d[i] : d[i];
      sums[c] += static_cast<double>(block);
      c = c + 1 == sums.size() ? 0 : c + 1;
    }
  } else if (t.dtype() == DType::kFloat32) {
    const float* d = t.data<float>().data();
    AddAbsBlocks(n, inner, sums, [d](int64_t i) { return static_cast<double>(d[i]); });
  } else {
    AddAbsBlocks(n, inner, sums, [&t](int64_t i) { return t.GetAsDouble(i); });
  }
  return sums;
}

}  // namespace quantc
