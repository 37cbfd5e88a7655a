// A model's vital statistics, as `quantc inspect --format=json` prints them
// and as the quantize report shows them for the float and the quantized
// model side by side.
#ifndef QUANTC_REPORT_MODEL_SUMMARY_H_
#define QUANTC_REPORT_MODEL_SUMMARY_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace quantc::report {

struct ModelSummary {
  std::string model;  ///< path or display name
  int64_t opset = 0;
  int64_t nodes = 0;
  std::vector<std::pair<std::string, std::string>> inputs, outputs;  ///< name, type
  std::map<std::string, int64_t> ops;                                ///< op type -> count
  int64_t parameters = 0, weight_bytes = 0;
  struct Layer {
    std::string name, op;
    int64_t macs;  ///< -1: unknown
  };
  std::vector<Layer> layers;
  int64_t total_macs = 0, peak_activation_bytes = 0, unknown_size_values = 0;
};

ModelSummary Summarize(const Graph& g, const std::string& model);

/// One JSON object (no trailing newline); `extra_members` (",\"k\":v...")
/// is appended inside it.
std::string SummaryJson(const ModelSummary& s, const std::string& extra_members = "");

}  // namespace quantc::report

#endif  // QUANTC_REPORT_MODEL_SUMMARY_H_
