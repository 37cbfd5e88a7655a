// Report page sections shared by the quantize reports (a float model
// quantized by quantc, or a model quantized elsewhere).
#ifndef QUANTC_REPORT_SECTIONS_H_
#define QUANTC_REPORT_SECTIONS_H_

#include <string>
#include <vector>

#include "backends/tinpu/eligibility.h"
#include "passes/diagnostic.h"

namespace quantc::report {

/// <section id="repairs">: every diagnostic in a table ("diagnostic-table")
/// and, when any has a cost, a bar chart of the costs ("repair-cost").
std::string DiagnosticSection(const std::vector<Diagnostic>& diagnostics);

/// <section id="npu">: where each layer runs on TI's NPU ("npu-table").
std::string NpuSection(const std::vector<tinpu::LayerReport>& layers, const tinpu::BitWidths& bits);

}  // namespace quantc::report

#endif  // QUANTC_REPORT_SECTIONS_H_
