// What lower_to_integer makes of each QuantizeLinear of a TINPU QDQ model,
// and the requantizations that needs (as questions for the legality model,
// backends/tinpu/legality.h): the one dispatch legalize_tinpu and
// lower_to_integer share, so the repairer checks exactly what the lowerer
// will emit.
#ifndef QUANTC_PASSES_TINPU_REQUANT_H_
#define QUANTC_PASSES_TINPU_REQUANT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/tinpu/legality.h"
#include "ir/graph.h"

namespace quantc {

/// How a quantized tensor is computed in TINPU integers.
enum class TinpuPattern {
  kInput,           ///< a graph input (input block, or the application quantizes)
  kInputBatchNorm,  ///< BatchNormalization on the float input, folded into the input block
  kFloatOp,         ///< the real-valued output of a float op, quantized again
  kWeighted,        ///< Conv/ConvTranspose/Gemm/MatMul (maybe with a fused Relu/Clip)
  kAdd,             ///< sum of two activations (maybe with a fused Relu/Clip)
  kConstantAdd,     ///< activation + constant (a Linear's bias on a 3-D tensor)
  kMul,             ///< product of two activations, or of an activation and a constant
  kPool,            ///< GlobalAveragePool / AveragePool
  kConcat,          ///< inputs requantized to the output scale, then concatenated
  kElementwise,     ///< value-moving or standalone activation ops on integers
  kUnsupported,     ///< no integer form
};

struct TinpuMatch {
  TinpuPattern pattern;
  Node* q;           ///< the QuantizeLinear
  Node* op;          ///< computes the quantized value; nullptr for kInput
  Node* activation;  ///< a Relu/Clip fused into `op`, or nullptr
  std::string why;   ///< for kUnsupported: the rule `op` breaks, if known
};

/// Classifies QuantizeLinear `q`. Pure.
TinpuMatch MatchTinpu(const Graph& g, Node* q);

/// The pattern that computes `op`'s output in TINPU integers, judged by its
/// op alone (kAdd also stands for kConstantAdd): kUnsupported for ops
/// lower_to_integer has no integer form for, which run as float ops.
TinpuPattern OpPattern(const Node& op);

/// The requantizations into `m.q`'s output scale, read from the graph's
/// current (QDQ) scales: one per Concat input, none for an input the
/// application quantizes, one otherwise. FailedPrecondition or
/// Unimplemented naming the node when an operand is not what lowering needs.
absl::StatusOr<std::vector<tinpu::Requant>> RequantsOf(const TinpuMatch& m,
                                                       const tinpu::Legality& model,
                                                       bool input_prequantized);

/// A weighted layer's accumulator: per output channel its scale
/// s_x * s_w[c] and its integer bias round(b[c] / (s_x * s_w[c])) (0
/// without a bias), from the input's and the weight's current scales.
struct Accumulator {
  double input_scale = 0;
  bool input_unsigned = false;
  std::vector<double> scale;
  std::vector<double> int_bias;
};
absl::StatusOr<Accumulator> AccumulatorOf(const Node& layer, const tinpu::Legality& model);

/// `domain` (the output's integer range) narrowed by a Relu or Clip fused
/// into the requantization to `scale`: Relu clips at 0, Clip at its bounds
/// in integer units (q(clip(y)) = clamp(rne(y/s), rne(min/s), rne(max/s)):
/// rne is monotone). Null `act` leaves `domain`.
tinpu::ClipRange FusedActivationClip(const Node* act, double scale, tinpu::ClipRange domain);

/// The window area a pool divides by (kernel product; static spatial size
/// for GlobalAveragePool), or 0 when unknown.
double PoolArea(const Node& pool);

}  // namespace quantc

#endif  // QUANTC_PASSES_TINPU_REQUANT_H_
