#include "tools/quantize_report.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tinpu/eligibility.h"
#include "fmt/format.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "quant/report.h"
#include "quant/sqnr.h"
#include "quant/x86_saturation.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

}  // namespace

std::string DiagnosticsJson(const std::vector<Diagnostic>& ds) {
  std::vector<std::string> rows;
  for (const Diagnostic& d : ds) {
    std::string cost = d.cost_db ? fmt::format("{:.3f}", *d.cost_db) : "null";
    rows.push_back(absl::StrCat(
        "{\"severity\":", d.severity == Diagnostic::Severity::kWarning ? "\"warning\"" : "\"note\"",
        ",\"subject\":", JsonString(d.subject), ",\"message\":", JsonString(d.message),
        ",\"cost_db\":", cost, "}"));
  }
  return absl::StrCat("[", absl::StrJoin(rows, ",\n  "), "]");
}

void StampProvenance(Graph& g, const std::vector<std::pair<std::string, std::string>>& stamp) {
  ModelInfo& info = g.info();
  info.producer_name = "quantc";
  info.producer_version = "0.1";
  for (const auto& kv : stamp) {
    auto it = std::find_if(info.metadata.begin(), info.metadata.end(),
                           [&](const auto& m) { return m.first == kv.first; });
    if (it != info.metadata.end()) {
      it->second = kv.second;
    } else {
      info.metadata.push_back(kv);
    }
  }
}

namespace {

// The integer model's outputs against float: output k is the last layer's
// integers (times its scale from the legalized QDQ model) or, with
// --output-float or from a float op, real already.
absl::Status MeasureEmittedOutputs(const QuantizeReportInputs& in, QuantReport& r) {
  std::vector<double> scales;
  for (const Value* v : in.qdq->outputs()) {
    const QuantParams* p = DequantizedParams(v);
    scales.push_back(in.output_int && p && p->scale.size() == 1 ? p->scale[0] : 1.0);
  }
  std::unique_ptr<Graph> float_model = CloneWithoutObservers(*in.calibrated);
  QC_ASSIGN_OR_RETURN(auto reference, RunOnData(*float_model, *in.data));
  QC_ASSIGN_OR_RETURN(auto acc, CompareOutputs(reference, *in.emitted, *in.data, scales));
  r.outputs.clear();
  for (size_t k = 0; k < acc.size(); ++k) {
    r.outputs.push_back({in.emitted->outputs()[k]->name(), acc[k].Db(), acc[k].max_abs_error()});
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Diagnostic> X86SaturationNotes(const Graph& qdq) {
  std::vector<std::string> layers;
  for (const SaturationRisk& r : FindX86SaturationRisks(qdq)) {
    layers.push_back(absl::StrCat("'", r.node->name().empty() ? r.node->output(0)->name()
                                                              : r.node->name(),
                                  "' (", r.risky_pairs, " pairs, max ", r.max_pair_sum, ")"));
  }
  if (layers.empty()) return {};
  return {{Diagnostic::Severity::kNote, "x86 ONNX Runtime",
           absl::StrCat("int8 weight pairs summing above 128 can saturate ONNX Runtime's fused "
                        "kernels on x86 CPUs without VNNI in ", layers.size(), " layer(s): ",
                        absl::StrJoin(layers, ", "), "; exact QDQ arithmetic and MCU kernels are "
                        "unaffected; --reduce-range (7-bit weights) avoids it"),
           std::nullopt}};
}

absl::StatusOr<std::string> QuantizeReport(const QuantizeReportInputs& in, bool verbose) {
  QC_ASSIGN_OR_RETURN(QuantReport report, BuildQuantReport(*in.calibrated, *in.qdq, *in.data));
  std::vector<std::pair<std::string, std::string>> extra = {
      {"target", in.tinpu ? "\"tinpu\"" : "\"generic\""},
      {"diagnostics", DiagnosticsJson(*in.diagnostics)}};
  if (in.tinpu) {
    // Per-tensor SQNR comes from the legalized QDQ model (the integer model
    // matches it up to rounding ties); output SQNR from the integer model.
    QC_RETURN_IF_ERROR(MeasureEmittedOutputs(in, report));
    tinpu::BitWidths bits;
    bits.weight = in.weight_bits;
    auto layers = tinpu::NpuEligibility(*in.emitted, bits);
    if (verbose) std::fputs(tinpu::EligibilityToText(layers, bits).c_str(), stderr);
    extra.push_back({"npu", tinpu::EligibilityToJson(layers, bits)});
  }
  if (verbose) std::fputs(ReportToTable(report).c_str(), stderr);
  return ReportToJson(report, extra);
}

}  // namespace quantc
