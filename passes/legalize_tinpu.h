#ifndef QUANTC_PASSES_LEGALIZE_TINPU_H_
#define QUANTC_PASSES_LEGALIZE_TINPU_H_

#include <string>
#include <vector>

#include "passes/pass.h"

namespace quantc {

struct LegalizeTinpuOptions {
  int weight_bits = 8;
  /// Receives one line per repair or warning ("node ...: old -> new: why");
  /// the driver prints it (passes never print). May be null.
  std::vector<std::string>* log = nullptr;
};

/// Makes a power-of-two QDQ model representable in TINPU integers by
/// adjusting scales, instead of rejecting it. See the .cc banner.
class LegalizeTinpuPass : public Pass {
 public:
  explicit LegalizeTinpuPass(LegalizeTinpuOptions options = {}) : options_(options) {}
  absl::string_view name() const override { return "legalize_tinpu"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  LegalizeTinpuOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_LEGALIZE_TINPU_H_
