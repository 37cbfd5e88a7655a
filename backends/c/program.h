// The integer program: what `quantc compile` turns into C and what
// `quantc run --integer` evaluates (backends/c/reference.h). It is the
// quantized model with every scale resolved at compile time into integer
// constants, as specified by docs/integer-arithmetic.md:
//
//   * every activation is an int8 tensor, real = (q - zero_point) * scale
//     (uint8 tensors are stored as int8 with zero point - 128; TINPU
//     integers as int8 with zero point 0 (signed) or -128 (unsigned));
//   * each op reads int8 tensors (or int8 constants), accumulates in int32
//     and requantizes into one int8 output with a Requant: a fixed-point
//     multiplier (generic QDQ models) or TINPU's offset-scale-shift;
//   * views (Reshape/Flatten) share their source tensor's bytes.
//
// Ops are in execution order (a topological order of the source graph).
// Lowering (backends/c/lower.h) builds programs from ONNX graphs; nothing
// here knows about ONNX.
#ifndef QUANTC_BACKENDS_C_PROGRAM_H_
#define QUANTC_BACKENDS_C_PROGRAM_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace quantc::cbackend {

/// One int8 tensor.
struct IntTensor {
  std::string name;  ///< the source graph value it implements
  std::vector<int64_t> dims;
  int32_t zero_point = 0;  ///< in the int8 storage domain
  double scale = 1.0;      ///< real = (q - zero_point) * scale
  /// >= 0: a view (same bytes, other dims) of that tensor, which is not
  /// itself a view.
  int view_of = -1;
  /// Constant operands (an Add/Mul/Concat input from the model's
  /// initializers) live in flash; empty for activations.
  std::vector<int8_t> constant;

  int64_t num_elements() const;
  bool is_constant() const { return !constant.empty(); }
};

/// How an int32 accumulator becomes an int8 output element (per output
/// channel, or one entry for the whole tensor).
struct Requant {
  enum class Kind {
    /// v = MulQ(acc, multiplier[c], shift[c]) (quant/fixed_point.h).
    kFixedPoint,
    /// v = floor((acc + offset[c]) * multiplier[c] / 2^shift[c]) (TINPU OSS).
    kOss,
  };
  Kind kind = Kind::kFixedPoint;
  std::vector<int32_t> multiplier;
  std::vector<int32_t> shift;
  std::vector<int32_t> offset;  ///< kOss only
  /// Output: clamp(v + out_zero_point, lo, hi), all in the int8 domain.
  int32_t out_zero_point = 0;
  int32_t lo = -128, hi = 127;

  int channels() const { return static_cast<int>(multiplier.size()); }
};

/// How each input of an Add (or Concat) enters the sum before the output
/// Requant: kFixedPoint: MulQ((x - zp) * 2^pre_shift, multiplier, shift);
/// kOss: (x - zp) * multiplier (a power of two, TINPU's alignment Mul).
struct InputScale {
  int32_t multiplier = 1;
  int32_t shift = 0;
};

/// 2-D window geometry ([H, W]; a 1-D op has H = 1).
struct Window2 {
  std::array<int64_t, 2> in{1, 1}, out{1, 1}, kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1}, dilation{1, 1};
  std::array<int64_t, 2> pad_begin{0, 0}, pad_end{0, 0};
};

enum class OpKind {
  kConv,            ///< NCHW conv, groups, int8 weights, int32 bias
  kFullyConnected,  ///< rows x in -> rows x out, weights [out, in]
  kAdd,             ///< broadcasting add of two inputs
  kMul,             ///< broadcasting product of two inputs
  kMaxPool,         ///< max over windows (no requantization)
  kAvgPool,         ///< window sum -> Requant (per window count if it varies)
  kConcat,          ///< along an axis, each input requantized or copied
  kRequant,         ///< elementwise (x - zp) -> Requant (Relu, Clip, rescale)
  kLut,             ///< 256-entry table (Sigmoid, Tanh, ...)
  kSoftmax,         ///< exp table, normalization, Requant
  kAffine,          ///< (x - zp) * scale[j] + bias[j], constants broadcast
};

