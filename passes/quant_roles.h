// How each ONNX op takes part in quantization, and the QDQ pattern queries
// built on it: the one place observer insertion, QDQ insertion, bias
// correction, TINPU legalization and integer lowering (and the report) ask
// "what is this op", "what does this DequantizeLinear carry" and "which
// layer does this activation fuse into", so they never disagree.
#ifndef QUANTC_PASSES_QUANT_ROLES_H_
#define QUANTC_PASSES_QUANT_ROLES_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "ir/graph.h"

namespace quantc {

enum class QuantRole {
  /// Has a weight (and maybe a bias) initializer: Conv, ConvTranspose,
  /// Gemm, MatMul. Its output gets its own range unless an activation fuses.
  kWeighted,
  /// Relu/Clip: fused into a kWeighted or Add producer's output range.
  kActivation,
  /// Output values are a subset of input 0's values (MaxPool, Reshape,
  /// Transpose, ...): the output keeps input 0's quantization exactly.
  kValuePreserving,
  /// Any other float op: its output gets its own range (Add, Concat,
  /// AveragePool, Softmax, Sigmoid, BatchNormalization, ...).
  kOwnRange,
};

QuantRole RoleOf(const Node& n);

/// Weight and bias input indices of a kWeighted node (-1 when none).
struct WeightInputs {
  int weight = -1;
  int bias = -1;
};
WeightInputs WeightInputsOf(const Node& n);

/// The output-channel axis of the weight of a kWeighted node, used for
/// per-channel scales: Conv 0; ConvTranspose 1; Gemm 0 if transB else 1;
/// MatMul the last axis. -1 when per-channel is not meaningful (grouped
/// ConvTranspose, whose axis 1 holds only C_out / group channels).
int64_t WeightChannelAxis(const Node& n, int64_t weight_rank);

/// Whether `n`'s output may share its producer's quantization because it is
/// a fusable activation of it (Conv/Gemm/MatMul/ConvTranspose/Add -> Relu or
/// Clip, the producer's output used only by this activation).
bool FusesIntoProducer(const Graph& g, const Node& activation);

// --- QDQ pattern queries -------------------------------------------------

/// The DequantizeLinear producing `v`, or nullptr (also for null `v`).
Node* DequantizeOf(const Value* v);

/// The quantization of the tensor behind a DequantizeLinear output `v` (its
/// input's QuantParams), or nullptr when `v` is not such an output.
const QuantParams* DequantizedParams(const Value* v);

/// The quantized initializer behind a DequantizeLinear output `v` (a
/// weight or bias carrying QuantParams), or nullptr.
Value* DequantizedConstant(const Value* v);

/// The output of the first DequantizeLinear reading QuantizeLinear `q`'s
/// output, or nullptr.
Value* DequantizedOutput(const Node& q);

/// What computes a value: `op` (never null), and `activation` when `op`'s
/// output only feeds a Relu/Clip fused into it (FusesIntoProducer), whose
/// output is the value. Skips back past that activation.
struct Computation {
  Node* op;
  Node* activation;
};
Computation ComputationOf(const Graph& g, Node* producer);

/// Per output channel of a kWeighted node: sum |w_int| of its quantized
/// weight (a DequantizeLinear'd integer initializer), the growth of its
/// integer accumulator per unit of input. A weight without that channel
/// axis (grouped ConvTranspose) gives every one of `channels` channels the
/// whole tensor's sum.
/// Empty when the weight is not a quantized constant.
std::vector<double> WeightAbsSums(const Node& layer, int64_t channels);

}  // namespace quantc

#endif  // QUANTC_PASSES_QUANT_ROLES_H_
