// OSS constant derivation (format doc §3.2) and exact block evaluation.
//
// Why the shift is the *largest* one keeping |w| * 2^shift <= 2^B - 1: the
// realised factor is mult * 2^-shift with mult = round(|w| * 2^shift), whose
// relative error is at most 1 / (2 * mult); the largest shift makes mult as
// large as the B-bit field allows. In power-of-two mode (B = 1, scale_max 1)
// and w = 2^-k this gives mult = 1, shift = k exactly.
//
// Divergences from TI's routine (each makes quantc stricter, never different
// on inputs TI handles correctly):
//   * shift is found exactly (exponent arithmetic and exact ldexp products)
//     instead of trusting floating-point log2 at powers of two;
//   * non-finite inputs are errors (TI maps a NaN product to m = 0, shift 1);
//   * zero and underflowing multipliers are errors or explicit zeros instead
//     of offset = +-inf (ZeroMultiplier);
//   * offset and shift are checked against the NNC field widths, which TI
//     does not check (format doc §5.1).
#include "backends/tinpu/oss.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "quant/numeric.h"

namespace quantc::tinpu {
namespace {

std::string Num(double v) { return absl::StrFormat("%.9g", v); }

// "int24 " when [lo, hi] is exactly a two's-complement range, else "".
std::string RangeName(int64_t lo, int64_t hi) {
  for (int bits = 2; bits <= 62; ++bits) {
    if (lo == -(int64_t{1} << (bits - 1)) && hi == (int64_t{1} << (bits - 1)) - 1) {
      return absl::StrCat("int", bits, " ");
    }
  }
  return "";
}

// Largest shift in [0, shift_max] with a * 2^shift <= scale_max (0 when even
// shift 0 overflows; the caller reports that). The exponent difference is
// within one of the answer; exact ldexp products settle it.
int ShiftFor(double a, double scale_max, int shift_max) {
  if (a > scale_max) return 0;
  int estimate = FloorLog2(scale_max) - FloorLog2(a);
  int shift = std::clamp(estimate, 0, shift_max);
  while (shift > 0 && std::ldexp(a, shift) > scale_max) --shift;
  while (shift < shift_max && std::ldexp(a, shift + 1) <= scale_max) ++shift;
  return shift;
}

absl::Status ValidateArgs(size_t n, size_t n_off0, std::optional<size_t> n_ro, int multiplier_bits,
                          int shift_bits) {
  if (n_off0 != n || (n_ro && *n_ro != n)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ComputeOss: w has ", n, " channels but off0 has ", n_off0,
                     n_ro ? absl::StrCat(" and ro has ", *n_ro) : std::string()));
  }
  // A B-bit multiplier and a 2^-shift must stay exact float32 constants.
  if (multiplier_bits < 1 || multiplier_bits > 24 || shift_bits < 0 || shift_bits > 6) {
    return absl::InvalidArgumentError(
        absl::StrCat("ComputeOss: multiplier bits must be 1..24 and shift bits 0..6, got ",
                     multiplier_bits, " and ", shift_bits));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<OssParams> ComputeOss(absl::Span<const double> w, absl::Span<const double> off0,
                                     std::optional<absl::Span<const double>> ro,
                                     int multiplier_bits, int shift_bits, bool int_bias,
                                     const OssLimits& limits, ZeroMultiplier zero) {
  absl::Status args =
      ValidateArgs(w.size(), off0.size(), ro ? std::optional<size_t>(ro->size()) : std::nullopt,
                   multiplier_bits, shift_bits);
  if (!args.ok()) return args;
  const double scale_max = std::ldexp(1.0, multiplier_bits) - 1;
  const int shift_max = (1 << shift_bits) - 1;
  const std::string limit_text = absl::StrCat(RangeName(limits.offset_min, limits.offset_max), "[",
                                              limits.offset_min, ", ", limits.offset_max, "]");

  OssParams p;
  std::vector<std::string> errors;
  auto push = [&p](double offset, double mult, int shift) {
    p.offset.push_back(static_cast<float>(offset));
    p.mult.push_back(static_cast<float>(mult));
    p.shift.push_back(shift);
    p.shift_mult.push_back(static_cast<float>(std::ldexp(1.0, -shift)));
  };
  for (size_t c = 0; c < w.size(); ++c) {
    const std::string ch = absl::StrCat("channel ", c, ": ");
    if (!std::isfinite(w[c]) || !std::isfinite(off0[c]) || (ro && !std::isfinite((*ro)[c]))) {
      errors.push_back(absl::StrCat(ch, "non-finite input (w ", Num(w[c]), ", off0 ", Num(off0[c]),
                                    ro ? ", ro " + Num((*ro)[c]) : "", ")"));
      continue;
    }
    const double a = std::fabs(w[c]);
    const int shift = a == 0 ? shift_max : ShiftFor(a, scale_max, shift_max);
    const double m_real = std::ldexp(a, shift);
    // The overflow test uses the unrounded product (§3.2): a ratio above
    // scale_max cannot be realised even when it would round down to it.
    if (m_real > scale_max) {
      errors.push_back(absl::StrCat(ch, "w ", Num(w[c]), " needs multiplier ", Num(m_real), " > ",
                                    Num(scale_max), " (B = ", multiplier_bits, ", shift 0)"));
      continue;
    }
    const double m = RoundHalfEven(m_real);
    if (m == 0) {
      if (zero == ZeroMultiplier::kAllow) {
        push(0, 0, 0);
        continue;
      }
      errors.push_back(absl::StrCat(ch,
                                    a == 0
                                        ? "w is 0"
                                        : absl::StrCat("w ", Num(w[c]), " underflows (|w| * 2^",
                                                       shift, " = ", Num(m_real), " rounds to 0)"),
                                    ": multiplier 0 would give an infinite rounding offset"));
      continue;
    }
    const double mult = std::signbit(w[c]) ? -m : m;
    // Default rounding term: half an output LSB in the accumulator domain,
    // 2^(shift-1) / mult; it takes the multiplier's sign, so floor still
    // rounds half up for negative factors.
    const double r = ro ? (*ro)[c] : std::ldexp(1.0, shift - 1) / mult;
    double offset = off0[c] + r;
    if (int_bias) offset = RoundHalfEven(offset);
    if (offset < static_cast<double>(limits.offset_min) ||
        offset > static_cast<double>(limits.offset_max)) {
      errors.push_back(absl::StrCat(ch, "offset ", Num(offset), " outside ", limit_text));
      continue;
    }
    if (shift > limits.shift_max) {
      errors.push_back(absl::StrCat(ch, "shift ", shift, " > ", limits.shift_max));
      continue;
    }
    push(offset, mult, shift);
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ComputeOss: ", errors.size(), " of ", w.size(),
                     " channel(s) cannot be realised: ", absl::StrJoin(errors, "; ")));
  }
  return p;
}

int64_t ApplyOssInt(int64_t x, int64_t offset, int64_t mult, int shift, ClipRange clip) {
  const int64_t v = (x + offset) * mult;
  // floor(v / 2^shift) written without right-shifting a negative number,
  // whose result C++17 leaves implementation-defined; it equals the NPU's
  // arithmetic shift.
  const int64_t q = v >= 0 ? (v >> shift) : -((-v + (int64_t{1} << shift) - 1) >> shift);
  return std::clamp(q, clip.lo, clip.hi);
}

float ApplyOssFloat32(float x, float offset, float mult, float shift_mult, ClipRange clip) {
  // One float32 rounding per ONNX op, as ORT evaluates the block; the
  // library is built with -ffp-contract=off so no multiply-add is fused.
  const float t1 = x + offset;
  const float t2 = t1 * mult;
  const float t3 = t2 * shift_mult;
  const float t4 = std::floor(t3);
  return std::clamp(t4, static_cast<float>(clip.lo), static_cast<float>(clip.hi));
}

}  // namespace quantc::tinpu
