// The C kernel sources (backends/c/kernels/*.{h,c}), embedded in quantc by
// a genrule so `quantc compile` can copy the ones a network uses.
#ifndef QUANTC_BACKENDS_C_KERNEL_SOURCES_H_
#define QUANTC_BACKENDS_C_KERNEL_SOURCES_H_

#include <string>

namespace quantc::cbackend {

struct KernelSource {
  const char* name;  ///< file name, e.g. "conv.c"
  const char* text;
};

extern const KernelSource kKernelSources[];
extern const int kNumKernelSources;

/// The text of kernels/<name>; CHECK-fails if there is no such file (a
/// quantc bug, not bad input).
std::string KernelSourceText(const std::string& name);

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_KERNEL_SOURCES_H_
