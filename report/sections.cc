#include "report/sections.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "report/html.h"
#include "report/svg.h"

namespace quantc::report {

std::string DiagnosticSection(const std::vector<Diagnostic>& ds) {
  std::vector<std::vector<Cell>> rows;
  std::vector<Bar> costs;
  double axis = 1;
  for (const Diagnostic& d : ds) {
    const bool warning = d.severity == Diagnostic::Severity::kWarning;
    rows.push_back({Text(warning ? "warning" : "note"), Text(d.subject, "name"), Text(d.message),
                    d.cost_db ? Number(Fixed(*d.cost_db, 3), Fixed(*d.cost_db, 3)) : Text("–", "num")});
    if (d.cost_db) {
      axis = std::max(axis, std::ceil(*d.cost_db));
      costs.push_back({d.subject, *d.cost_db, Fixed(*d.cost_db, 2) + " dB",
                       warning ? "bad" : *d.cost_db > 0.1 ? "warn" : "good", Fixed(*d.cost_db, 3)});
    }
  }
  std::string body = rows.empty() ? "<p class=\"muted\">None: nothing was repaired.</p>"
                                  : Table("diagnostic-table", {"severity", "subject", "what", "cost (dB)"}, rows);
  if (!costs.empty()) body = BarChart("repair-cost", costs, axis, "cost in output SQNR (dB)") + body;
  return Section("repairs", "Repairs and notices",
                 "What quantization had to change and what it costs: the loss of model output "
                 "SQNR on the calibration data, where measured. A repair costing more than 1 dB "
                 "is a warning.",
                 body);
}

std::string NpuSection(const std::vector<tinpu::LayerReport>& layers, const tinpu::BitWidths& bits) {
  std::vector<std::vector<Cell>> rows;
  for (const tinpu::LayerReport& l : layers) {
    rows.push_back({Text(l.node, "name"), Text(l.op), Text(tinpu::NpuLayerKindName(l.kind)),
                    Text(l.on_npu ? "NPU" : "CPU"), Text(l.failed_constraint)});
  }
  return Section("npu", "TINPU NPU eligibility",
                 absl::StrCat("Which compute layers TI's NPU runs (", bits.weight,
                              "-bit weights, ", bits.activation,
                              "-bit activations) and, for those that fall back to the CPU, the "
                              "layer constraint they break."),
                 Table("npu-table", {"layer", "op", "kind", "runs on", "constraint broken"}, rows));
}

}  // namespace quantc::report
