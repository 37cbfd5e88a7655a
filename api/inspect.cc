#include "api/inspect.h"

#include "api/quantize_imported.h"

#include "absl/strings/str_cat.h"
#include "backends/tinpu/eligibility.h"
#include "fmt/format.h"
#include "ir/printer.h"
#include "ir/stats.h"
#include "passes/import/import_quantization.h"
#include "report/model_summary.h"
#include "util/status_macros.h"

namespace quantc::api {
namespace {

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

}  // namespace

const cli::CommandSpec& InspectSpec() {
  static const cli::CommandSpec* spec = new cli::CommandSpec{
      "inspect",
      "print a model's IR and a summary (ops, parameters, MACs, memory)",
      "quantc inspect MODEL.onnx [--format=text|json] [--target=tinpu]",
      "Prints MODEL's graph in quantc's textual IR followed by a summary: op histogram, "
      "parameter count, weight bytes, multiply-accumulates (MACs) per compute layer and in "
      "total, and peak activation bytes (tensors live from their producer to their last "
      "consumer, nodes run in order).\n\nA model that is already quantized "
      "(QuantizeLinear/DequantizeLinear, QLinearConv, MatMulInteger, ...) also gets its "
      "quantization per tensor (type, integer range, symmetric/asymmetric/unsigned, per-tensor "
      "or per-channel, scales, zero points) and, with --target=tinpu, what TINPU cannot realize "
      "exactly and why (each repair quantize would make, tensors lacking a range, float ops).",
      {cli::Value("format", "text|json", "text",
                  "text: the IR and the summary; json: the summary as one JSON object (no IR)"),
       cli::Value("target", "generic|tinpu", "generic",
                  "tinpu: also list, per layer, whether it fits TI's NPU layer constraints or "
                  "falls back to the CPU (and why)"),
       cli::Bool("help", "print this help and exit", "h")},
      ""};
  return *spec;
}

absl::StatusOr<std::string> Inspect(const ModelInput& model, const cli::Args& args) {
  const std::string format = args.Get("format", "text");
  const std::string target = args.Get("target", "generic");
  if (target != "tinpu" && target != "generic") {
    return cli::AsUsageError(absl::InvalidArgumentError("--target must be generic or tinpu"));
  }
  if (format != "text" && format != "json") {
    return cli::AsUsageError(absl::InvalidArgumentError("--format must be text or json"));
  }
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> graph, LoadModel(model));
  GraphStats stats = ComputeStats(*graph);
  tinpu::BitWidths bits;
  // A model quantized elsewhere: its quantization, and for TINPU what
  // cannot be realized exactly (and the weight width its integers need).
  std::string imported;
  if (IsQuantizedModel(*graph)) {
    auto r = InspectImported(*graph, target == "tinpu", format == "json", &bits);
    if (!r.ok()) return InModel(model, r.status());
    imported = *std::move(r);
  }
  std::vector<tinpu::LayerReport> npu;
  if (target == "tinpu") npu = tinpu::NpuEligibility(*graph, bits);
  if (format == "json") {
    std::string extra = imported.empty() ? "" : absl::StrCat(",\"imported\":", imported);
    if (target == "tinpu") absl::StrAppend(&extra, ",\"npu\":", tinpu::EligibilityToJson(npu, bits));
    return report::SummaryJson(report::Summarize(*graph, model.name()), extra) + "\n";
  }
  std::string out = PrintGraph(*graph) + SummaryText(stats);
  if (!imported.empty()) absl::StrAppend(&out, "\n", imported);
  if (target == "tinpu") out += "\n" + tinpu::EligibilityToText(npu, bits);
  return out;
}

}  // namespace quantc::api
