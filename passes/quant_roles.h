// How each ONNX op takes part in quantization: the one table that observer
// insertion, QDQ insertion and (later) integer lowering and TINPU
// legalization share, so they never disagree about an op.
#ifndef QUANTC_PASSES_QUANT_ROLES_H_
#define QUANTC_PASSES_QUANT_ROLES_H_

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

}  // namespace quantc

#endif  // QUANTC_PASSES_QUANT_ROLES_H_
