#include "passes/registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "passes/conv1d_to_conv2d.h"
#include "passes/fold_batch_norm.h"
#include "passes/fold_constants.h"
#include "passes/infer_shapes.h"
#include "passes/insert_observers.h"
#include "passes/insert_qdq.h"
#include "passes/grow_float_regions.h"
#include "passes/pipelines.h"
#include "passes/reduce_to_global_pool.h"
#include "passes/remove_dead_nodes.h"
#include "passes/remove_identity.h"
#include "passes/split_to_slices.h"
#include "passes/squeeze_to_reshape.h"

namespace quantc {
namespace {

template <typename P>
std::unique_ptr<Pass> Make() {
  return std::make_unique<P>();
}

// Explicit, greppable table; no static self-registration (see
// shared/docs/engineering-style.md, convention 5).
const PassInfo kPasses[] = {
    {"remove_identity", "bypass Identity and inference-mode Dropout", &Make<RemoveIdentityPass>},
    {"fold_constants", "evaluate initializer-only nodes and static Shape at compile time",
     &Make<FoldConstantsPass>},
    {"fold_batch_norm", "fold inference-mode BatchNormalization into a preceding Conv or Gemm",
     &Make<FoldBatchNormPass>},
    {"remove_dead_nodes", "delete nodes and initializers no output depends on",
     &Make<RemoveDeadNodesPass>},
    {"conv1d_to_conv2d", "rewrite 1-D conv regions as (k, 1) Conv2d on (N, C, L, 1)",
     &Make<Conv1dToConv2dPass>},
    {"insert_observers", "observe every float activation the quantized model carries as integers",
     &Make<InsertObserversPass>},
    {"insert_qdq", "replace calibrated observers by Q/DQ pairs; quantize weights and biases",
     &Make<InsertQdqPass>},
    {"infer_shapes", "refresh unknown value types with ONNX shape inference",
     &Make<InferShapesPass>},
    {"reduce_to_global_pool", "ReduceMean/ReduceSum over the spatial axes -> GlobalAveragePool",
     &Make<ReduceToGlobalPoolPass>},
    {"split_to_slices", "Split with static sizes -> one Slice per output",
     &Make<SplitToSlicesPass>},
    {"squeeze_to_reshape", "Squeeze/Unsqueeze with a static output -> Reshape",
     &Make<SqueezeToReshapePass>},
    {"grow_float_regions", "float Sigmoid/HardSigmoid gates take the Muls they feed",
     &Make<GrowFloatRegionsPass>},
    {"canonicalize", "the canonical cleanup pipeline, repeated to a fixed point",
     &CanonicalizePass},
    {"tinpu_lower", "calibrated observers -> TINPU integers (insert_qdq, legalize, lower)",
     &TinpuLowerPass},
    {"imported_generic",
     "a model quantized elsewhere -> quantc's QDQ conventions (no calibration data)",
     &ImportedGenericPass},
    {"imported_tinpu", "a model quantized elsewhere -> TINPU integers (no calibration data)",
     &ImportedTinpuPass},
};

}  // namespace

absl::Span<const PassInfo> RegisteredPasses() { return kPasses; }

absl::StatusOr<std::unique_ptr<Pass>> CreatePass(absl::string_view name) {
  for (const PassInfo& p : kPasses) {
    if (name == p.name) return p.create();
  }
  std::vector<std::string> names;
  for (const PassInfo& p : kPasses) names.push_back(p.name);
  return absl::InvalidArgumentError(absl::StrCat("unknown pass '", name, "' (known: ",
                                                 absl::StrJoin(names, ", "), ")"));
}

absl::StatusOr<std::vector<std::unique_ptr<Pass>>> CreatePasses(absl::string_view list) {
  std::vector<std::unique_ptr<Pass>> passes;
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    auto p = CreatePass(absl::StripAsciiWhitespace(name));
    if (!p.ok()) return p.status();
    passes.push_back(*std::move(p));
  }
  if (passes.empty()) return absl::InvalidArgumentError("empty pass list");
  return passes;
}

}  // namespace quantc
