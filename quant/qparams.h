// Scale / zero-point arithmetic shared by the generic int8 QDQ target and the
// TI NPU target. Everything here is a pure function of its arguments.
//
// Affine quantization (ONNX QuantizeLinear / DequantizeLinear):
//   q    = clamp(round_half_even(x / s) + zp, qmin, qmax)
//   real = (q - zp) * s
//
// Activations (per tensor, from an observed range [lo, hi] widened to hold 0):
//   asymmetric: s = (hi - lo) / (qmax - qmin),  zp = clamp(qmin - rne(lo / s))
//   symmetric:  s = max(|lo|, |hi|) / ((qmax - qmin) / 2),
//               zp = (qmin + qmax + 1) / 2: 0 for signed storage, 128 for
//               uint8, 8 for uint4 (ONNX Runtime's convention: its
//               quantizer computes rne(qmin + max / s) = rne(127.5) = 128)
//   symmetric with full_range_if_nonnegative and lo = 0 (TINPU's unsigned
//   activations): s = hi / (qmax - qmin),  zp = qmin
//   then s = max(s, eps); with power2, s = max(2^ceil(log2 s), eps) and the
//   asymmetric zero point is recomputed with the new s.
// PyTorch's quint8 symmetric observer uses zp 127 instead of 128; TINPU drops
// the zero point of signed data, so TI parity does not depend on it.
// Weights (per output channel, symmetric, narrow range):
//   s[c] = max(max|w_c| / (2^(bits-1) - 1), eps), zp = 0, optional power2.
// Bias: int32, s_b[c] = s_in * s_w[c] (float32 product), zp = 0.
//
// eps is float32 machine epsilon (2^-23), PyTorch's floor for observer
// scales; it is itself a power of two, so power2 rounding keeps it.
// All scale arithmetic is float32, like PyTorch's observers, so scales match
// PyTorch/TI bit for bit (the tests check this against torch 1.13).
#ifndef QUANTC_QUANT_QPARAMS_H_
#define QUANTC_QUANT_QPARAMS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/tensor.h"
#include "quant/numeric.h"

