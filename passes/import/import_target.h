// What the passes that finish an imported quantized model need to know
// about the target it is re-targeted to.
#ifndef QUANTC_PASSES_IMPORT_IMPORT_TARGET_H_
#define QUANTC_PASSES_IMPORT_IMPORT_TARGET_H_

namespace quantc {

enum class ImportTarget {
  /// Standard QDQ: weighted layers with quantized weights need quantized
  /// inputs (integer kernels); everything else may stay as the source has it.
  kGeneric,
  /// TINPU: every op outside the float ops computes on integers, so every
  /// tensor it reads or writes must be quantized.
  kTinpu,
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_IMPORT_TARGET_H_
