// Internal to sim_model: the model's state, shared by sim_model.cc (graph
// walk, layers, BatchNorm, write-back) and sim_requant.cc (observers).
#ifndef QUANTC_TRAIN_SIM_INTERNAL_H_
#define QUANTC_TRAIN_SIM_INTERNAL_H_

#include <ATen/ATen.h>

#include <map>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "backends/tinpu/legality.h"
#include "train/sim_model.h"

namespace quantc::train {

/// The straight-through estimator: `value` (a quantized function of
/// `input`) in the forward pass; in the backward pass d value / d input is
/// taken as `factor` (elementwise, broadcast; undefined means 1): the mask
/// of unclipped elements, times the scale between the two.
at::Tensor Ste(const at::Tensor& input, const at::Tensor& value, const at::Tensor& factor);

/// One activation observer's range and quantization.
struct ActState {
  const Node* node = nullptr;
  float lo = 0, hi = 0;            ///< moving-average range
  std::optional<QParams> emitted;  ///< fixed by SetEmittedQParams until lo/hi move
  absl::StatusOr<QParams> Current(const ActivationScheme& s) const;
};

/// A BatchNormalization's trainable and running parameters.
struct BnParams {
  int gamma = -1, beta = -1;  ///< indices into Impl::params
  at::Tensor mean, var;       ///< running statistics (buffers)
  float eps = 1e-5f;
  float momentum = 0.9f;      ///< ONNX convention
};

/// A weight as insert_qdq quantizes it: per-channel scales (one entry for
/// per-tensor), the same broadcast along the weight's channel axis, the
/// integers, and the mask of weights inside the integer range.
struct QuantizedWeight {
  std::vector<float> scales;
  at::Tensor scale, ints, mask;
};

/// A Conv/ConvTranspose/Gemm/MatMul.
struct LayerState {
  const Node* node = nullptr;
  int weight = -1, bias = -1;         ///< indices into Impl::params (bias may be -1)
  std::optional<BnParams> bn;         ///< a folded BatchNormalization
  bool quantized = true;              ///< false for --float-ops nodes
  int64_t channels = 1;
  int64_t axis = 0;                   ///< weight channel axis; -1: per-tensor scales
  std::optional<std::vector<float>> bias_override;  ///< SetBiases
  /// The last forward, for the TINPU requantization of the output: its
  /// integer input, integer weights, accumulator (no bias), integer bias
  /// and weight scales per output channel.
  bool exact = false;
  at::Tensor x_int, w_int, acc;
  std::vector<double> qbias, weight_scales;
};

/// A standalone BatchNormalization.
struct BnState {
  const Node* node = nullptr;
  BnParams p;
};

class SimModel::Impl {
 public:
  Impl(Graph& g, SimOptions o) : g_(g), o_(std::move(o)) {}

  absl::Status Build(std::vector<FoldedBatchNorm> folds);
  at::Tensor Forward(const at::Tensor& x, const RunMode& mode);
  absl::Status WriteBack() const;

  // sim_requant.cc
  at::Tensor Observe(const ObserverPlan& op, const at::Tensor& x, const RunMode& mode);

  Graph& g_;
  SimOptions o_;
  std::optional<tinpu::Legality> model_;  ///< TINPU: the legality model the lowering asks
  RequantPlan plan_;
  std::vector<at::Tensor> params_;
  std::vector<ActState> acts_;  ///< per plan_.observers entry
  std::map<const Node*, LayerState> layers_;
  std::map<const Node*, BnState> bns_;

 private:
  friend class SimModel;
  int Param(const at::Tensor& t);
  absl::Status BuildParameters(std::vector<FoldedBatchNorm>& folds);
  void Widen();
  at::Tensor Weighted(LayerState& l, const at::Tensor& x, const RunMode& mode);
  at::Tensor TinpuWeighted(LayerState& l, const at::Tensor& x, const QParams& xq,
                           const at::Tensor& w, const QuantizedWeight& q, const at::Tensor& b,
                           bool exact);
  QuantizedWeight QuantizeWeight(const LayerState& l, const at::Tensor& w, const at::Tensor& bias,
                                 float s_x) const;
  std::vector<double> ChannelSums(const LayerState& l, const at::Tensor& t) const;
  at::Tensor BatchNorm(BnState& b, const at::Tensor& x, const RunMode& mode);
  void EffectiveWeights(const LayerState& l, at::Tensor& w, at::Tensor& b) const;

  // sim_requant.cc: the TINPU integer result of a requantization, before
  // clipping, or an undefined tensor when only the approximation applies.
  at::Tensor Hard(const ObserverPlan& op, const at::Tensor& x, const IntDomain& out,
                  const RunMode& mode);
  at::Tensor HardWeighted(const ObserverPlan& op, const IntDomain& out);
  at::Tensor HardAdd(const ObserverPlan& op, const IntDomain& out);
  at::Tensor HardPool(const ObserverPlan& op, const IntDomain& out);
  at::Tensor HardConcat(const ObserverPlan& op, const IntDomain& out);
  at::Tensor HardMul(const ObserverPlan& op, const IntDomain& out);
  at::Tensor HardElementwise(const ObserverPlan& op, const IntDomain& out);
  at::Tensor HardInputBatchNorm(const ObserverPlan& op, const IntDomain& out);
  at::Tensor Rescale(const at::Tensor& ints, const IntDomain& from, const IntDomain& to);
  std::optional<tinpu::Realization> Realize(const tinpu::Requant& r, double out_scale) const;
  /// The integers and domain of a quantized value of this forward.
  bool IntOf(const Value* v, at::Tensor& ints, IntDomain& d) const;
  IntDomain DomainOf(const QParams& q) const;
  tinpu::ClipRange ClipOf(const QParams& q) const;

  absl::flat_hash_map<const Value*, int> slot_;
  std::vector<at::Tensor> constants_;  ///< per slot: initializer data, else undefined
  std::vector<at::Tensor> vals_;       ///< per slot, this forward
  std::vector<std::optional<QParams>> qparams_;  ///< per slot: observer outputs
};

}  // namespace quantc::train

#endif  // QUANTC_TRAIN_SIM_INTERNAL_H_