namespace quantc {

/// Smallest scale ever produced: float32 machine epsilon (PyTorch's floor).
inline constexpr float kMinScale = 1.1920928955078125e-07f;

/// Inclusive integer range of a quantized storage type.
struct IntRange {
  int64_t qmin, qmax;
};

/// Integer range of `storage` (kInt8, kUInt8, kInt16, kUInt16, kInt32) used
/// at `bits` (2 <= bits <= the type's width):
///   signed   [-2^(b-1), 2^(b-1)-1]   int8/8 -> [-128,127]
///   unsigned [0, 2^b - 1]            uint8/8 -> [0,255], uint8/4 -> [0,15]
/// `narrow` drops the lowest code so the range is symmetric about its middle:
/// int8/8 -> [-127,127], int8/4 -> [-7,7], uint8/8 -> [1,255].
/// Precondition (QC_CHECK): a supported storage and bit width; user-facing
/// entry points below validate first and return InvalidArgument instead.
IntRange RangeFor(DType storage, int bits, bool narrow);

/// Whether `storage` is a quantized container RangeFor supports at `bits`.
bool IsSupportedStorage(DType storage, int bits);

/// How an activation tensor is quantized.
struct ActivationScheme {
  DType storage = DType::kInt8;
  int bits = 8;
  /// Zero point at the middle of the storage range (0 for int8, 128 for
  /// uint8), as ONNX Runtime's ActivationSymmetric.
  bool symmetric = false;
  bool power2 = false;
  /// With `symmetric`: a range with lo = 0 uses the whole integer range
  /// from qmin (zero point qmin) instead of wasting the negative half, as
  /// TI's unsigned (post-ReLU) activations do.
  bool full_range_if_nonnegative = false;
};

struct QParams {
  float scale;
  int64_t zero_point;
};

/// Per-tensor activation qparams for an observed float range [lo, hi] (see
/// the file banner for the formulas). The range is first widened to contain
/// 0 so that 0 is exactly representable, as ONNX and PyTorch require.
/// InvalidArgument if lo/hi are NaN/Inf, lo > hi, the scheme is unsupported,
/// or the range is so wide the scale overflows float32.
absl::StatusOr<QParams> ActivationQParams(float lo, float hi,
                                          const ActivationScheme& scheme);

/// Symmetric narrow-range weight scales, one per slice along `axis` (the
/// output-channel axis; negative counts from the end), or a single scale when
/// `per_tensor`: s = max(max|w| / (2^(bits-1)-1), eps), power2 optional. An
/// all-zero channel gets eps. InvalidArgument if `w` is not float32, holds
/// NaN/Inf, `axis` is out of range, or bits is outside [2, 16].
absl::StatusOr<std::vector<float>> WeightScales(const Tensor& w, int64_t axis,
                                                int bits, bool per_tensor,
                                                bool power2);

/// Quantizes a float32 tensor exactly as ONNX QuantizeLinear does in
/// float32: q = clamp(rne(x / s) + zp, qmin, qmax), with x / s a float32
/// division and rne = nearbyint under FE_TONEAREST (ties to even). One
/// scale/zero point quantizes the whole tensor; otherwise there is one per
/// index of `axis`. ±Inf saturates (as in ONNX). The result has dtype
/// `storage` (kInt8, kUInt8, kInt16, kUInt16 or kInt32).
/// InvalidArgument for NaN, a non-float32 input, a bad axis or parameter
/// count, a non-positive/non-finite scale, a zero point outside `range`, or a
/// `range` that does not fit `storage`.
absl::StatusOr<Tensor> QuantizeTensor(const Tensor& x,
                                      absl::Span<const float> scales,
                                      absl::Span<const int64_t> zps,
                                      int64_t axis, DType storage,
                                      IntRange range);

/// A zero-point tensor of the storage type itself (QuantizeLinear requires
/// zero point and output to share it): a scalar, or [n] filled with `zp`
/// when `n` > 0. Precondition: `zp` fits `storage` (QC_CHECKed).
Tensor ZeroPointTensor(DType storage, int64_t zp, int64_t n = 0);

/// An all-zero weight channel (pruned or dead filter) gets the minimum
/// scale from WeightScales, which quantizes its weights exactly (to 0) but
/// makes its bias scale s_x * eps so fine that a bias of a few units
/// overflows int32 and, on TINPU, the offset field. Any scale represents
/// zero weights, so channels whose weights are all zero (abs_sums[c] == 0)
/// take the layer's largest scale (1 when the whole layer is zero); tiny but
/// non-zero weights keep their own fine scale. Used by insert_qdq and by
/// quantc train's simulation of it.
void ReplaceDeadChannelScales(const std::vector<double>& abs_sums, std::vector<float>& scales);

/// The weight scale a channel needs so that its bias fits int32 at
/// s_x * s_w (ONNX Runtime's quantizer rule): 1.0001 |bias| / (s_x (2^31 - 1)),
/// a power of two up with `power2`, or `weight_scale` when that suffices.
float Int32BiasWeightScale(double bias, float input_scale, float weight_scale, bool power2);

/// Bias scales s_b[c] = s_in * s_w[c], computed in float32: the values the
/// exporter must write next to a bias quantized by QuantizeBias.
std::vector<float> BiasScales(float input_scale,
                              absl::Span<const float> weight_scales);

/// Quantizes a float32 bias to int32 with scales BiasScales(...) and zero
/// point 0: q = clamp(rne(b / s_b), INT32_MIN, INT32_MAX), saturating rather
/// than wrapping. Element i uses s_b[i] (per-channel: the bias must have as
/// many elements as there are weight scales) or s_b[0] (one weight scale).
/// InvalidArgument on a count mismatch, NaN, or non-positive scales.
absl::StatusOr<Tensor> QuantizeBias(const Tensor& b, float input_scale,
                                    absl::Span<const float> weight_scales);

/// sum |t| over each slice along `axis` (one entry per index of `axis`):
/// the worst-case accumulator growth of each output channel of a weight.
std::vector<double> AbsSumsAlongAxis(const Tensor& t, int64_t axis);

}  // namespace quantc

#endif  // QUANTC_QUANT_QPARAMS_H_
