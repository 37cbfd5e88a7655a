#include "tests/tinpu/exact.h"

#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace quantc::tinpu {
namespace {

constexpr int kMaxExponent = 100;  // |binary exponent| FromFloat accepts

using u128 = unsigned __int128;

u128 Abs(i128 v) { return v < 0 ? -static_cast<u128>(v) : static_cast<u128>(v); }

i128 Gcd(i128 a, i128 b) {
  u128 x = Abs(a), y = Abs(b);
  while (y != 0) {
    u128 t = x % y;
    x = y;
    y = t;
  }
  return static_cast<i128>(x);
}

absl::Status Overflow(const char* what) {
  return absl::OutOfRangeError(
      absl::StrCat("exact arithmetic: 128-bit overflow in ", what));
}

Rational Normalized(i128 num, i128 den) {
  if (den == 1) return {num, 1};
  i128 g = Gcd(num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  return {num, den};
}

int CountTrailingZeros(u128 v) {
  uint64_t lo = static_cast<uint64_t>(v);
  if (lo != 0) return __builtin_ctzll(lo);
  return 64 + __builtin_ctzll(static_cast<uint64_t>(v >> 64));
}

}  // namespace

std::string I128ToString(i128 v) {
  if (v == 0) return "0";
  u128 m = Abs(v);
  std::string s;
  while (m != 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  }
  return v < 0 ? "-" + s : s;
}

std::string RationalToString(const Rational& r) {
  if (r.den == 1) return I128ToString(r.num);
  return absl::StrCat(I128ToString(r.num), "/", I128ToString(r.den));
}

bool IsPowerOfTwo(i128 v) { return v > 0 && (v & (v - 1)) == 0; }

absl::StatusOr<Rational> FromFloat(float f) {
  if (!std::isfinite(f)) {
    return absl::InvalidArgumentError(absl::StrCat("non-finite value ", f));
  }
  if (f == 0) return Rational{0, 1};
  int e = 0;
  float fr = std::frexp(f, &e);  // f = fr * 2^e, 0.5 <= |fr| < 1
  auto m = static_cast<int64_t>(std::ldexp(fr, 24));  // exact: 24-bit mantissa
  int p = e - 24;
  while ((m & 1) == 0) {
    m /= 2;
    ++p;
  }
  if (p > kMaxExponent || p < -kMaxExponent) {
    return absl::OutOfRangeError(absl::StrCat(
        "float ", f, " is outside the exactly representable range (|exponent| <= ",
        kMaxExponent, ")"));
  }
  // A multiply, not m << p: shifting a negative value left is undefined.
  if (p >= 0) return Rational{static_cast<i128>(m) * (static_cast<i128>(1) << p), 1};
  return Rational{m, static_cast<i128>(1) << -p};
}

absl::StatusOr<float> ToFloat(const Rational& r) {
  if (r.den == 1 && Abs(r.num) <= (static_cast<u128>(1) << 24)) {
    return static_cast<float>(static_cast<int64_t>(r.num));
  }
  long double v = static_cast<long double>(r.num) / static_cast<long double>(r.den);
  float f = static_cast<float>(v);
  auto back = FromFloat(f);
  if (!back.ok() || back->num != r.num || back->den != r.den) {
    return absl::OutOfRangeError(absl::StrCat(
        "value ", RationalToString(r), " is not exactly representable as float32"));
  }
  return f;
}

absl::StatusOr<Rational> Add(const Rational& a, const Rational& b) {
  i128 num;
  if (a.den == b.den) {
    if (__builtin_add_overflow(a.num, b.num, &num)) return Overflow("add");
    return Normalized(num, a.den);
  }
  i128 g = Gcd(a.den, b.den);
  i128 x, y, den;
  if (__builtin_mul_overflow(a.num, b.den / g, &x) ||
      __builtin_mul_overflow(b.num, a.den / g, &y) ||
      __builtin_add_overflow(x, y, &num) ||
      __builtin_mul_overflow(a.den / g, b.den, &den)) {
    return Overflow("add");
  }
  return Normalized(num, den);
}

absl::StatusOr<Rational> Mul(const Rational& a, const Rational& b) {
  i128 num, den;
  if (a.den == 1 && b.den == 1) {
    if (__builtin_mul_overflow(a.num, b.num, &num)) return Overflow("multiply");
    return Rational{num, 1};
  }
  i128 g1 = Gcd(a.num, b.den), g2 = Gcd(b.num, a.den);
  if (g1 == 0) g1 = 1;  // a.num == 0
  if (g2 == 0) g2 = 1;
  if (__builtin_mul_overflow(a.num / g1, b.num / g2, &num) ||
      __builtin_mul_overflow(a.den / g2, b.den / g1, &den)) {
    return Overflow("multiply");
  }
  if (num == 0) return Rational{0, 1};
  return Rational{num, den};
}

absl::StatusOr<int> Compare(const Rational& a, const Rational& b) {
  i128 x = a.num, y = b.num;
  if (a.den != b.den) {
    if (__builtin_mul_overflow(a.num, b.den, &x) || __builtin_mul_overflow(b.num, a.den, &y)) {
      return Overflow("compare");
    }
  }
  return x < y ? -1 : (x > y ? 1 : 0);
}

Rational Floor(const Rational& a) {
  if (a.den == 1) return a;
  if (IsPowerOfTwo(a.den)) {
    // The hardware path: an arithmetic right shift (GCC shifts signed
    // integers arithmetically), i.e. floor division by 2^k.
    return {a.num >> CountTrailingZeros(static_cast<u128>(a.den)), 1};
  }
  i128 q = a.num / a.den;
  if (a.num % a.den != 0 && a.num < 0) --q;
  return {q, 1};
}

Rational RoundHalfEven(const Rational& a) {
  if (a.den == 1) return a;
  Rational f = Floor(a);
  // 2 * (a - floor(a)) compared with 1, i.e. 2 * (num - f * den) vs den.
  // No overflow: 0 < num - f * den < den.
  i128 twice_rem = 2 * (a.num - f.num * a.den);
  if (twice_rem < a.den) return f;
  if (twice_rem > a.den) return {f.num + 1, 1};
  return (f.num % 2 == 0) ? f : Rational{f.num + 1, 1};
}

}  // namespace quantc::tinpu
