// Internal to backends/c: the TINPU lowering's state, shared by the driver
// (lower_tinpu.cc) and the accumulator builders (lower_tinpu_ops.cc).
//
// Pattern (one integer op per requantization block, tinpu-format.md §2):
//
//   acc = Conv | MatMul | Add(Mul?(a, 2^i), Mul?(b, 2^j)) | Mul(a, b) |
//         ReduceSum | Round(Mul(AveragePool, A)) | an integer tensor
//   Add(acc, offset) -> Mul(mult) -> Mul(2^-shift) -> Floor -> Clip [-> Relu|Clip]*
//
// The block on the float graph input is the input quantizer (spec §6).
// Standalone MaxPool, Reshape/Flatten, Relu/Clip and Concat of integer
// tensors lower on their own.
#ifndef QUANTC_BACKENDS_C_LOWER_TINPU_H_
#define QUANTC_BACKENDS_C_LOWER_TINPU_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "backends/c/lower_util.h"
#include "backends/c/program.h"
#include "ir/graph.h"

namespace quantc::cbackend {

/// One matched requantization block.
struct OssBlock {
  const Value* acc = nullptr;      ///< what the block requantizes
  std::vector<const Node*> nodes;  ///< Add?, Mul, Mul, Floor, Clip, trailing Relu/Clip
  const Value* out = nullptr;      ///< the last node's output
  // Per entry (1 or the accumulator's channel count after Expand).
  std::vector<double> offset, mult, shift_mult;
  // The constants as stored (for their layout); no offset_t: offset 0.
  std::optional<Tensor> offset_t, mult_t, shift_t;
  double lo = -1e300, hi = 1e300;  ///< composed Clip/Relu range
};

class TinpuLowering {
 public:
  explicit TinpuLowering(const Graph& g) : g_(g) {}
  absl::StatusOr<IntProgram> Run();

 private:
  // Driver (lower_tinpu.cc).
  absl::StatusOr<OssBlock> MatchBlock(const Node& floor) const;
  void LowerBlock(const Node& floor);
  absl::Status LowerInputBlock(const OssBlock& b, int out);
  void LowerStandalone(const Node& n);
  absl::Status LowerOutput();
  /// Output tensor of a block with clamp range [lo, hi] (model integers):
  /// signed storage (zp 0) if it fits int8, unsigned (zp -128) if uint8.
  absl::StatusOr<int> AddBlockTensor(const Value& v, double lo, double hi);
  /// The block's Requant with entries along `channel_axis` of `acc_dims`
  /// (-1: per tensor only).
  absl::StatusOr<Requant> BlockRequant(const OssBlock& b, const std::vector<int64_t>& acc_dims,
                                       int64_t channel_axis, int out) const;
  absl::StatusOr<int> IntIn(const Value* v) const;

  // Accumulator builders (lower_tinpu_ops.cc); each appends one op
  // writing `out`, with the block's nodes consumed by the caller.
  absl::Status Conv(const Node& n, const OssBlock& b, int out);
  absl::Status MatMul(const Node& n, const OssBlock& b, int out);
  absl::Status Add(const Node& n, const OssBlock& b, int out);
  absl::Status Mul(const Node& n, const OssBlock& b, int out);
  /// `op`: an Add with one input and the scales of both addends; the other
  /// addend is the integer constant `c`.
  absl::Status AddConstant(IntOp& op, const Tensor& c, int const_index, const OssBlock& b, int out);
  absl::Status ReduceSum(const Node& n, const OssBlock& b, int out);
  absl::Status AvgPool(const Node& round, const OssBlock& b, int out);
  absl::Status Requantize(const std::string& name, int in, const OssBlock& b, int out);
  /// An integer tensor, or an integer constant that fits int8 (flash).
  absl::StatusOr<int> OperandIn(const Value* v);
  /// Nodes of an accumulator pattern, consumed once the op is built.
  std::vector<const Node*> acc_nodes_;

  const Graph& g_;
  IntProgram p_;
  Coverage cov_;
  absl::flat_hash_map<const Value*, int> int_of_;
};

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_LOWER_TINPU_H_
