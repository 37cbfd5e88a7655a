#ifndef QUANTC_PASSES_CHECK_TINPU_OPS_H_
#define QUANTC_PASSES_CHECK_TINPU_OPS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "passes/lower_to_integer.h"
#include "passes/pass.h"

namespace quantc {

struct CheckTinpuOpsOptions {
  /// The user's float ops (--float-ops).
  std::vector<std::string> float_ops;
  /// The passes from here to observers, keeping `float_ops` in float (BN
  /// folding, float-op marks, observer insertion: no data).
  std::function<std::vector<std::unique_ptr<Pass>>(const std::vector<std::string>& float_ops)>
      prepare;
  /// The TINPU back half (Q/DQ, legalization, lowering), reporting every
  /// node it cannot lower into `problems`.
  std::function<std::vector<std::unique_ptr<Pass>>(std::vector<LoweringProblem>* problems)> lower;
};

/// Fails fast, before calibration, when the model cannot become a TINPU
/// model: one Unimplemented error listing every such node and the
/// --float-ops value that fixes them (verified). Changes nothing. See the
/// .cc banner.
class CheckTinpuOpsPass : public Pass {
 public:
  explicit CheckTinpuOpsPass(CheckTinpuOpsOptions options) : options_(std::move(options)) {}
  absl::string_view name() const override { return "check_tinpu_ops"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  CheckTinpuOpsOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_CHECK_TINPU_OPS_H_
