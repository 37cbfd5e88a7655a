#include "ir/kernels/registry.h"

#include <algorithm>
#include <cstring>

#include "ir/kernels/kernels.h"

namespace quantc {
namespace kernels {
namespace {

constexpr bool kHalf = true;    // widen float16/bfloat16 to float32
constexpr bool kExact = false;  // dtype-agnostic or no 16-bit float support

// Sorted by op type, then min_opset (a unit test checks this). min_opset is
// the first opset whose form the kernel implements; models below opset 7 are
// upgraded to 7 on import, so most entries say 1 or the version that
// introduced the op.
constexpr KernelEntry kTable[] = {
    {"Abs", 1, Abs, kHalf},
    {"Add", 7, Add, kHalf},
    {"And", 7, And, kExact},
    {"ArgMax", 1, ArgMax, kHalf},
    {"ArgMin", 1, ArgMin, kHalf},
    {"AveragePool", 7, AveragePool, kHalf},
    {"BatchNormalization", 7, BatchNormalization, kHalf},
    {"Cast", 6, Cast, kExact},
    {"CastLike", 15, CastLike, kExact},
    {"Ceil", 1, Ceil, kHalf},
    {"Clip", 6, ClipAttr, kHalf},
    {"Clip", 11, ClipInputs, kHalf},
    {"Concat", 4, Concat, kExact},
    {"Constant", 1, Constant, kExact},
    {"ConstantOfShape", 9, ConstantOfShape, kExact},
    {"Conv", 1, Conv, kHalf},
    {"ConvInteger", 10, ConvInteger, kExact},
    {"ConvTranspose", 1, ConvTranspose, kHalf},
    {"DepthToSpace", 1, DepthToSpace, kExact},
    {"DequantizeLinear", 10, DequantizeLinear, kExact},
    {"Div", 7, Div, kHalf},
    {"Dropout", 7, Dropout, kExact},
    {"Elu", 6, Elu, kHalf},
    {"Equal", 7, Equal, kHalf},
    {"Erf", 9, Erf, kHalf},
    {"Exp", 6, Exp, kHalf},
    {"Expand", 8, Expand, kExact},
    {"Flatten", 1, Flatten, kExact},
    {"Floor", 6, Floor, kHalf},
    {"Gather", 1, Gather, kExact},
    {"GatherElements", 11, GatherElements, kExact},
    {"Gemm", 7, Gemm, kHalf},
    {"GlobalAveragePool", 1, GlobalAveragePool, kHalf},
    {"GlobalMaxPool", 1, GlobalMaxPool, kHalf},
    {"Greater", 7, Greater, kHalf},
    {"GreaterOrEqual", 12, GreaterOrEqual, kHalf},
    {"HardSigmoid", 6, HardSigmoid, kHalf},
    {"HardSwish", 14, HardSwish, kHalf},
    {"Identity", 1, Identity, kExact},
    {"InstanceNormalization", 6, InstanceNormalization, kHalf},
    {"LayerNormalization", 17, LayerNormalization, kExact},  // widens 16-bit X itself
    {"LeakyRelu", 6, LeakyRelu, kHalf},
    {"Less", 7, Less, kHalf},
    {"LessOrEqual", 12, LessOrEqual, kHalf},
    {"Log", 6, Log, kHalf},
    {"LogSoftmax", 1, LogSoftmax, kHalf},
    {"MatMul", 1, MatMul, kHalf},
    {"MatMulInteger", 10, MatMulInteger, kExact},
    {"Max", 6, Max, kHalf},
    {"MaxPool", 1, MaxPool, kHalf},
    {"Mean", 6, Mean, kHalf},
    {"Min", 6, Min, kHalf},
    {"Mod", 10, Mod, kHalf},
    {"Mul", 7, Mul, kHalf},
    {"Neg", 6, Neg, kHalf},
    {"Not", 1, Not, kExact},
    {"Or", 7, Or, kExact},
    {"PRelu", 7, PRelu, kHalf},
    {"Pad", 2, Pad, kExact},
    {"Pow", 7, Pow, kHalf},
    {"QLinearConv", 10, QLinearConv, kExact},
    {"QLinearMatMul", 10, QLinearMatMul, kExact},
    {"QuantizeLinear", 10, QuantizeLinear, kExact},
    {"Range", 11, Range, kExact},
    {"Reciprocal", 6, Reciprocal, kHalf},
    {"ReduceL1", 1, ReduceL1, kHalf},
    {"ReduceL2", 1, ReduceL2, kHalf},
    {"ReduceLogSum", 1, ReduceLogSum, kHalf},
    {"ReduceLogSumExp", 1, ReduceLogSumExp, kHalf},
    {"ReduceMax", 1, ReduceMax, kHalf},
    {"ReduceMean", 1, ReduceMean, kHalf},
    {"ReduceMin", 1, ReduceMin, kHalf},
    {"ReduceProd", 1, ReduceProd, kHalf},
    {"ReduceSum", 1, ReduceSum, kHalf},
    {"ReduceSumSquare", 1, ReduceSumSquare, kHalf},
    {"Relu", 6, Relu, kHalf},
    {"Reshape", 5, Reshape, kExact},
    {"Resize", 10, Resize10, kHalf},
    {"Resize", 11, Resize, kHalf},
    {"Round", 11, Round, kHalf},
    {"Selu", 6, Selu, kHalf},
    {"Shape", 1, Shape, kExact},
    {"Sigmoid", 6, Sigmoid, kHalf},
    {"Sign", 9, Sign, kHalf},
    {"Size", 1, Size, kExact},
    {"Slice", 1, Slice, kExact},
    {"Softmax", 1, Softmax, kHalf},
    {"Softplus", 1, Softplus, kHalf},
    {"Softsign", 1, Softsign, kHalf},
    {"SpaceToDepth", 1, SpaceToDepth, kExact},
    {"Split", 2, Split, kExact},
    {"Sqrt", 6, Sqrt, kHalf},
    {"Squeeze", 1, Squeeze, kExact},
    {"Sub", 7, Sub, kHalf},
    {"Sum", 6, Sum, kHalf},
    {"Tanh", 6, Tanh, kHalf},
    {"Tile", 6, Tile, kExact},
    {"Transpose", 1, Transpose, kExact},
    {"Unsqueeze", 1, Unsqueeze, kExact},
    {"Upsample", 7, UpsampleAttr, kHalf},
    {"Upsample", 9, UpsampleInput, kHalf},
    {"Where", 9, Where, kExact},
    {"Xor", 7, Xor, kExact},
};

}  // namespace

absl::Span<const KernelEntry> KernelTable() { return kTable; }

const KernelEntry* FindKernel(absl::string_view op_type, int64_t opset, bool* any) {
  auto less = [](const KernelEntry& e, absl::string_view op) { return op.compare(e.op_type) > 0; };
  const KernelEntry* it = std::lower_bound(std::begin(kTable), std::end(kTable), op_type, less);
  const KernelEntry* best = nullptr;
  bool found = false;
  for (; it != std::end(kTable) && op_type == it->op_type; ++it) {
    found = true;
    if (it->min_opset <= opset) best = it;
  }
  if (any != nullptr) *any = found;
  return best;
}

}  // namespace kernels
}  // namespace quantc
