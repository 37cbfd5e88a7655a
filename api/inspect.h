// `quantc inspect` / quantc.inspect(): a model's IR and summary (op
// histogram, parameters, weight bytes, MACs per layer, peak activations)
// and, for --target=tinpu, where each layer runs.
#ifndef QUANTC_API_INSPECT_H_
#define QUANTC_API_INSPECT_H_

#include <string>

#include "absl/status/statusor.h"
#include "api/session.h"
#include "tools/cli.h"

namespace quantc::api {

const cli::CommandSpec& InspectSpec();

/// What `quantc inspect` prints: the IR and a text summary, or with
/// --format=json one JSON object (with "npu" for --target=tinpu).
absl::StatusOr<std::string> Inspect(const ModelInput& model, const cli::Args& args);

}  // namespace quantc::api

#endif  // QUANTC_API_INSPECT_H_
