// `quantc eval MODEL.onnx --data=X.npy --labels=Y.npy` / quantc.eval(): a
// model's top-1 accuracy or mean squared error on labelled data, computed
// with quantc's reference interpreter, for any model quantc can run (float,
// generic QDQ, TINPU).
#ifndef QUANTC_API_EVAL_H_
#define QUANTC_API_EVAL_H_

#include "absl/status/statusor.h"
#include "api/evaluate.h"
#include "api/session.h"
#include "tools/cli.h"

namespace quantc::api {

const cli::CommandSpec& EvalSpec();

/// Evaluates `model` on `data` against `labels` with --metric (`args`).
/// Progress goes to `console.progress` as ("evaluate", done, total).
/// Errors name the model, the data or the labels.
absl::StatusOr<EvalResult> Eval(const ModelInput& model, const ArrayInput& data,
                                const ArrayInput& labels, const cli::Args& args,
                                const Console& console);

}  // namespace quantc::api

#endif  // QUANTC_API_EVAL_H_
