// The TINPU target table: every TI-NPU fact quantc relies on, in one place.
//
// Sources (all summarised in /work/shared/docs/tinpu-format.md):
//   * integer ranges and bit widths (§1.2, §4 notation, §5.3),
//   * the offset-scale-shift ("OSS", NNC's "BNORM") field widths (§2, §6),
//   * the ONNX op vocabulary of a TINPU model (§1.3),
//   * NNC's NPU layer configurations (§6 table).
// Passes never hard-code these numbers (tests/lint:tinpu_constants_test
// checks): the legality model (legality.h, which legalize_tinpu and
// lower_to_integer ask), the OSS derivation (oss.h), the eligibility report
// and the serializer read them from here, so a change in TI's tooling is a
// one-file edit.
#ifndef QUANTC_BACKENDS_TINPU_TARGET_H_
#define QUANTC_BACKENDS_TINPU_TARGET_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ir/graph.h"

namespace quantc::tinpu {

/// Global weight / activation bit widths of a TINPU model (TI applies one
/// pair to every layer, format doc §5.3). Supported values: 8, 4, 2.
struct BitWidths {
  int weight = 8;
  int activation = 8;
};

/// InvalidArgument unless both widths are 2, 4 or 8.
absl::Status ValidateBitWidths(const BitWidths& bits);

/// An inclusive integer clip range [lo, hi].
struct ClipRange {
  int64_t lo, hi;
  bool operator==(const ClipRange& o) const { return lo == o.lo && hi == o.hi; }
};

/// U = [0, 2^b - 1]: unsigned activations (zero point 0, e.g. after ReLU).
ClipRange UnsignedRange(int bits);
/// S = [-2^(b-1), 2^(b-1) - 1]: signed activations (TINPU drops PyTorch's zero point).
ClipRange SignedRange(int bits);
/// [-512, 511]: the intermediate clip of NNC's residual BNORMRES sequence.
ClipRange ResidualRange();
/// W = [-(2^b - 1), 2^b - 1]: the clip TI itself emits after every conv OSS
/// (format doc §4.1, semantics §12 item 1). Not an NNC range; only for a
/// TI-compatibility mode that reproduces TI's models bit for bit.
ClipRange TiCompatConvRange(int bits);
/// Largest weight magnitude: weights are narrow-range symmetric,
/// +-(2^(bw-1) - 1) (8 bit: 127, 4 bit: 7, 2 bit: 1).
int64_t WeightMax(int weight_bits);

/// Field limits of one OSS block (NNC "BNORM", format doc §2 / §6 items 3-5).
struct OssLimits {
  /// Multiplier width B of conv/linear/pool/add blocks: 1 for 8-bit weights
  /// (power-of-two scales are mandatory, so the multiplier is always 1),
  /// 8 for 2/4-bit weights (unsigned 8-bit multiplier). Input-side blocks
  /// (input quantize: 8, input BN: 12) choose their own B (format doc §3.4).
  int multiplier_bits;
  /// Largest right shift: the shift field is 5 bits wide, so 0..31.
  int shift_max;
  /// The integer offset ("bias") must fit a signed 24-bit field for 8-bit
  /// weights and a signed 16-bit field for 2/4-bit weights.
  int64_t offset_min, offset_max;
};

/// Limits for a weight width; precondition: 2, 4 or 8 (see ValidateBitWidths).
OssLimits LimitsFor(int weight_bits);
/// Shift field width (bits) of every OSS block; shift_max = 2^5 - 1.
inline constexpr int kShiftBits = 5;
/// Width of NNC's unsigned multiplier field (format doc §2).
inline constexpr int kMultiplierFieldBits = 8;
/// Multiplier width of the input-side blocks, whatever the weight width
/// (format doc §3.4): the input quantize (and a float op's output, which is
/// quantized the same way) 8 bits, a BatchNorm folded into it 12 bits.
inline constexpr int kInputQuantizeMultiplierBits = 8;
inline constexpr int kInputBatchNormMultiplierBits = 12;
/// A constant factor of a Mul is stored like an 8-bit weight.
inline constexpr int kConstantFactorBits = 8;
/// float32 holds every integer of magnitude <= 2^24 exactly; ONNX Runtime
/// evaluates a TINPU model in float32, so intermediate integers stay below.
inline constexpr int kFloat32ExactBits = 24;

/// One row of the op vocabulary: whether `op` may appear in a TINPU model
/// and why (or why not). Ops without a row are not allowed.
struct OpRule {
  const char* op;
  bool allowed;
  const char* why;
};

/// The whole vocabulary table, in a fixed order.
absl::Span<const OpRule> OpRules();
/// The row for `op_type`, or nullptr when the op is not in the table.
const OpRule* FindOpRule(absl::string_view op_type);
/// Whether `op_type` (default ONNX domain) may appear in a TINPU model.
bool IsAllowedOp(absl::string_view op_type);
/// IsAllowedOp plus the per-node conditions some rows carry (Pad: constant
/// mode with a zero pad value; Reshape: a constant target shape). On false,
/// `why` (if non-null) receives the reason.
bool IsAllowedNode(const Node& n, std::string* why = nullptr);

/// NNC's NPU layer configurations (format doc §6 table) as numbers.
struct NpuLayerRules {
  int64_t channel_multiple;   ///< GCONV/PWCONV channels, FCONV out channels
  int64_t fconv_in_channels;  ///< FCONV input channels
  int64_t fconv_max_kernel;   ///< FCONV kernel extent
  int64_t gconv_max_kernel;   ///< GCONV kernel extent
  int64_t dwconv_max_kernel;  ///< DWCONV (and non-global AvgPool) kernel extent
  /// GCONV strides allowed, as (sH, sW).
  std::vector<std::pair<int64_t, int64_t>> gconv_strides;
  int64_t fc_min_inputs_w8;    ///< FC input features, 8-bit weights
  int64_t fc_min_inputs_low;   ///< FC input features, 2/4-bit weights
  int64_t maxpool_max_kernel;  ///< MaxPool: at least one kernel dim <= this
  int64_t gap_min_area;        ///< global average pool needs H*W > this
};
/// The §6 numbers. Kernel limits apply to the kernel extent max(kH, kW).
const NpuLayerRules& NpuRules();

/// NPU layer types (NNC names in comments).
enum class NpuLayerKind {
  kFirstConv,       ///< FCONV
  kGeneralConv,     ///< GCONV
  kDepthwiseConv,   ///< DWCONV
  kPointwiseConv,   ///< PWCONV
  kTransposedConv,  ///< TCONV (no documented constraints: never on NPU here)
  kFullyConnected,  ///< FC
  kMaxPool,         ///< MAXPOOL
  kAvgPool,         ///< AVGPOOL, non-global (mapped onto DWCONV)
  kGlobalAvgPool,   ///< AVGPOOL, global
  kOther,           ///< not an NPU layer
};
/// "FCONV", "GCONV", "DWCONV", "PWCONV", "TCONV", "FC", "MAXPOOL", "AVGPOOL",
/// "GAP", "OTHER".
const char* NpuLayerKindName(NpuLayerKind kind);

/// How one layer maps onto the NPU.
struct LayerFit {
  NpuLayerKind kind = NpuLayerKind::kOther;
  bool on_npu = false;
  /// Every failed constraint, "; "-separated, each with the actual value,
  /// e.g. "in channels 1 (got 2)". Empty when on_npu.
  std::string failed_constraint;
};

/// Whether `n` is a layer CheckNpuLayer classifies: Conv, ConvTranspose,
/// Gemm, MatMul, MaxPool, AveragePool, GlobalAveragePool, or a ReduceSum over
/// exactly the spatial axes (TINPU's global average pooling, §4.11).
bool IsNpuLayerCandidate(const Node& n);

/// Classifies a float-, QDQ- or integer-form node and checks NNC's §6
/// constraints. Shapes come from the values' static types (weights may be
/// initializers or DequantizeLinear outputs). `is_first` says whether `n` is
/// the model's first Conv: a first conv whose input channels are not a
/// multiple of 4 can only be FCONV. Needs `bits.weight` for FC.
LayerFit CheckNpuLayer(const Node& n, bool is_first, const BitWidths& bits);

}  // namespace quantc::tinpu

#endif  // QUANTC_BACKENDS_TINPU_TARGET_H_