/// Name used in reports and C comments ("conv", "add", ...).
const char* OpKindName(OpKind k);

struct IntOp {
  OpKind kind;
  std::string name;  ///< the source node (for messages and C comments)
  std::vector<int> inputs;
  int output = -1;
  Requant requant;  ///< unused by kMaxPool, kLut, kConcat

  // kConv
  Window2 window;
  int64_t group = 1;
  // kConv / kFullyConnected: weights [out, in/group, kH, kW] or [out, in]
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;  ///< one per output channel (zeros if none)
  int64_t out_features = 0, in_features = 0;

  // kAdd / kRequant / kAvgPool / kConcat (fixed point): inputs are
  // multiplied by 2^pre_shift before MulQ.
  int pre_shift = 0;
  std::vector<InputScale> input_scales;  ///< kAdd: one per input

  // kMaxPool / kAvgPool (window), kAvgPool: count_include_pad and whether
  // requant has one entry per window count (1..kernel area).
  bool count_include_pad = false;
  bool requant_per_count = false;

  // kConcat
  int64_t axis = 0;
  std::vector<Requant> input_requants;  ///< per input; empty Requant = copy
  std::vector<bool> input_copies;       ///< per input: plain copy

  // kLut: table[q + 128]
  std::array<int8_t, 256> table{};

  // kAffine: int32 constants of dims affine_dims (broadcast to the output);
  // the additive part is `bias`.
  std::vector<int32_t> affine_scale;
  std::vector<int64_t> affine_dims;

  // kSoftmax over [outer, n, inner]; exp_table[d] = round(2^20 exp(-s d))
  int64_t outer = 1, n = 1, inner = 1;
  std::array<uint32_t, 256> exp_table{};
};

/// An op of `kind` reading `inputs` and writing `output`; the caller fills
/// in the kind's fields.
IntOp NewOp(OpKind kind, std::string name, std::vector<int> inputs, int output);

/// How the float wrappers (and `quantc run --integer` on float data)
/// turn a float input into the program's int8 input. Per tensor, or per
/// channel along axis 1.
struct InputQuantizer {
  enum class Kind {
    kAffine,  ///< QuantizeLinear: clamp(rne(x / scale) + zp)
    kOss,     ///< TINPU block in float32: clamp(floor((x + off) * mult * shift_mult))
  };
  Kind kind = Kind::kAffine;
  std::vector<float> scale;       ///< kAffine
  std::vector<float> offset;      ///< kOss
  std::vector<float> mult;        ///< kOss
  std::vector<float> shift_mult;  ///< kOss
  /// The model's own zero point (kAffine) and integer clamp range, before
  /// storage_offset moves the result into int8 (-128 for uint8 models).
  std::vector<int32_t> zero_point;
  int32_t lo = -128, hi = 127;
  int32_t storage_offset = 0;
  int64_t inner = 1;  ///< elements per channel (per-channel only)
};

/// The float output of the float wrappers: (q - zero_point) * scale in
/// float32 (DequantizeLinear; TINPU integer outputs have scale 1).
struct OutputDequantizer {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

enum class SourceFormat { kQdq, kTinpu };

struct IntProgram {
  SourceFormat format = SourceFormat::kQdq;
  std::vector<IntTensor> tensors;
  std::vector<IntOp> ops;
  int input = -1;
  int output = -1;
  std::string input_name, output_name;  ///< graph input/output names
  InputQuantizer input_quantizer;
  OutputDequantizer output_dequantizer;

  /// The tensor whose bytes `t` uses (itself unless a view).
  int StorageOf(int t) const { return tensors[t].view_of >= 0 ? tensors[t].view_of : t; }
};

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_PROGRAM_H_
