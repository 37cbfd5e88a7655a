// `quantc compile --report=FILE.html`: the compiled program as a page: I/O,
// arena against its lower bound, weights, the arena's placement over time
// (a chart of every buffer's offset and lifetime) and every tensor's home.
#ifndef QUANTC_REPORT_COMPILE_REPORT_H_
#define QUANTC_REPORT_COMPILE_REPORT_H_

#include <string>

#include "backends/c/compile.h"

namespace quantc::report {

std::string CompileReportHtml(const cbackend::CompileResult& r, const cbackend::CompileOptions& o);

}  // namespace quantc::report

#endif  // QUANTC_REPORT_COMPILE_REPORT_H_
