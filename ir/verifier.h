// Structural invariants of a Graph. Runs after import and, in tests or with
// --verify-each, after every pass.
#ifndef QUANTC_IR_VERIFIER_H_
#define QUANTC_IR_VERIFIER_H_

#include "absl/status/status.h"
#include "ir/graph.h"

namespace quantc {

/// Checks: every node input is defined earlier (topological order, hence
/// acyclic); use lists match inputs exactly; value and node names unique;
/// omitted (unnamed) outputs unused; graph inputs/outputs typed and defined;
/// initializer types match their data; quantization parameters consistent
/// with their value's shape. Returns InvalidArgument naming the first
/// offending node or value.
absl::Status VerifyGraph(const Graph& g);

}  // namespace quantc

#endif  // QUANTC_IR_VERIFIER_H_
