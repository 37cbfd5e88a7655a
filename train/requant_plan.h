// How the QAT simulation computes each quantized tensor, so that it equals
// what the emitted model computes (the fidelity contract of quantc train).
//
// Every observer of the calibrated graph becomes a quantized tensor. For the
// generic target the emitted QDQ model quantizes a float result with
// round-half-even (ONNX QuantizeLinear), which is plain fake quantization.
// For TINPU, lower_to_integer emits offset-scale-shift (OSS) blocks whose
// rounding and multipliers differ from fake quantization (floor after a
// folded +1/2, 8-bit multipliers at 4-bit weights, a 12-bit input BN block,
// per-input rescales in Concat, ...). The plan records, per observer, which
// lowering pattern produced the tensor and with which nodes, and the
// functions below derive the OSS constants with the same tinpu::ComputeOss
// calls and arguments as passes/lower_to_integer*.cc. The simulation then
// evaluates the block exactly (forward) with straight-through gradients.
// tests/train/fidelity checks the result bit for bit against the emitted
// model, so a change in the lowering that is not mirrored here fails there.
#ifndef QUANTC_TRAIN_REQUANT_PLAN_H_
#define QUANTC_TRAIN_REQUANT_PLAN_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "backends/tinpu/oss.h"
#include "backends/tinpu/target.h"
#include "ir/graph.h"

namespace quantc::train {

enum class Target { kGeneric, kTinpu };

/// The lowering pattern that produces a quantized tensor (LowerQuantize's
/// dispatch in passes/lower_to_integer.cc).
enum class RequantKind {
  kFakeQuant,       ///< generic target: round-half-even QuantizeLinear
  kInherit,         ///< value-preserving op: the source's integers, unchanged
  kInput,           ///< graph input: input-quantize OSS (w = 1/s, B = 8)
  kInputBatchNorm,  ///< BN on the graph input folded into the input OSS (B = 12)
  kFloatOp,         ///< output of a --float-ops node: input-quantize OSS
  kWeighted,        ///< Conv/ConvTranspose/Gemm/MatMul (+ fused Relu/Clip)
  kAdd,             ///< Add of two activations (+ fused Relu/Clip)
  kConstantAdd,     ///< activation + constant
  kConcat,          ///< each input rescaled to the output, then concatenated
  kMul,             ///< product of activations (or an activation and a constant)
  kPool,            ///< GlobalAveragePool / AveragePool window sum, then OSS
  kElementwise,     ///< Relu/Clip/MaxPool/... on integers, then a rescale
};

struct ObserverPlan {
  const Node* observer = nullptr;
  /// The observer whose quantization this tensor uses: itself, or for
  /// kInherit the source at the start of the value-preserving chain.
  const Node* root = nullptr;
  RequantKind kind = RequantKind::kFakeQuant;
  /// The node whose arithmetic the OSS requantizes: the Conv/Add under a
  /// fused activation, else the observed value's producer (null for inputs).
  const Node* layer = nullptr;
  const Node* act = nullptr;  ///< the fused Relu/Clip, or null
};

struct RequantPlan {
  std::vector<ObserverPlan> observers;                 ///< in node order
  absl::flat_hash_map<const Node*, size_t> by_observer;  ///< observer -> index
};

/// Classifies every observer of a calibrated graph (insert_observers has
/// run). `float_ops` as given to the quantize pipeline.
RequantPlan BuildRequantPlan(const Graph& g, Target target,
                             const std::vector<std::string>& float_ops);

/// The integer domain of a TINPU activation: real = int * scale, ints in
/// [0, 255] (unsigned, after ReLU-like data) or [-128, 127].
struct IntDomain {
  float scale = 1;
  bool is_unsigned = false;
};

tinpu::ClipRange RangeOf(bool is_unsigned);

/// The OSS constants lower_to_integer emits; each errors exactly where the
/// lowering does (InvalidArgument from tinpu::ComputeOss).
namespace oss {
/// Graph input (format doc §4.14): w = 1/s, 8-bit multiplier, fractional
/// offset. Also the requantization after a --float-ops node.
absl::StatusOr<tinpu::OssParams> Input(const IntDomain& out, int weight_bits);
/// BatchNormalization on the graph input (§4.5), per channel.
absl::StatusOr<tinpu::OssParams> InputBatchNorm(const std::vector<double>& gamma,
                                                 const std::vector<double>& beta,
                                                 const std::vector<double>& mean,
                                                 const std::vector<double>& var, double eps,
                                                 const IntDomain& out, int weight_bits);
/// A per-tensor rescale by w (Add, pools, Concat inputs, Mul, elementwise).
absl::StatusOr<tinpu::OssParams> Rescale(double w, int weight_bits);
/// Conv/Gemm/MatMul per channel: ratio = s_x s_w / s_out, off0 = the integer
/// bias, ro = 1 / (2 ratio); at 2/4-bit weights each channel's multiplier
/// is narrowed until |acc + offset| * mult stays below 2^24, from the
/// channel's sum |w_int| (`abs_sums`) and the input's integer range.
absl::StatusOr<tinpu::OssParams> Weighted(const std::vector<double>& ratio,
                                          const std::vector<double>& off0,
                                          const std::vector<double>& abs_sums, bool x_unsigned,
                                          int weight_bits);
}  // namespace oss

/// The clip of a requantization into `out`, narrowed by a fused Relu or
/// Clip (its bounds in integer units, rounded half to even).
tinpu::ClipRange FusedClip(const Node* act, const IntDomain& out);

/// lower_to_integer's offset-field repair: per channel, the power of two by
/// which the weight scale is coarsened so that the bias (`real_bias[c]`, in
/// real units) fits half the offset field; 1 where it fits already.
std::vector<double> BiasFitFactors(const std::vector<double>& real_bias, double input_scale,
                                   const std::vector<double>& weight_scales, int weight_bits);

}  // namespace quantc::train

#endif  // QUANTC_TRAIN_REQUANT_PLAN_H_
