// See numeric.h. floor, frexp, ldexp and fmod are exact, and v - floor(v)
// is exact for every double (for |v| >= 2^52 both are the same integer), so
// no result below depends on the floating-point rounding mode.
#include "quant/numeric.h"

#include <cmath>

#include "util/check.h"

namespace quantc {

double RoundHalfEven(double v) {
  if (!std::isfinite(v)) return v;
  const double f = std::floor(v);
  const double diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return std::fmod(f, 2.0) == 0.0 ? f : f + 1;
}

bool IsPowerOfTwo(double x) {
  int e;
  return x > 0 && std::isfinite(x) && std::frexp(x, &e) == 0.5;
}

int FloorLog2(double x) {
  QC_CHECK(x > 0 && std::isfinite(x));
  int e;
  std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1)
  return e - 1;
}

int CeilLog2(double x) {
  QC_CHECK(x > 0 && std::isfinite(x));
  int e;
  const double m = std::frexp(x, &e);
  return m == 0.5 ? e - 1 : e;
}

float Power2Ceil(float s) {
  QC_CHECK(s > 0 && std::isfinite(s));
  return std::ldexp(1.0f, CeilLog2(s));
}

double RoundingNoisePower() { return 1.0 / 12.0; }

}  // namespace quantc
