// Model statistics for `quantc inspect`: op histogram, parameter count,
// weight bytes, MACs per layer and peak activation memory.
#ifndef QUANTC_IR_STATS_H_
#define QUANTC_IR_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace quantc {

struct LayerMacs {
  const Node* node;
  int64_t macs;  ///< -1 when a shape needed for the count is unknown
};

struct GraphStats {
  std::map<std::string, int64_t> op_histogram;  ///< op type -> count
  int64_t parameters = 0;                       ///< initializer elements
  int64_t weight_bytes = 0;                     ///< initializer bytes
  std::vector<LayerMacs> layers;                ///< compute layers, in order
  int64_t total_macs = 0;                       ///< sum of known layer MACs
  /// Peak of live activation bytes (graph inputs and node outputs, freed
  /// after their last use), walking nodes in order.
  int64_t peak_activation_bytes = 0;
  /// Values whose size is unknown (dynamic shapes); counted as 0 above.
  int64_t unknown_size_values = 0;
};

GraphStats ComputeStats(const Graph& g);

}  // namespace quantc

#endif  // QUANTC_IR_STATS_H_
