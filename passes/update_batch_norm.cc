// update_batch_norm: recomputes BatchNormalization statistics from the
// user's data, for models whose trained statistics do not match deployment
// data (e.g. trained with augmentation, or fine-tuned elsewhere).
//
//   Before:  %y = BatchNormalization(%x, %gamma, %beta, %mean, %var)
//   After:   %y = BatchNormalization(%x, %gamma, %beta, %mean_updated, %var_updated)
//
// Math: for channel c (axis 1 of the BN input x) over all calibration
// samples and positions, mean_c = E[x_c] and var_c = E[x_c^2] - mean_c^2
// (population variance, accumulated in double). Each epoch runs the model in
// inference form with the current statistics and then replaces every BN's
// mean and variance at once, so after E epochs a BN's statistics describe its
// input as produced by the upstream BNs of epoch E-1; two or three epochs
// reach the fixed point in which every BN matches its actual input (PyTorch
// gets there within one epoch because training-mode BN normalizes with
// batch statistics; batch-1 exports cannot). Only BNs whose mean and
// variance are initializers are updated; shared statistics are copied.
#include "passes/update_batch_norm.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ir/interpreter.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

struct Stats {
  Node* bn;
  std::vector<double> sum, sum_sq;
  int64_t count = 0;  // values per channel
};

bool Updatable(const Node& n) {
  if (n.op_type() != "BatchNormalization" || !n.domain().empty() || n.num_inputs() < 5) {
    return false;
  }
  for (int i = 1; i < 5; ++i) {
    const Value* v = n.input(i);
    if (!v || !v->is_initializer() || v->type().dtype != DType::kFloat32) return false;
  }
  return n.GetInt("training_mode", 0) == 0;
}

absl::Status Accumulate(Stats& s, const Tensor& x) {
  int64_t c = static_cast<int64_t>(s.sum.size());
  if (x.dtype() != DType::kFloat32 || x.rank() < 2 || x.dims()[1] != c) {
    return absl::InvalidArgumentError(
        absl::StrCat(s.bn->Describe(), ": input does not have ", c, " channels on axis 1"));
  }
  int64_t outer = x.dims()[0], inner = x.num_elements() / (outer * c);
  absl::Span<const float> d = x.data<float>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t ch = 0; ch < c; ++ch) {
      const float* p = d.data() + (o * c + ch) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        s.sum[ch] += p[i];
        s.sum_sq[ch] += static_cast<double>(p[i]) * p[i];
      }
    }
  }
  s.count += outer * inner;
  return absl::OkStatus();
}

// One epoch: measure every BN input with the current statistics.
absl::Status MeasureEpoch(const Graph& g, const CalibrationData& data, std::vector<Stats>& stats) {
  absl::flat_hash_map<const Value*, std::vector<size_t>> by_input;
  for (size_t i = 0; i < stats.size(); ++i) by_input[stats[i].bn->input(0)].push_back(i);
  absl::Status error;
  auto take = [&](const Value& v, const Tensor& t) {
    auto it = by_input.find(&v);
    if (it == by_input.end()) return;
    for (size_t i : it->second) {
      absl::Status st = Accumulate(stats[i], t);
      if (error.ok()) error = st;
    }
  };
  Interpreter interp(g);
  interp.set_observer(take);
  for (int64_t i = 0; i < data.num_samples(); ++i) {
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> sample, data.Sample(i));
    for (size_t k = 0; k < sample.size(); ++k) take(*g.inputs()[k], sample[k]);
    QC_RETURN_IF_ERROR(interp.Run(sample).status());
    QC_RETURN_IF_ERROR(error);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<bool> UpdateBatchNormPass::Run(Graph& graph) {
  if (!options_.data) return absl::FailedPreconditionError("update_batch_norm needs data");
  std::vector<Stats> stats;
  for (Node* n : graph.nodes()) {
    if (!Updatable(*n)) continue;
    int64_t c = n->input(3)->initializer().num_elements();
    stats.push_back({n, std::vector<double>(c), std::vector<double>(c)});
  }
  if (stats.empty() || options_.epochs <= 0) return false;
  bool changed = false;
  for (int e = 0; e < options_.epochs; ++e) {
    for (Stats& s : stats) {
      std::fill(s.sum.begin(), s.sum.end(), 0.0);
      std::fill(s.sum_sq.begin(), s.sum_sq.end(), 0.0);
      s.count = 0;
    }
    QC_RETURN_IF_ERROR(MeasureEpoch(graph, *options_.data, stats));
    for (Stats& s : stats) {
      int64_t c = static_cast<int64_t>(s.sum.size());
      std::vector<float> mean(c), var(c);
      for (int64_t ch = 0; ch < c; ++ch) {
        double m = s.sum[ch] / static_cast<double>(s.count);
        mean[ch] = static_cast<float>(m);
        var[ch] = static_cast<float>(std::max(0.0, s.sum_sq[ch] / s.count - m * m));
      }
      Tensor mt = Tensor::FromVector<float>({c}, mean), vt = Tensor::FromVector<float>({c}, var);
      if (mt == s.bn->input(3)->initializer() && vt == s.bn->input(4)->initializer()) continue;
      s.bn->SetInput(3, graph.AddInitializer(s.bn->input(3)->name() + "_updated", mt));
      s.bn->SetInput(4, graph.AddInitializer(s.bn->input(4)->name() + "_updated", vt));
      changed = true;
    }
  }
  return changed;
}

}  // namespace quantc
