// Static checks of a TINPU integer ONNX model against
// shared/docs/tinpu-format.md (§1.2 tensors, §1.3 op vocabulary, §2 the
// offset-scale-shift block, §3.4 multiplier widths, §6 NPU legality).
//
// Every Floor must close an offset-scale-shift (OSS) block
//   Add(x, offset) -> Mul(mult) -> Mul(shift_mult) -> Floor -> Clip(lo, hi)
// with constant offset/mult/shift_mult/lo/hi. A block is classified by what
// feeds x: the graph input ("input", the input-quantize block), Conv,
// MatMul, Gemm, a pooling sum (ReduceSum, or AveragePool -> Mul(A) ->
// Round: "pool"), a residual Add ("add"), an Add of an integer constant
// ("addconst"), integers an earlier block produced and a layout op or
// MaxPool moved ("move": a rescale), or a declared float op ("floatop", a
// CPU fallback's output quantized like the input). The rules:
//
//   * ops: only the §1.3 vocabulary (Conv MatMul Gemm Add Mul Floor Clip
//     Relu Round ReduceSum AveragePool MaxPool Flatten Transpose Reshape),
//     plus Concat (a layout op quantc's target table allows: its inputs are
//     requantized to the output scale first) and the float ops the caller
//     declares (FormatOptions::float_ops: CPU fallbacks such as Sigmoid);
//     so no QuantizeLinear/DequantizeLinear; every tensor float32 (int64
//     only for ReduceSum axes and Reshape shapes), never int8/uint8;
//   * Conv has no bias; Conv/MatMul/Gemm weights are constant integers
//     within ±(2^(bw-1) - 1);
//   * mult: an integer; with 8-bit weights (power-of-two mode, §3.4 B = 1)
//     exactly 1, except the input-quantize and float-op blocks (B = 8); otherwise
//     1 <= mult <= 255 (§6.4: an unsigned 8-bit multiplier);
//   * shift_mult = 2^-k with 0 <= k <= 31;
//   * offset: an integer (except in the input-quantize and float-op blocks,
//     whose offset 2^(shift-1)/mult is fractional by design, §4.14) within int24 (8-bit
//     weights) or int16 (4/2-bit weights) (§5.1, §6.5);
//   * the constants broadcast per tensor or per channel and never change
//     x's shape (the §2 rank pitfall);
//   * every Clip range is exactly [-128, 127], [0, 255] or [-512, 511]
//     (§6.6);
//   * other Mul nodes: AveragePool's Mul(kernel area) before Round, a
//     residual Add's alignment Mul by 2^k (k >= 0), the dequantizing Mul
//     in front of a declared float op, or the final output scale of
//     --output-float; other Add nodes: residual adds of two activations,
//     or an integer constant added in front of an OSS block; Round only
//     after a pooling Mul.
#ifndef QUANTC_TESTS_TINPU_FORMAT_CHECK_H_
#define QUANTC_TESTS_TINPU_FORMAT_CHECK_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace quantc::tinpu {

struct FormatOptions {
  int weight_bits = 8;
  /// Op types the model keeps in float on the CPU (quantc's float ops):
  /// allowed, with their dequantizing Mul and requantizing block.
  std::set<std::string> float_ops;
};

/// One recognised OSS block.
struct OssBlock {
  std::string kind;  ///< input, conv, matmul, gemm, pool, add, addconst, move, floatop
  std::string name;  ///< the block's Add node
  std::vector<float> offset, mult, shift_mult;
  float clip_lo = 0, clip_hi = 0;
};

struct FormatReport {
  std::vector<std::string> violations;
  std::map<std::string, int> op_counts;
  std::vector<OssBlock> blocks;
  double max_abs_weight = 0;
  double max_abs_offset = 0;  ///< over non-input blocks
  std::map<std::string, int> clip_ranges;  ///< "[lo,hi]" -> count
};

/// Runs every check; never fails (problems are violations).
FormatReport CheckTinpuFormat(const Graph& g, const FormatOptions& options);

}  // namespace quantc::tinpu

#endif  // QUANTC_TESTS_TINPU_FORMAT_CHECK_H_
