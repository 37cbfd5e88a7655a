// Exact arithmetic for the TINPU integer evaluator (tests/tinpu).
//
// Every value the evaluator holds is a rational num/den with 128-bit
// numerator and denominator (den > 0, lowest terms). Integers (den == 1)
// are the normal case; a power-of-two denominator appears between an OSS
// block's Mul(2^-shift) and its Floor, a pooling divisor between
// AveragePool and Mul(A)+Round, and arbitrary dyadic rationals in the
// float-input part of the graph (the input-quantize block).
//
// A float32 is a dyadic rational m * 2^e with |m| < 2^24, so it converts
// exactly as long as the denominator fits: |e| <= 100 (values from about
// 2^-77 to 2^100; zero is fine). Anything outside that, a NaN or an
// infinity is an error, never a rounding. Every operation checks for
// overflow and fails instead of wrapping.
#ifndef QUANTC_TESTS_TINPU_EXACT_H_
#define QUANTC_TESTS_TINPU_EXACT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace quantc::tinpu {

using i128 = __int128;

/// num / den, den > 0, gcd(|num|, den) == 1.
struct Rational {
  i128 num = 0;
  i128 den = 1;
  bool is_integer() const { return den == 1; }
};

/// Decimal text of a 128-bit integer.
std::string I128ToString(i128 v);
/// "n" for integers, "n/d" otherwise.
std::string RationalToString(const Rational& r);

/// Exact float32 -> rational (see the file comment for the range).
absl::StatusOr<Rational> FromFloat(float f);
/// Exact rational -> float32; an error if the value is not a float32.
absl::StatusOr<float> ToFloat(const Rational& r);

/// Exact arithmetic; errors on 128-bit overflow.
absl::StatusOr<Rational> Add(const Rational& a, const Rational& b);
absl::StatusOr<Rational> Mul(const Rational& a, const Rational& b);
/// -1, 0, 1 as a < b, a == b, a > b.
absl::StatusOr<int> Compare(const Rational& a, const Rational& b);

/// floor(a). A power-of-two denominator 2^k is an arithmetic right shift
/// of the numerator by k (what the NPU does); otherwise floor division.
Rational Floor(const Rational& a);
/// Round half to even (ONNX Round).
Rational RoundHalfEven(const Rational& a);

/// Whether v is a power of two (v > 0).
bool IsPowerOfTwo(i128 v);

}  // namespace quantc::tinpu

#endif  // QUANTC_TESTS_TINPU_EXACT_H_
