#ifndef QUANTC_PASSES_INSERT_OBSERVERS_H_
#define QUANTC_PASSES_INSERT_OBSERVERS_H_

#include <memory>

#include "passes/pass.h"

namespace quantc {

/// The op type and domain of observer nodes. An observer is an identity on
/// values; calibration records what flows through it.
inline constexpr char kObserverDomain[] = "quantc";
inline constexpr char kObserverOp[] = "Observe";

/// Puts an observer on every float activation tensor that the quantized
/// model will carry in integer form; nodes marked float_op() stay float.
/// See the .cc banner.
class InsertObserversPass : public Pass {
 public:
  absl::string_view name() const override { return "insert_observers"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

/// Whether `n` is an observer node.
bool IsObserver(const Node& n);

/// A copy of `g` with every observer bypassed and removed: the float model
/// the observers watch, runnable by the interpreter. Node order and value
/// names are kept (a graph output that was an observer's output is simply
/// the observed value), so values match the original's by name.
std::unique_ptr<Graph> CloneWithoutObservers(const Graph& g);

}  // namespace quantc

#endif  // QUANTC_PASSES_INSERT_OBSERVERS_H_
