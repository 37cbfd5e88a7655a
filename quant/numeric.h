// Exact rounding and power-of-two arithmetic: the one implementation every
// quantization formula in quantc uses (scales, zero points, quantized
// weights and biases, TINPU multipliers, shifts and offsets).
//
// Why not std::nearbyint / std::log2: nearbyint rounds in whatever
// floating-point rounding mode the process runs in (an embedding program
// may have changed it), and log2 of an exact power of two may land an ulp
// off on some libms, which turns floor/ceil of it into an off-by-one
// exponent. Everything here is built from operations that are exact in
// every rounding mode (floor, frexp, ldexp, subtraction of nearby values).
#ifndef QUANTC_QUANT_NUMERIC_H_
#define QUANTC_QUANT_NUMERIC_H_

namespace quantc {

/// Round half to even (ONNX QuantizeLinear, numpy, torch.round), the same
/// in every floating-point rounding mode. Exact for every finite double
/// (floats convert to double exactly, so it also rounds float quotients).
/// NaN and +-Inf are returned unchanged.
double RoundHalfEven(double v);

/// Whether x is exactly 2^k for some integer k (x > 0, finite).
bool IsPowerOfTwo(double x);

/// The integer e with 2^e <= x < 2^(e+1), exactly. Precondition: x > 0 and
/// finite (QC_CHECKed).
int FloorLog2(double x);

/// The smallest integer e with x <= 2^e, exactly. Precondition: x > 0 and
/// finite (QC_CHECKed).
int CeilLog2(double x);

/// Mean squared error of rounding uniformly spread values to a unit grid
/// (1/12 of a step squared): the noise model of quantization costs.
double RoundingNoisePower();

/// 2^CeilLog2(s): the smallest power of two >= s. Precondition: s > 0 and
/// finite. May return +Inf when s exceeds 2^127.
float Power2Ceil(float s);

}  // namespace quantc

#endif  // QUANTC_QUANT_NUMERIC_H_
