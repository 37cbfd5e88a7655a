// IEEE binary16 and bfloat16 <-> float32 conversions (round to nearest,
// ties to even; NaN stays NaN). Kernels never compute in 16-bit floats:
// they widen to float32, compute, and round once on the way back, which is
// what ONNX Runtime's CPU provider does as well.
#ifndef QUANTC_IR_KERNELS_HALF_H_
#define QUANTC_IR_KERNELS_HALF_H_

#include <cstdint>
#include <cstring>

namespace quantc {
namespace kernels {

inline uint32_t FloatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float BitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  const uint32_t man = h & 0x3ff;
  if (exp == 0x1f) return BitsFloat(sign | 0x7f800000u | (man << 13));  // inf / NaN
  if (exp == 0) {
    // Zero or subnormal: value is man * 2^-24, exact in float32.
    float v = static_cast<float>(man) * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  return BitsFloat(sign | ((exp + 112) << 23) | (man << 13));
}

inline uint16_t FloatToHalf(float f) {
  const uint32_t u = FloatBits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  const uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00;   // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00;  // rounds to >= 65520: inf
  if (abs < 0x38800000u) {
    // Subnormal or zero result: count units of 2^-24 (the scaling is exact)
    // and round to an integer; nearbyint is ties-to-even in the default
    // rounding mode. 1024 units correctly encodes the smallest normal.
    float units = __builtin_nearbyintf(BitsFloat(abs) * 16777216.0f);
    return sign | static_cast<uint16_t>(units);
  }
  // Normal: rebias exponent and round the 13 dropped bits to nearest even.
  uint32_t m = abs + 0xc8000000u;  // exponent - 112
  m += 0x0fff + ((m >> 13) & 1);
  return sign | static_cast<uint16_t>(m >> 13);
}

inline float BFloat16ToFloat(uint16_t b) { return BitsFloat(static_cast<uint32_t>(b) << 16); }

inline uint16_t FloatToBFloat16(float f) {
  uint32_t u = FloatBits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // NaN
  u += 0x7fff + ((u >> 16) & 1);
  return static_cast<uint16_t>(u >> 16);
}

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_HALF_H_
