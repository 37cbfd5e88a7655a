#ifndef QUANTC_PASSES_MARK_FLOAT_OPS_H_
#define QUANTC_PASSES_MARK_FLOAT_OPS_H_

#include <string>
#include <vector>

#include "passes/pass.h"

namespace quantc {

struct MarkFloatOpsOptions {
  /// Node names or op types to keep in float (the CLI's --float-ops).
  std::vector<std::string> float_ops;
};

/// Sets Node::float_op() on every node the user keeps in float, so later
/// passes and backends read the mark instead of matching names.
class MarkFloatOpsPass : public Pass {
 public:
  explicit MarkFloatOpsPass(MarkFloatOpsOptions options = {}) : options_(std::move(options)) {}
  absl::string_view name() const override { return "mark_float_ops"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  MarkFloatOpsOptions options_;
};

/// Whether `n`'s name or op type is listed in `float_ops`.
bool MatchesFloatOps(const Node& n, const std::vector<std::string>& float_ops);

}  // namespace quantc

#endif  // QUANTC_PASSES_MARK_FLOAT_OPS_H_
