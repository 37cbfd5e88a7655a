#include "report/model_summary.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/printer.h"
#include "ir/stats.h"
#include "util/json.h"

namespace quantc::report {
namespace {

std::string ValueList(const std::vector<std::pair<std::string, std::string>>& values) {
  std::vector<std::string> out;
  for (const auto& [name, type] : values) {
    out.push_back(absl::StrCat("{\"name\":", JsonString(name), ",\"type\":", JsonString(type), "}"));
  }
  return absl::StrCat("[", absl::StrJoin(out, ","), "]");
}

}  // namespace

ModelSummary Summarize(const Graph& g, const std::string& model) {
  const GraphStats st = ComputeStats(g);
  ModelSummary s;
  s.model = model;
  s.opset = g.opset();
  s.nodes = g.num_nodes();
  for (const Value* v : g.inputs()) s.inputs.emplace_back(v->name(), PrintType(v->type()));
  for (const Value* v : g.outputs()) s.outputs.emplace_back(v->name(), PrintType(v->type()));
  s.ops = st.op_histogram;
  s.parameters = st.parameters;
  s.weight_bytes = st.weight_bytes;
  for (const LayerMacs& l : st.layers) {
    s.layers.push_back({l.node->name().empty() ? l.node->output(0)->name() : l.node->name(),
                        l.node->op_type(), l.macs});
  }
  s.total_macs = st.total_macs;
  s.peak_activation_bytes = st.peak_activation_bytes;
  s.unknown_size_values = st.unknown_size_values;
  return s;
}

std::string SummaryJson(const ModelSummary& s, const std::string& extra_members) {
  std::vector<std::string> ops, layers;
  for (const auto& [op, count] : s.ops) ops.push_back(absl::StrCat(JsonString(op), ":", count));
  for (const ModelSummary::Layer& l : s.layers) {
    layers.push_back(absl::StrCat("{\"name\":", JsonString(l.name), ",\"op\":", JsonString(l.op),
                                  ",\"macs\":", l.macs < 0 ? "null" : absl::StrCat(l.macs), "}"));
  }
  return absl::StrCat(
      "{\"model\":", JsonString(s.model), ",\"opset\":", s.opset, ",\"nodes\":", s.nodes,
      ",\"inputs\":", ValueList(s.inputs), ",\"outputs\":", ValueList(s.outputs), ",\"ops\":{",
      absl::StrJoin(ops, ","), "},\"parameters\":", s.parameters,
      ",\"weight_bytes\":", s.weight_bytes, ",\"layers\":[", absl::StrJoin(layers, ","),
      "],\"total_macs\":", s.total_macs, ",\"peak_activation_bytes\":", s.peak_activation_bytes,
      ",\"unknown_size_values\":", s.unknown_size_values, extra_members, "}");
}

}  // namespace quantc::report
