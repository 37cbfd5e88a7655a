// The offset-scale-shift (OSS) requantisation block of TINPU models.
//
// ONNX form (format doc §2): Add(offset) -> Mul(mult) -> Mul(shift_mult) ->
// Floor -> Clip(lo, hi), i.e.
//     y = clamp(floor((x + offset) * mult * 2^-shift), lo, hi),
// the NNC "BNORM" sequence. ComputeOss derives the constants that realise a
// real factor w per channel (format doc §3.2); the Apply* functions evaluate
// one block exactly, for tests and the bit-exactness checker.
#ifndef QUANTC_BACKENDS_TINPU_OSS_H_
#define QUANTC_BACKENDS_TINPU_OSS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "backends/tinpu/target.h"

namespace quantc::tinpu {

/// Per-channel OSS constants, as the float32 initializers of the ONNX block.
struct OssParams {
  /// Added before the multiply; an integer when int_bias (exact in float32
  /// up to 2^24, which covers the int24 limit).
  std::vector<float> offset;
  std::vector<float> mult;        ///< signed integer multiplier, |mult| <= 2^B - 1
  std::vector<float> shift_mult;  ///< 2^-shift, exact in float32
  std::vector<int> shift;         ///< right shift, 0..2^S - 1
};

/// What ComputeOss does with a channel whose multiplier is 0: w == 0, or
/// 0 < |w| * 2^shift_max < 0.5 so that the multiplier rounds to 0 (underflow).
/// TI emits mult 0 and offset +-inf there (the default rounding term divides by
/// the multiplier, §3.2); quantc never does.
enum class ZeroMultiplier {
  /// InvalidArgument naming the channel: usually a calibration bug (a zero or
  /// denormal scale).
  kReject,
  /// Emit mult 0, offset 0, shift 0 (shift_mult 1): the block outputs
  /// clamp(0) for every x. Meant for a requant factor that is genuinely 0
  /// (e.g. a channel the model zeroed out, w = 0 by construction). Harmless
  /// for an underflowing channel too: with S = 5 underflow means |w| < 2^-32,
  /// so for |x + off0| < 2^31 the ideal output |(x + off0) * w| < 1/2 rounds
  /// to 0 anyway.
  kAllow,
};

/// Derives the OSS constants of §3.2 for each channel c:
///   scale_max  = 2^B - 1 (B = multiplier_bits), shift_max = 2^S - 1 (S = shift_bits)
///   shift      = the largest integer in [0, shift_max] with |w[c]| * 2^shift <= scale_max
///                (= clamp(floor(log2(scale_max / |w|)), 0, shift_max), computed exactly)
///   m_real     = |w[c]| * 2^shift; m_real > scale_max is an error (checked BEFORE
///                rounding: 255.4 with B = 8 fails although it rounds to 255)
///   mult       = sign(w[c]) * round_half_even(m_real)
///   r          = ro[c] if ro is given, else 2^(shift-1) / mult (the "+1/2 output LSB"
///                rounding term in the accumulator domain; negative for negative w)
///   offset     = off0[c] + r, rounded half-to-even when int_bias
///   shift_mult = 2^-shift
/// Zero multipliers follow `zero` (see ZeroMultiplier). The offset must lie in
/// [limits.offset_min, limits.offset_max] and the shift must not exceed
/// limits.shift_max; limits.multiplier_bits is not used (multiplier_bits may
/// differ per call site, §3.4). A negative multiplier is returned as TI
/// computes it; NNC's multiplier field is unsigned, so placing such a block on
/// the NPU is the caller's check. Errors (InvalidArgument) list every bad
/// channel at once: sizes that differ, non-finite inputs, overflow, zero or
/// underflowing multipliers, offsets out of range.
absl::StatusOr<OssParams> ComputeOss(absl::Span<const double> w, absl::Span<const double> off0,
                                     std::optional<absl::Span<const double>> ro,
                                     int multiplier_bits, int shift_bits, bool int_bias,
                                     const OssLimits& limits,
                                     ZeroMultiplier zero = ZeroMultiplier::kReject);

/// Exact integer evaluation of one block with an integer offset:
///   clamp(floor((x + offset) * mult / 2^shift), clip.lo, clip.hi).
/// floor(v / 2^shift) is the hardware's arithmetic right shift. Precondition:
/// |(x + offset) * mult| < 2^62 and 0 <= shift <= 62.
int64_t ApplyOssInt(int64_t x, int64_t offset, int64_t mult, int shift, ClipRange clip);

/// The block exactly as the float32 ONNX graph evaluates it, one op at a
/// time with float32 rounding after each: Add, Mul, Mul, Floor, Clip. Equal to
/// ApplyOssInt while x and offset are integers and |x|, |offset|, |x + offset|
/// and |(x + offset) * mult| are all <= 2^24 (float32's 24-bit significand
/// holds every such integer, so no op rounds). Also evaluates the fractional
/// offsets of input-side blocks (§4.5, §4.14).
float ApplyOssFloat32(float x, float offset, float mult, float shift_mult, ClipRange clip);

}  // namespace quantc::tinpu

#endif  // QUANTC_BACKENDS_TINPU_OSS_H_
