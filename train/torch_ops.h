// ONNX nodes as libtorch operations, for training (links libtorch).
//
// The IR's shapes carry the batch dimension the model was exported with
// (1); training runs batches of B samples along dim 0, so ops that name
// dimensions (Reshape, Flatten, Transpose, Squeeze, Softmax, Concat, ...)
// must keep dim 0 as the batch. A node that would mix the batch into
// another dimension is rejected by CheckTrainable, like any op outside
// the supported list.
#ifndef QUANTC_TRAIN_TORCH_OPS_H_
#define QUANTC_TRAIN_TORCH_OPS_H_

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ir/graph.h"

namespace quantc::train {

/// The op types training supports (sorted), for error messages.
const std::vector<std::string>& TrainableOps();

/// OK if `n` can run in training; Unimplemented naming the node otherwise
/// (unsupported op, or attributes that would move the batch dimension).
/// `opset` is the graph's ai.onnx opset.
absl::Status CheckTrainable(const Node& n, int64_t opset);

/// Runs a weight-free node (not Conv/ConvTranspose/Gemm/MatMul with a
/// weight, not BatchNormalization, not an observer) on real tensors; the
/// node's constant inputs come in `in` like the others (undefined tensors
/// for omitted optional inputs). May throw c10::Error on a shape error.
at::Tensor RunNode(const Node& n, const std::vector<at::Tensor>& in, int64_t opset);

/// Conv / ConvTranspose / Gemm / MatMul with weight `w` and optional bias
/// `b` (undefined: none). Gemm's alpha and beta apply.
at::Tensor RunWeighted(const Node& n, const at::Tensor& x, const at::Tensor& w,
                       const at::Tensor& b);

/// Broadcast shape of a per-output-channel vector for the output of
/// weighted node `n` with rank `rank`: [1, C, 1, ...] for convolutions,
/// [..., C] for Gemm/MatMul.
std::vector<int64_t> ChannelShape(const Node& n, int64_t channels, int64_t rank);

/// A quantc Tensor as a torch tensor (float32 or int64, copied).
at::Tensor ToTorch(const Tensor& t);
/// A float32 torch tensor as a quantc Tensor (copied, contiguous).
Tensor FromTorch(const at::Tensor& t);

}  // namespace quantc::train

#endif  // QUANTC_TRAIN_TORCH_OPS_H_
