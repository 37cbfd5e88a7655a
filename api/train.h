// `quantc train` / quantc.train(): quantization-aware training.
//
// Training runs in quantc-train (tools/train_main.cc), the one binary that
// links libtorch (about 0.8 s and 160 MB at start-up). `quantc train` checks
// its flags and execs it (tools/cmd_train.cc); the Python module runs it as
// a child process (RunTrainer); so neither `quantc`'s other commands nor
// `import quantc` pay for libtorch. This library, without libtorch, holds
// what the three share: the flag table behind the help, the flags' parsing
// into train::TrainOptions, and the child-process runner.
#ifndef QUANTC_API_TRAIN_H_
#define QUANTC_API_TRAIN_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "api/evaluate.h"
#include "api/session.h"
#include "tools/cli.h"
#include "train/trainer.h"

namespace quantc::api {

const cli::CommandSpec& TrainSpec();

struct TrainFlags {
  std::string model, output, train, labels, val, val_labels;
  /// --report=FILE[,FILE]: each file with its format (a .json and/or .html).
  std::vector<std::pair<std::string, ReportFormat>> reports;
  std::string fake_quant_outputs;  ///< --fake-quant-outputs=FILE.npy
  bool quiet = false;
  Metric metric = Metric::kTop1;  ///< follows --loss
  train::TrainOptions options;
  /// Every flag that changes training, canonically spelled, in order: the
  /// report's settings, and what a checkpoint must have been made with.
  std::vector<std::pair<std::string, std::string>> settings;
  /// `settings` as one line.
  std::string SettingsLine() const;
};

/// Usage errors (cli::AsUsageError) for missing or malformed flags;
/// positional[0] is the model.
absl::StatusOr<TrainFlags> ParseTrainFlags(const cli::Args& a);

/// quantc-train's path: QUANTC_TRAIN if set, else `quantc-train` in `dir`.
std::string TrainerPath(const std::string& dir);

/// What the Python module trains on: files or arrays in memory.
struct TrainInputs {
  ModelInput model;
  ArrayInput train, labels;
  std::optional<ArrayInput> val, val_labels;
};

struct TrainOutput {
  std::string model;        ///< the emitted model's bytes (what -o receives)
  std::string report_json;  ///< the --report=FILE.json document
  std::string summary;      ///< "float X%, fake-quant Y%, emitted Z%"
};

/// Runs `trainer` (quantc-train) as a child process on `in` with the train
/// flags `args` (no -o or positional model: those come from `in`), in a
/// private temporary folder that holds in-memory inputs and the outputs.
/// The report files `args` names are written by the trainer, on success
/// only. The child's per-epoch lines go to `console.err` and as
/// ("epoch", epoch, epochs) to `console.progress`; warnings are in the
/// report. When `stop` returns true (polled about ten times a second) the
/// child is interrupted as by Ctrl-C and Cancelled is returned. Errors are
/// the trainer's message and exit code as a Status, temporary paths
/// replaced by the names of the inputs.
absl::StatusOr<TrainOutput> RunTrainer(const std::string& trainer, const TrainInputs& in,
                                       const cli::Args& args, const Console& console,
                                       const std::function<bool()>& stop);

}  // namespace quantc::api

#endif  // QUANTC_API_TRAIN_H_
