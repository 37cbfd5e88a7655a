// calibrate: runs the float model on calibration data and records each
// observer's statistics as attributes, so the IR carries everything the
// next passes need (and --print-ir-after=calibrate shows it).
//
//   Before:  %r_obs = quantc.Observe(%r)
//   After:   %r_obs = quantc.Observe(%r) {minmax=[0, 6.31], observer="minmax", range=[0, 6.31]}
//
// The model runs on a copy without the observers (CloneWithoutObservers),
// so the interpreter sees only ONNX ops. Samples are fed one at a time (the
// shape the model was exported with); every observer buffers its tensor's values for `batch`
// samples and then updates once, so stateful observers (EMA) step once per
// batch, as in PyTorch's calibration loops. Memory holds one batch of
// observed values plus one sample's live activations, independent of N.
// Observers marked inherit=1 need no statistics: insert_qdq copies their
// input's parameters. Outputs of Softmax, Sigmoid, Tanh and HardSigmoid
// always use the observed min/max, whatever the observer: they are confined
// to a known interval and their extreme values are the signal, not
// outliers. (LogSoftmax is not: it is unbounded below, and its very
// negative values are the outliers of unlikely classes.)
#include "passes/calibrate.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ir/interpreter.h"
#include "passes/insert_observers.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

struct Watch {
  Node* node;                      // observer node in the real graph
  std::unique_ptr<Observer> observer;
  std::vector<float> buffer;       // this batch's values
};

absl::Status Flush(Watch& w) {
  if (w.buffer.empty()) return absl::OkStatus();
  absl::Status st = w.observer->Observe(w.buffer);
  w.buffer.clear();
  if (!st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("calibration: tensor '", w.node->input(0)->name(),
                                                   "': ", st.message()));
  }
  return absl::OkStatus();
}

bool IsBoundedOutput(const Value& v) {
  const Node* p = v.producer();
  if (!p || !p->domain().empty()) return false;
  const std::string& op = p->op_type();
  return op == "Softmax" || op == "Sigmoid" || op == "Tanh" || op == "HardSigmoid";
}

void Append(Watch& w, const Tensor& t) {
  absl::Span<const float> d = t.data<float>();
  w.buffer.insert(w.buffer.end(), d.begin(), d.end());
}

}  // namespace

absl::StatusOr<bool> CalibratePass::Run(Graph& graph) {
  if (!options_.data) return absl::FailedPreconditionError("calibrate needs calibration data");
  // Run on a copy without observers; it keeps every value name.
  std::unique_ptr<Graph> plain = CloneWithoutObservers(graph);
  std::vector<Watch> watches;
  absl::flat_hash_map<const Value*, size_t> watched;
  for (Node* n : graph.nodes()) {
    if (!IsObserver(*n) || n->GetInt("inherit", 0)) continue;
    watched[plain->FindValue(n->input(0)->name())] = watches.size();
    watches.push_back({n, MakeObserver(options_.observer, options_.observer_options), {}});
  }
  if (watches.empty()) return false;
  Interpreter interp(*plain);
  interp.set_observer([&](const Value& v, const Tensor& t) {
    auto it = watched.find(&v);
    if (it != watched.end()) Append(watches[it->second], t);
  });
  const CalibrationData& data = *options_.data;
  int64_t total = data.num_samples() * options_.epochs;
  int64_t done = 0;
  for (int e = 0; e < options_.epochs; ++e) {
    for (int64_t i = 0; i < data.num_samples(); ++i) {
      QC_ASSIGN_OR_RETURN(std::vector<Tensor> sample, data.Sample(i));
      for (size_t k = 0; k < sample.size(); ++k) {
        auto it = watched.find(plain->inputs()[k]);
        if (it != watched.end()) Append(watches[it->second], sample[k]);
      }
      absl::StatusOr<std::vector<Tensor>> out = interp.Run(sample);
      if (!out.ok()) {
        return absl::Status(out.status().code(), absl::StrCat("calibration sample ", i, ": ",
                                                              out.status().message()));
      }
      ++done;
      if (done % options_.batch == 0 || i + 1 == data.num_samples()) {
        for (Watch& w : watches) QC_RETURN_IF_ERROR(Flush(w));
        if (options_.progress) options_.progress(done, total);
      }
    }
  }
  for (Watch& w : watches) {
    if (w.observer->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          w.node->Describe(), ": tensor '", w.node->input(0)->name(), "' was never computed"));
    }
    auto [lo, hi] = w.observer->MinMax();
    auto [rlo, rhi] = w.observer->Range(options_.scheme);
    if (IsBoundedOutput(*w.node->input(0))) {
      // Outputs confined to a known interval (probabilities, tanh) carry
      // their information at the extremes: clipping the few values near 1
      // (what outlier-trimming observers do) destroys the top class.
      rlo = std::min(lo, 0.0f);
      rhi = std::max(hi, 0.0f);
    }
    w.node->SetAttr(Attribute::String("observer", std::string(ObserverKindName(options_.observer))));
    w.node->SetAttr(Attribute::Floats("minmax", {lo, hi}));
    w.node->SetAttr(Attribute::Floats("range", {rlo, rhi}));
  }
  return true;
}

}  // namespace quantc
