#include "backends/c/kernel_sources.h"
#include "util/check.h"

namespace quantc::cbackend {

std::string KernelSourceText(const std::string& name) {
  for (int i = 0; i < kNumKernelSources; ++i) {
    if (name == kKernelSources[i].name) return kKernelSources[i].text;
  }
  QC_CHECK(false && "unknown kernel source");
  return "";
}

}  // namespace quantc::cbackend
