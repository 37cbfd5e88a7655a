// Declarations of every kernel, grouped by the file that defines it. The
// table that maps op types to these functions is ir/kernels/registry.cc.
#ifndef QUANTC_IR_KERNELS_KERNELS_H_
#define QUANTC_IR_KERNELS_KERNELS_H_

#include "ir/kernels/kernel.h"

namespace quantc {
namespace kernels {

// elementwise.cc
KernelResult Add(const KernelContext& ctx);
KernelResult Sub(const KernelContext& ctx);
KernelResult Mul(const KernelContext& ctx);
KernelResult Div(const KernelContext& ctx);
KernelResult Pow(const KernelContext& ctx);
KernelResult Mod(const KernelContext& ctx);
KernelResult Min(const KernelContext& ctx);
KernelResult Max(const KernelContext& ctx);
KernelResult Sum(const KernelContext& ctx);
KernelResult Mean(const KernelContext& ctx);

// unary.cc
KernelResult Floor(const KernelContext& ctx);
KernelResult Ceil(const KernelContext& ctx);
KernelResult Round(const KernelContext& ctx);
KernelResult Abs(const KernelContext& ctx);
KernelResult Neg(const KernelContext& ctx);
KernelResult Sign(const KernelContext& ctx);
KernelResult Sqrt(const KernelContext& ctx);
KernelResult Exp(const KernelContext& ctx);
KernelResult Log(const KernelContext& ctx);
KernelResult Erf(const KernelContext& ctx);
KernelResult Reciprocal(const KernelContext& ctx);
KernelResult Not(const KernelContext& ctx);

// logical.cc
KernelResult Equal(const KernelContext& ctx);
KernelResult Less(const KernelContext& ctx);
KernelResult LessOrEqual(const KernelContext& ctx);
KernelResult Greater(const KernelContext& ctx);
KernelResult GreaterOrEqual(const KernelContext& ctx);
KernelResult And(const KernelContext& ctx);
KernelResult Or(const KernelContext& ctx);
KernelResult Xor(const KernelContext& ctx);
KernelResult Where(const KernelContext& ctx);

// activations.cc
KernelResult Relu(const KernelContext& ctx);
KernelResult LeakyRelu(const KernelContext& ctx);
KernelResult PRelu(const KernelContext& ctx);
KernelResult ClipAttr(const KernelContext& ctx);
KernelResult ClipInputs(const KernelContext& ctx);
KernelResult Sigmoid(const KernelContext& ctx);
KernelResult Tanh(const KernelContext& ctx);
KernelResult HardSigmoid(const KernelContext& ctx);
KernelResult HardSwish(const KernelContext& ctx);
KernelResult Elu(const KernelContext& ctx);
KernelResult Selu(const KernelContext& ctx);
KernelResult Softplus(const KernelContext& ctx);
KernelResult Softsign(const KernelContext& ctx);

// softmax.cc
KernelResult Softmax(const KernelContext& ctx);
KernelResult LogSoftmax(const KernelContext& ctx);

// shape_ops.cc
KernelResult Identity(const KernelContext& ctx);
KernelResult Shape(const KernelContext& ctx);
KernelResult Size(const KernelContext& ctx);
KernelResult Reshape(const KernelContext& ctx);
KernelResult Flatten(const KernelContext& ctx);
KernelResult Squeeze(const KernelContext& ctx);
KernelResult Unsqueeze(const KernelContext& ctx);
KernelResult Dropout(const KernelContext& ctx);

// cast.cc
KernelResult Cast(const KernelContext& ctx);
KernelResult CastLike(const KernelContext& ctx);

// constants.cc
KernelResult Constant(const KernelContext& ctx);
KernelResult ConstantOfShape(const KernelContext& ctx);
KernelResult Range(const KernelContext& ctx);

// layout.cc
KernelResult Transpose(const KernelContext& ctx);
KernelResult Expand(const KernelContext& ctx);
KernelResult Tile(const KernelContext& ctx);
KernelResult DepthToSpace(const KernelContext& ctx);
KernelResult SpaceToDepth(const KernelContext& ctx);

// slice.cc
KernelResult Concat(const KernelContext& ctx);
KernelResult Split(const KernelContext& ctx);
KernelResult Slice(const KernelContext& ctx);

// gather.cc
KernelResult Gather(const KernelContext& ctx);
KernelResult GatherElements(const KernelContext& ctx);

// pad.cc
KernelResult Pad(const KernelContext& ctx);

// gemm.cc
KernelResult Gemm(const KernelContext& ctx);
KernelResult MatMul(const KernelContext& ctx);

// conv.cc
KernelResult Conv(const KernelContext& ctx);

// conv_transpose.cc
KernelResult ConvTranspose(const KernelContext& ctx);

// pool.cc
KernelResult MaxPool(const KernelContext& ctx);
KernelResult AveragePool(const KernelContext& ctx);
KernelResult GlobalAveragePool(const KernelContext& ctx);
KernelResult GlobalMaxPool(const KernelContext& ctx);

// reduce.cc
KernelResult ReduceSum(const KernelContext& ctx);
KernelResult ReduceMean(const KernelContext& ctx);
KernelResult ReduceMax(const KernelContext& ctx);
KernelResult ReduceMin(const KernelContext& ctx);
KernelResult ReduceProd(const KernelContext& ctx);
KernelResult ReduceL1(const KernelContext& ctx);
KernelResult ReduceL2(const KernelContext& ctx);
KernelResult ReduceSumSquare(const KernelContext& ctx);
KernelResult ReduceLogSum(const KernelContext& ctx);
KernelResult ReduceLogSumExp(const KernelContext& ctx);
KernelResult ArgMax(const KernelContext& ctx);
KernelResult ArgMin(const KernelContext& ctx);

// normalization.cc
KernelResult BatchNormalization(const KernelContext& ctx);
KernelResult InstanceNormalization(const KernelContext& ctx);
KernelResult LayerNormalization(const KernelContext& ctx);

// resize.cc
KernelResult Resize10(const KernelContext& ctx);       // X, scales
KernelResult Resize(const KernelContext& ctx);         // X, roi, scales, sizes (opset 11+)
KernelResult UpsampleAttr(const KernelContext& ctx);   // scales attribute (opsets 7-8)
KernelResult UpsampleInput(const KernelContext& ctx);  // scales input (opset 9)

// quant.cc
KernelResult QuantizeLinear(const KernelContext& ctx);
KernelResult DequantizeLinear(const KernelContext& ctx);

// qlinear.cc
KernelResult MatMulInteger(const KernelContext& ctx);
KernelResult QLinearMatMul(const KernelContext& ctx);
KernelResult ConvInteger(const KernelContext& ctx);
KernelResult QLinearConv(const KernelContext& ctx);

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_KERNELS_H_
