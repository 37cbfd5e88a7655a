// The TINPU legality model: which requantizations TI's integer format can
// realize, how (an offset-scale-shift block, or an exact power-of-two
// alignment), and which repair makes an unrealizable one legal.
//
// This is the only place those rules live. legalize_tinpu asks it which
// scales to repair; lower_to_integer asks it for the constants it emits, so
// the repairer can never force a rule the lowerer does not need or miss one
// it does. The numbers come from the target table (target.h) and the OSS
// derivation (oss.h); tinpu-format.md §3-§6 is the source.
//
// A requantization takes integers x whose unit is worth `unit[c]` (per
// channel c, or one value for the tensor) plus an additive term `offset[c]`
// in the same units, to integers at the output scale s_out:
//   y = clamp(round((x + offset[c]) * w[c])),   w[c] = unit[c] / s_out.
// Where it happens (the site) decides the multiplier width B (§3.4):
//   site             B                          w realizable when
//   input quantize   8                          w <= 255 (1/s_in <= 255)
//   input BatchNorm  12                         w <= 4095
//   float op output  8 (a leftover quantize)    w <= 255
//   weighted layer   1 at 8-bit weights, else 8 w <= 2^B' - 1, B' <= B the
//                    (narrowed so float32 stays exact: widest multiplier with
//                    (bound + |offset| + |round term| + 1) (2^B' - 1) < 2^24)
//   add, mul         1 when w is 2^-k <= 1,     w <= 2^B - 1
//                    else 1 at 8-bit weights,
//                    else 8
//   pool             as add when w is a power   w <= 2^B - 1 (a window such
//                    of two; else 8, at any     as 3x3 is divided exactly;
//                    weight width               TI's pitfall 7 approximates it)
//   move (Concat,    as add; and w = 2^k > 1 is an exact multiply of the
//   MaxPool, ...)    integers (an alignment), up to the float32 limit
// Every site also needs the shift in 0..31 (a multiplier that rounds to 0
// is an underflow), an offset inside the field (int24 at 8-bit weights,
// int16 otherwise; not checked for the fractional offsets of the
// input-side blocks), and at B = 1 a w that is a power of two (the block
// can only shift).
#ifndef QUANTC_BACKENDS_TINPU_LEGALITY_H_
#define QUANTC_BACKENDS_TINPU_LEGALITY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/tinpu/oss.h"
#include "backends/tinpu/target.h"
#include "ir/graph.h"
#include "ir/tensor.h"
#include "quant/qparams.h"

namespace quantc::tinpu {

/// Where integers are requantized; decides the multiplier width (see the
/// file banner) and the wording of repairs.
enum class RequantSite {
  kInputQuantize,   ///< float graph input -> integers (§4.14)
  kInputBatchNorm,  ///< BatchNormalization on the float input, folded (§4.5)
  kFloatOpOutput,   ///< a float op's output, quantized again like an input
  kWeighted,        ///< Conv / ConvTranspose / Gemm / MatMul accumulator
  kAdd,             ///< sum of two aligned activations, or activation + constant
  kMul,             ///< product of two integer operands
  kPool,            ///< average-pool window sum divided by the window area
  kMove,            ///< ops that only move values: Concat, MaxPool, Reshape, Relu, ...
};

/// "input quantize", "weighted layer", ... for messages.
const char* RequantSiteName(RequantSite site);

/// One requantization, described by what it reads (see the file banner).
struct Requant {
  RequantSite site = RequantSite::kMove;
  /// Real value of one input unit, per channel (or one entry for all).
  std::vector<double> unit;
  /// Additive term in input units per channel (a layer's integer bias, an
  /// input BatchNorm's shift); empty means 0.
  std::vector<double> offset;
  /// Largest |x| in input units per channel (a layer's sum |w| * max |x|);
  /// empty when unbounded or irrelevant.
  std::vector<double> input_bound;
};

/// How a realizable requantization is emitted.
struct Realization {
  /// > 0: multiply the integers by 2^align (exact), then clip; the OSS
  /// parameters are unused.
  int align = 0;
  OssParams oss;  ///< per channel (one entry when per tensor)
};

/// Why a requantization cannot be realized, and the repair that fixes it.
struct Problem {
  enum class Kind {
    /// Some w exceeds its multiplier's range: coarsen the output scale.
    kOutputTooFine,
    /// Offsets outside the field, multipliers that underflow, or (at B = 1)
    /// w that is not a power of two: change those channels' weight scales
    /// (ChannelScaleFactor says by how much).
    kChannels,
  };
  Kind kind;
  std::vector<int64_t> channels;  ///< for kChannels
  std::string why;                ///< the rule broken, for messages
};

class Legality {
 public:
  /// Precondition: ValidateBitWidths(bits).ok() (QC_CHECKed).
  explicit Legality(BitWidths bits);
  const BitWidths& bits() const { return bits_; }

