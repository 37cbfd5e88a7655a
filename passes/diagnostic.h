// Messages passes leave for the driver (passes never print): what was
// repaired or noticed, how severe it is and, when measured, what it costs.
// Severity is data, never parsed from the text.
#ifndef QUANTC_PASSES_DIAGNOSTIC_H_
#define QUANTC_PASSES_DIAGNOSTIC_H_

#include <optional>
#include <string>

namespace quantc {

struct Diagnostic {
  enum class Severity {
    kNote,     ///< information (printed with --verbose, kept in --report)
    kWarning,  ///< costs accuracy or needs the user's attention: always printed
  };
  Severity severity = Severity::kNote;
  /// What it is about, as users know it: "tensor 'y' (output of node 'mul'
  /// (Mul))", or a node's Describe().
  std::string subject;
  /// The move or the fact, and why, e.g. "scale 2^-8 -> 2^-7: ...".
  std::string message;
  /// Loss of model output SQNR the move costs, in dB, when measured.
  std::optional<double> cost_db;

  /// "<subject>: <message>[; costs 3.2 dB of output SQNR]".
  std::string ToString() const;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_DIAGNOSTIC_H_
