// The one table of passes the CLI and embedders can name.
#ifndef QUANTC_PASSES_REGISTRY_H_
#define QUANTC_PASSES_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "passes/pass.h"

namespace quantc {

struct PassInfo {
  const char* name;
  const char* summary;
  std::unique_ptr<Pass> (*create)();
};

/// Every registered pass, in table order.
absl::Span<const PassInfo> RegisteredPasses();

/// Creates a pass by name; InvalidArgument listing the known names if not.
absl::StatusOr<std::unique_ptr<Pass>> CreatePass(absl::string_view name);

/// Creates passes from a comma-separated list ("a,b,c").
absl::StatusOr<std::vector<std::unique_ptr<Pass>>> CreatePasses(absl::string_view list);

}  // namespace quantc

#endif  // QUANTC_PASSES_REGISTRY_H_
