// Named pipelines: ordered pass lists, all defined in pipelines.cc.
#ifndef QUANTC_PASSES_PIPELINES_H_
#define QUANTC_PASSES_PIPELINES_H_

#include <memory>
#include <vector>

#include "passes/pass.h"

namespace quantc {

/// What `quantc convert` runs by default: cleanups that never change the
/// model's results.
std::vector<std::unique_ptr<Pass>> CanonicalPipeline();

/// CanonicalPipeline wrapped as one fixed-point pass named "canonicalize".
std::unique_ptr<Pass> CanonicalizePass();

}  // namespace quantc

#endif  // QUANTC_PASSES_PIPELINES_H_
