// `quantc run` / quantc.run(): a model evaluated by quantc's reference
// interpreter, or with --integer its integer program (what `quantc compile`
// emits as C), on arrays.
//
// An array shaped exactly like the model input is one sample. An array with
// an extra leading dim N, or with N in place of a fixed batch dim of 1, is N
// samples: the model runs once per sample (one interpreter, one thread, so
// results are deterministic) and each output is stacked along a new leading
// dim, or concatenated along its batch dim when that is 1 — the shape a
// batch-N model would produce.
#ifndef QUANTC_API_RUN_H_
#define QUANTC_API_RUN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/session.h"
#include "ir/tensor.h"
#include "tools/cli.h"

namespace quantc::api {

const cli::CommandSpec& RunSpec();

/// One input array: the graph input it feeds ("" when the model has one
/// input and the caller did not name it) and what messages call it.
struct NamedArray {
  std::string input;
  Tensor array;
  std::string source;  ///< "x.npy", "inputs['x']"
};

/// --input's DATA ("FILE.npy" or "NAME=FILE.npy[,NAME2=FILE2.npy]") read
/// into arrays; names are checked by Run.
absl::StatusOr<std::vector<NamedArray>> ReadInputFiles(const std::string& spec);

struct NamedTensor {
  std::string name;
  Tensor value;
};

/// Runs `model` on `inputs` (every graph input once, by name or the single
/// unnamed one) and returns every graph output in order. `what` names the
/// inputs in messages ("--input", "inputs"). With --integer (`args`), the
/// integer program runs instead on the one input, float32 or int8, and the
/// result is the int8 output codes.
absl::StatusOr<std::vector<NamedTensor>> Run(const ModelInput& model,
                                             std::vector<NamedArray> inputs,
                                             const cli::Args& args, const std::string& what);

/// The integer program half of Run (api/run_integer.cc).
absl::StatusOr<std::vector<NamedTensor>> RunInteger(const ModelInput& model, NamedArray input);

/// Per-sample outputs stacked as described above.
absl::StatusOr<Tensor> Stack(const std::vector<Tensor>& parts, const std::string& name);

/// "[1,2,3]".
std::string DimsStr(const std::vector<int64_t>& d);

}  // namespace quantc::api

#endif  // QUANTC_API_RUN_H_
