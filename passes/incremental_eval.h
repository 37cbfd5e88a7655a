// Evaluation of a sequence of closely related graphs over calibration data,
// computing each intermediate value once: bias correction emits one model
// per corrected layer, each differing from the previous one only in that
// layer's constants, and reads one value of each.
#ifndef QUANTC_PASSES_INCREMENTAL_EVAL_H_
#define QUANTC_PASSES_INCREMENTAL_EVAL_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "ir/graph.h"
#include "quant/calibration_data.h"

namespace quantc {

/// Values are identified by the fingerprint of their whole computation
/// (op, attributes, constants by content, and their inputs' fingerprints),
/// so a value any earlier call computed is reused exactly, whichever graph
/// object it came from. Per sample, the values later calls may read are
/// kept: in memory up to `memory_budget` bytes, then in a temporary file
/// (streamed one sample at a time). Results are bit-identical to running
/// each graph from its inputs.
class IncrementalEvaluator {
 public:
  IncrementalEvaluator(const CalibrationData& data, int64_t memory_budget);
  ~IncrementalEvaluator();
  IncrementalEvaluator(const IncrementalEvaluator&) = delete;
  IncrementalEvaluator& operator=(const IncrementalEvaluator&) = delete;

  /// Computes `target` of `g` for every sample, in sample order, calling
  /// `each` on it, and keeps what later calls may need. Only nodes whose
  /// result no earlier call kept are evaluated.
  absl::Status ForEachSample(const Graph& g, const Value* target,
                             const std::function<absl::Status(const Tensor&)>& each);

  /// Forgets kept values that no node of `g` still to be computed reads,
  /// except the inputs of `changing` (a node the next graph will compute
  /// differently, e.g. the layer whose bias is about to move). `g` must not
  /// have changed since the ForEachSample calls on it; after Prune, the
  /// next call may pass any graph.
  void Prune(const Graph& g, const Node* changing);

  /// Bytes of kept values in memory and in the temporary file (for tests
  /// and benchmarks).
  int64_t bytes_in_memory() const;
  int64_t bytes_on_disk() const;
  /// Node evaluations so far (one per node and sample; constants once).
  int64_t node_evaluations() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_INCREMENTAL_EVAL_H_