  /// How TINPU activations are quantized: per tensor, zero-point free
  /// (symmetric, or the whole range from 0 for non-negative data), power of
  /// two, at the activation width.
  ActivationScheme ActivationSchemeFor(DType storage) const;
  /// Whether weight scales must be powers of two (8-bit weights: B = 1).
  bool WeightsPowerOfTwo() const;
  /// Largest integer weight magnitude: weights are narrow-range symmetric,
  /// +-(2^(bw-1) - 1).
  int64_t WeightLimit() const;
  /// Whether (storage, zero point) is a TINPU activation domain, and then
  /// whether it is the unsigned one: int8 zp 0 (signed) or -128 (unsigned);
  /// uint8 zp 128 (signed) or 0 (unsigned). nullopt otherwise.
  std::optional<bool> UnsignedDomain(DType storage, int64_t zero_point) const;
  /// The clip range of an activation domain: U or S of the activation width.
  ClipRange DomainRange(bool is_unsigned) const;

  /// Whether `n`, an op that only moves integers (Reshape, Slice, MaxPool,
  /// ...) or a standalone Relu/Clip, exists in a TINPU model as it is; on
  /// false `why` (if non-null) says which rule it breaks.
  static bool MovesIntegers(const Node& n, std::string* why);

  /// The multiplier width B at `site` for factor w (before narrowing).
  int MultiplierBits(RequantSite site, double w) const;

  /// nullopt when `r` is realizable at output scale `out_scale`, else the
  /// first problem found (output first, then channels).
  std::optional<Problem> Check(const Requant& r, double out_scale) const;
  /// The constants for `r` at `out_scale`; FailedPrecondition naming the
  /// problem (Check) when it is not realizable.
  absl::StatusOr<Realization> Realize(const Requant& r, double out_scale) const;
  /// The finest power-of-two output scale >= `out_scale` at which no w
  /// exceeds its multiplier (the repair for kOutputTooFine: it loses
  /// resolution, never range).
  double MinOutputScale(const Requant& r, double out_scale) const;
  /// The smallest power of two f >= 2 by which channel c's weight scale
  /// must grow (its unit grows and its offset and bound shrink by f) for its
  /// offset to fit and its multiplier not to underflow at `out_scale`.
  /// nullopt when no f up to 2^62 does, or when w is not a power of two at
  /// B = 1 (then the weight scale must first become one: Power2Ceil).
  std::optional<double> ChannelScaleFactor(const Requant& r, double out_scale, int64_t c) const;

  /// The scale a residual Add aligns its inputs to by exact multiplies: the
  /// finer input's, but never so fine that aligning the coarser one would
  /// leave float32's exact integers (it is requantized down instead).
  double AddAlignScale(double a, double b) const;

  /// A Mul's constant operand as integers: int8-range symmetric with a
  /// power-of-two scale (like 8-bit weights), stored as float32.
  struct Factor {
    Tensor ints;
    double scale;
  };
  absl::StatusOr<Factor> QuantizeFactor(const Tensor& c) const;

  /// Largest integer magnitude float32 (ONNX Runtime) carries exactly: 2^24.
  static double Float32ExactLimit();
  /// Worst-case |accumulator| of a weighted layer whose channel has
  /// sum |w_int| = `abs_sum`, reading the given activation domain.
  double AccumulatorBound(double abs_sum, bool input_unsigned) const;

 private:
  int NarrowedBits(const Requant& r, int64_t c, double w, double round_term) const;
  std::optional<OssParams> Channel(const Requant& r, int64_t c, double out_scale,
                                   Problem* problem) const;

  BitWidths bits_;
  OssLimits limits_;
};

}  // namespace quantc::tinpu

#endif  // QUANTC_BACKENDS_TINPU_LEGALITY_H_
