// NPU eligibility report (see eligibility.h). The constraints themselves live
// in the target table (target.cc, npu_layer.cc); this file only walks the
// graph and formats the verdicts.
#include "backends/tinpu/eligibility.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "util/json.h"

namespace quantc::tinpu {
namespace {

int64_t CountOnNpu(const std::vector<LayerReport>& layers) {
  return std::count_if(layers.begin(), layers.end(), [](const LayerReport& r) { return r.on_npu; });
}

}  // namespace

std::vector<LayerReport> NpuEligibility(const Graph& g, const BitWidths& bits) {
  std::vector<LayerReport> out;
  bool seen_conv = false;
  for (const Node* n : g.nodes()) {
    if (!IsNpuLayerCandidate(*n)) continue;
    const bool is_first = n->op_type() == "Conv" && !seen_conv;
    if (n->op_type() == "Conv") seen_conv = true;
    LayerFit fit = CheckNpuLayer(*n, is_first, bits);
    // Exporters often leave nodes unnamed; the output name still finds them.
    std::string name = n->name().empty() && n->num_outputs() > 0 && n->output(0) != nullptr
                           ? n->output(0)->name()
                           : n->name();
    out.push_back({std::move(name), n->op_type(), fit.kind, fit.on_npu, fit.failed_constraint});
  }
  return out;
}

std::string EligibilityToJson(const std::vector<LayerReport>& layers, const BitWidths& bits) {
  std::vector<std::string> rows;
  for (const LayerReport& r : layers) {
    rows.push_back(absl::StrCat("{\"node\":", JsonString(r.node), ",\"op\":", JsonString(r.op),
                                ",\"kind\":", JsonString(NpuLayerKindName(r.kind)),
                                ",\"on_npu\":", r.on_npu ? "true" : "false",
                                ",\"failed_constraint\":", JsonString(r.failed_constraint), "}"));
  }
  return absl::StrCat("{\"weight_bits\":", bits.weight, ",\"activation_bits\":", bits.activation,
                      ",\"layers_on_npu\":", CountOnNpu(layers), ",\"layers\":[",
                      absl::StrJoin(rows, ","), "]}");
}

std::string EligibilityToText(const std::vector<LayerReport>& layers, const BitWidths& bits) {
  size_t name_w = 4, op_w = 2;
  for (const LayerReport& r : layers) {
    name_w = std::max(name_w, r.node.size());
    op_w = std::max(op_w, r.op.size());
  }
  std::string out =
      absl::StrFormat("TINPU NPU eligibility (w%d/a%d): %d of %d layers on the NPU\n", bits.weight,
                      bits.activation, CountOnNpu(layers), layers.size());
  for (const LayerReport& r : layers) {
    std::string line = absl::StrFormat("  %-*s  %-*s  %-7s  %s", name_w, r.node, op_w, r.op,
                                       NpuLayerKindName(r.kind), r.on_npu ? "NPU" : "CPU");
    if (!r.on_npu) absl::StrAppend(&line, "  ", r.failed_constraint);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace quantc::tinpu
