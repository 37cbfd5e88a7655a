// quantc's canonical textual form of a Graph: what golden tests compare and
// what `--print-ir-after-all` shows. Deterministic across runs and machines.
//
//   graph "main" ir=7 opsets={"": 13}
//   input %x: f32[1,3,8,8]
//   const %w: f32[8,3,3,3] #1f2e3d4c5b6a7980 [0.12, -0.5, 0.33, 1, ...]
//   %y: f32[1,8,8,8] = Conv(%x, %w, _) {kernel_shape=[3,3]} @conv1
//   output %y
//
// Names that are not plain identifiers are quoted; `_` is an omitted
// optional input; `@name` is the node name; constants of more than
// kInlineLimit elements print their hash and their first few values.
// Quantization parameters print after the type: q{i8 s=[0.5] zp=[0]}.
#ifndef QUANTC_IR_PRINTER_H_
#define QUANTC_IR_PRINTER_H_

#include <string>

#include "ir/graph.h"

namespace quantc {

std::string PrintGraph(const Graph& g);
/// One node in the same syntax (no trailing newline).
std::string PrintNode(const Node& n);
/// "f32[1,3,?,N]".
std::string PrintType(const TensorType& t);
/// Shortest round-trip decimal ("0.1", "1e-07", "nan"); the float overload
/// round-trips at float precision.
std::string FormatFloat(float v);
std::string FormatFloat(double v);

}  // namespace quantc

#endif  // QUANTC_IR_PRINTER_H_
