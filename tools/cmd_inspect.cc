// `quantc inspect MODEL.onnx [--format=text|json]`: the textual IR and a
// summary (op histogram, parameters, weight bytes, MACs, peak activations).
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tinpu/eligibility.h"
#include "fmt/format.h"
#include "ir/onnx_import.h"
#include "ir/printer.h"
#include "ir/stats.h"
#include "ir/verifier.h"
#include "passes/import/import_quantization.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/quantize_imported.h"
#include "util/json.h"

namespace quantc {
namespace {

constexpr char kHelp[] = R"(usage: quantc inspect MODEL.onnx [--format=text|json]

Prints MODEL's graph in quantc's textual IR followed by a summary: op
histogram, parameter count, weight bytes, multiply-accumulates (MACs) per
compute layer and in total, and peak activation bytes (tensors live from
their producer to their last consumer, nodes run in order).

  --format=text   IR and summary as text (default)
  --format=json   summary as one JSON object (no IR)
  --target=tinpu  also list, per layer, whether it fits TI's NPU layer
                  constraints or falls back to the CPU (and why)

A model that is already quantized (QuantizeLinear/DequantizeLinear,
QLinearConv, MatMulInteger, ...) also gets its quantization per tensor
(type, integer range, symmetric/asymmetric/unsigned, per-tensor or
per-channel, scales, zero points) and, with --target=tinpu, what TINPU
cannot realize exactly and why (each repair quantize would make, tensors
lacking a range, float ops).
)";

std::string LayerName(const Node* n) { return n->name().empty() ? n->output(0)->name() : n->name(); }

std::string SummaryText(const GraphStats& s) {
  std::string out = "\n# summary\nops:";
  for (const auto& [op, count] : s.op_histogram) absl::StrAppend(&out, " ", op, "=", count);
  absl::StrAppend(&out, "\nparameters: ", s.parameters, "\nweight bytes: ", s.weight_bytes,
                  "\nMACs per layer:\n");
  for (const LayerMacs& l : s.layers) {
    absl::StrAppend(&out, fmt::format("  {:<32} {:<14} {}\n", LayerName(l.node),
                                      l.node->op_type(),
                                      l.macs < 0 ? "unknown" : absl::StrCat(l.macs)));
  }
  absl::StrAppend(&out, "total MACs: ", s.total_macs,
                  "\npeak activation bytes: ", s.peak_activation_bytes, "\n");
  if (s.unknown_size_values > 0) {
    absl::StrAppend(&out, "values of unknown size (not counted): ", s.unknown_size_values, "\n");
  }
  return out;
}

std::string SummaryJson(const Graph& g, const std::string& path, const GraphStats& s) {
  std::vector<std::string> ops, layers, inputs, outputs;
  for (const auto& [op, count] : s.op_histogram) ops.push_back(absl::StrCat(JsonString(op), ":", count));
  for (const LayerMacs& l : s.layers) {
    layers.push_back(absl::StrCat("{\"name\":", JsonString(LayerName(l.node)),
                                  ",\"op\":", JsonString(l.node->op_type()),
                                  ",\"macs\":", l.macs < 0 ? "null" : absl::StrCat(l.macs), "}"));
  }
  for (const Value* v : g.inputs()) {
    inputs.push_back(absl::StrCat("{\"name\":", JsonString(v->name()),
                                  ",\"type\":", JsonString(PrintType(v->type())), "}"));
  }
  for (const Value* v : g.outputs()) {
    outputs.push_back(absl::StrCat("{\"name\":", JsonString(v->name()),
                                   ",\"type\":", JsonString(PrintType(v->type())), "}"));
  }
  return absl::StrCat(
      "{\"model\":", JsonString(path), ",\"opset\":", g.opset(), ",\"nodes\":", g.num_nodes(),
      ",\"inputs\":[", absl::StrJoin(inputs, ","), "],\"outputs\":[", absl::StrJoin(outputs, ","),
      "],\"ops\":{", absl::StrJoin(ops, ","), "},\"parameters\":", s.parameters,
      ",\"weight_bytes\":", s.weight_bytes, ",\"layers\":[", absl::StrJoin(layers, ","),
      "],\"total_macs\":", s.total_macs, ",\"peak_activation_bytes\":", s.peak_activation_bytes,
      ",\"unknown_size_values\":", s.unknown_size_values, "}\n");
}

}  // namespace

int InspectCommand(const std::vector<std::string>& argv) {
  auto args = cli::ParseArgs(argv, {{"format", "", true}, {"target", "", true}, {"help", "h", false}});
  if (!args.ok()) return cli::UsageError("inspect", std::string(args.status().message()));
  if (args->Has("help")) {
    std::fputs(kHelp, stdout);
    return cli::kOk;
  }
  if (args->positional.size() != 1) return cli::UsageError("inspect", "expected one MODEL.onnx");
  std::string format = args->Get("format", "text");
  std::string target = args->Get("target", "");
  if (!target.empty() && target != "tinpu" && target != "generic") {
    return cli::UsageError("inspect", "--target must be generic or tinpu");
  }
  if (format != "text" && format != "json") {
    return cli::UsageError("inspect", "--format must be text or json");
  }
  const std::string& path = args->positional[0];
  auto graph = ImportModelFile(path);
  if (!graph.ok()) return cli::ReportError(graph.status());
  if (absl::Status st = VerifyGraph(**graph); !st.ok()) {
    return cli::ReportError(absl::Status(st.code(), absl::StrCat(path, ": ", st.message())));
  }
  GraphStats stats = ComputeStats(**graph);
  std::string out = format == "json" ? SummaryJson(**graph, path, stats)
                                     : PrintGraph(**graph) + SummaryText(stats);
  tinpu::BitWidths bits;
  if (IsQuantizedModel(**graph)) {
    // A model quantized elsewhere: its quantization, and for TINPU what
    // cannot be realized exactly (and the weight width its integers need).
    auto imported = InspectImported(**graph, target == "tinpu", format == "json", &bits);
    if (!imported.ok()) {
      return cli::ReportError(absl::Status(imported.status().code(),
                                           absl::StrCat(path, ": ", imported.status().message())));
    }
    if (format == "json") {
      out.resize(out.size() - 2);  // "}\n"
      absl::StrAppend(&out, ",\"imported\":", *imported, "}\n");
    } else {
      absl::StrAppend(&out, "\n", *imported);
    }
  }
  if (target == "tinpu") {
    auto layers = tinpu::NpuEligibility(**graph, bits);
    out += format == "json" ? tinpu::EligibilityToJson(layers, bits) + "\n"
                            : "\n" + tinpu::EligibilityToText(layers, bits);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return cli::kOk;
}

}  // namespace quantc
