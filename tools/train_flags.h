// `quantc train` flags: the help text, the flag table and their parsing
// into train::TrainOptions (no libtorch here).
#ifndef QUANTC_TOOLS_TRAIN_FLAGS_H_
#define QUANTC_TOOLS_TRAIN_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/cli.h"
#include "tools/evaluate.h"
#include "train/trainer.h"

namespace quantc {

struct TrainFlags {
  std::string model, output, train, labels, val, val_labels, report;
  std::string fake_quant_outputs;  ///< --fake-quant-outputs=FILE.npy
  bool quiet = false;
  Metric metric = Metric::kTop1;  ///< follows --loss
  train::TrainOptions options;
  /// Every flag that changes training, canonically spelled (checkpoints
  /// refuse to resume under different ones).
  std::string training_flags;
};

const char* TrainHelp();
std::vector<cli::FlagSpec> TrainFlagSpecs();

/// InvalidArgument (a usage error) for missing or malformed flags.
absl::StatusOr<TrainFlags> ParseTrainFlags(const cli::Args& a);

}  // namespace quantc

#endif  // QUANTC_TOOLS_TRAIN_FLAGS_H_
