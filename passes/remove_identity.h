#ifndef QUANTC_PASSES_REMOVE_IDENTITY_H_
#define QUANTC_PASSES_REMOVE_IDENTITY_H_

#include "passes/pass.h"

namespace quantc {

/// Bypasses Identity nodes and inference-mode Dropout. See the .cc banner.
class RemoveIdentityPass : public Pass {
 public:
  absl::string_view name() const override { return "remove_identity"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_REMOVE_IDENTITY_H_
