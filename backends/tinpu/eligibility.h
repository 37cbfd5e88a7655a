// NPU eligibility report: which compute layers of a model NNC can place on
// the TI NPU and, for the rest, which §6 constraint (format doc) they break.
//
// Works on the float model (before quantization, to guide model design), on a
// QDQ model, or on a TINPU integer model: only structure is read (weight
// shapes, groups, kernels, strides, input shapes), never values.
#ifndef QUANTC_BACKENDS_TINPU_ELIGIBILITY_H_
#define QUANTC_BACKENDS_TINPU_ELIGIBILITY_H_

#include <string>
#include <vector>

#include "backends/tinpu/target.h"
#include "ir/graph.h"

namespace quantc::tinpu {

/// One compute layer's verdict.
struct LayerReport {
  std::string node;  ///< node name, or its first output's if unnamed
  std::string op;    ///< ONNX op type
  NpuLayerKind kind;
  bool on_npu;
  std::string failed_constraint;  ///< empty when on_npu
};

/// Every NPU layer candidate (IsNpuLayerCandidate: Conv, ConvTranspose,
/// Gemm/MatMul, MaxPool, AveragePool, GlobalAveragePool, spatial ReduceSum),
/// in graph (topological) order. The first Conv in that order is checked as
/// the model's first conv.
std::vector<LayerReport> NpuEligibility(const Graph& g, const BitWidths& bits);

/// {"weight_bits":8,"activation_bits":8,"layers_on_npu":2,"layers":[{"node":
/// "conv1","op":"Conv","kind":"FCONV","on_npu":true,"failed_constraint":""},
/// ...]}: one line, keys in this order, deterministic.
std::string EligibilityToJson(const std::vector<LayerReport>& layers, const BitWidths& bits);

/// A human-readable table, one line per layer, plus a summary line.
std::string EligibilityToText(const std::vector<LayerReport>& layers, const BitWidths& bits);

}  // namespace quantc::tinpu

#endif  // QUANTC_BACKENDS_TINPU_ELIGIBILITY_H_
