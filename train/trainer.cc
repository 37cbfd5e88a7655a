// The training loop (links libtorch): data batches, loss, optimizer, the
// epoch schedule, emitted-quantization syncs, checkpoints, and the final
// emission through the target's own stages.
#include "train/trainer.h"

#include <ATen/Parallel.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "absl/strings/str_cat.h"
#include "train/sim_model.h"
#include "train/stages.h"
#include "train/torch_ops.h"
#include "util/status_macros.h"

namespace quantc::train {
namespace {

// splitmix64: a fully specified generator, so shuffles do not depend on the
// standard library's distributions.
uint64_t Mix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The sample order of one epoch: a function of (seed, epoch) only, so a
// resumed run visits the same batches as an uninterrupted one.
std::vector<int64_t> Shuffle(int64_t n, uint64_t seed, int epoch) {
  std::vector<int64_t> p(n);
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  uint64_t s = seed * 0x100000001b3ULL + static_cast<uint64_t>(epoch) + 1;
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[Mix(s) % static_cast<uint64_t>(i + 1)]);
  return p;
}

class Loop {
 public:
  Loop(const TrainData& d, const TrainOptions& o, const TrainCallbacks& cb, Graph& g,
       QatPipeline& pipeline, SimModel& sim)
      : d_(d), o_(o), cb_(cb), g_(g), pipeline_(pipeline), sim_(sim) {
    x_ = ToTorch(d.x);
    y_ = ToTorch(d.y);
    if (d.val_x) {
      vx_ = ToTorch(*d.val_x);
      vy_ = ToTorch(*d.val_y);
    }
  }

  absl::StatusOr<TrainResult> Run();

 private:
  std::unique_ptr<torch::optim::Optimizer> MakeOptimizer() const;
  void SetLearningRate(torch::optim::Optimizer& opt, double lr) const;
  absl::Status TrainEpoch(int e, const EpochState& st, torch::optim::Optimizer& opt,
                          EpochReport& r);
  absl::Status Sync(bool final);
  at::Tensor LossOf(const at::Tensor& out, const at::Tensor& y) const;
  double Metric(const at::Tensor& x, const at::Tensor& y, bool fake_quant,
                at::Tensor* outputs = nullptr);
  std::vector<LayerSqnr> Sqnr(const at::Tensor& x);
  absl::Status SaveCheckpoint(int epochs_done, torch::optim::Optimizer& opt) const;
  absl::StatusOr<int> LoadCheckpoint(torch::optim::Optimizer& opt);
  std::string CheckpointPath() const { return o_.checkpoint_dir + "/checkpoint.pt"; }

  const TrainData& d_;
  const TrainOptions& o_;
  const TrainCallbacks& cb_;
  Graph& g_;
  QatPipeline& pipeline_;
  SimModel& sim_;
  at::Tensor x_, y_, vx_, vy_;
};

absl::Status Loop::Sync(bool final) {
  QC_RETURN_IF_ERROR(sim_.WriteBack());
  std::unique_ptr<Graph> copy = g_.Clone();
  double bc = final ? o_.bias_calibration : 0;
  QC_RETURN_IF_ERROR(RunPasses(pipeline_.Stages(bc, /*quiet=*/true).quantize, *copy));
  QC_RETURN_IF_ERROR(sim_.SetEmittedQParams(QuantizedTensors(*copy)));
  if (bc > 0) sim_.SetBiases(QuantizedBiases(*copy));
  return absl::OkStatus();
}

at::Tensor Loop::LossOf(const at::Tensor& out, const at::Tensor& y) const {
  if (o_.loss == Loss::kMse) return at::mse_loss(out.reshape(y.sizes()), y);
  return at::cross_entropy_loss(out.reshape({out.size(0), -1}), y);
}

double Loop::Metric(const at::Tensor& x, const at::Tensor& y, bool fake_quant, at::Tensor* outputs) {
  at::NoGradGuard no_grad;
  RunMode mode;
  mode.bn_frozen = mode.observers_frozen = true;
  mode.fake_quant = fake_quant;
  int64_t n = x.size(0), correct = 0;
  double sq = 0;
  std::vector<at::Tensor> all;
  for (int64_t i = 0; i < n; i += 256) {
    int64_t len = std::min<int64_t>(256, n - i);
    at::Tensor out = sim_.Forward(x.narrow(0, i, len), mode);
    if (outputs) all.push_back(out / sim_.OutputScale());
    at::Tensor t = y.narrow(0, i, len);
    if (o_.loss == Loss::kMse) {
      sq += (out.reshape(t.sizes()) - t).pow(2).sum().item<double>();
    } else {
      correct += out.reshape({len, -1}).argmax(1).eq(t).sum().item<int64_t>();
    }
  }
  if (outputs) *outputs = at::cat(all, 0);
  if (o_.loss == Loss::kMse) return sq / static_cast<double>(y.numel());
  return 100.0 * static_cast<double>(correct) / static_cast<double>(n);
}

std::vector<LayerSqnr> Loop::Sqnr(const at::Tensor& x) {
  at::NoGradGuard no_grad;
  std::vector<std::string> names = sim_.ObservedNames();
  std::vector<double> signal(names.size(), 0), noise(names.size(), 0);
  for (int64_t i = 0; i < x.size(0); i += 256) {
    at::Tensor b = x.narrow(0, i, std::min<int64_t>(256, x.size(0) - i));
    std::vector<at::Tensor> f, q;
    RunMode mode;
    mode.bn_frozen = mode.observers_frozen = true;
    mode.fake_quant = false;
    mode.observed = &f;
    sim_.Forward(b, mode);
    mode.fake_quant = true;
    mode.observed = &q;
    sim_.Forward(b, mode);
    for (size_t k = 0; k < names.size() && k < f.size() && k < q.size(); ++k) {
      signal[k] += f[k].pow(2).sum().item<double>();
      noise[k] += (f[k] - q[k]).pow(2).sum().item<double>();
    }
  }
  std::vector<LayerSqnr> out;
  for (size_t k = 0; k < names.size(); ++k) {
    double db = noise[k] == 0 ? std::numeric_limits<double>::infinity()
                              : 10 * std::log10(signal[k] / noise[k]);
    out.push_back({names[k], db});
  }
  return out;
}

absl::Status Loop::SaveCheckpoint(int epochs_done, torch::optim::Optimizer& opt) const {
  if (o_.checkpoint_dir.empty()) return absl::OkStatus();
  torch::serialize::OutputArchive a;
  a.write("epochs_done", at::tensor(static_cast<int64_t>(epochs_done)));
  a.write("fingerprint", c10::IValue(o_.fingerprint));
  std::vector<at::Tensor> params = sim_.Parameters(), state = sim_.State();
  for (size_t i = 0; i < params.size(); ++i) a.write(absl::StrCat("param", i), params[i].detach());
  for (size_t i = 0; i < state.size(); ++i) a.write(absl::StrCat("state", i), state[i]);
  torch::serialize::OutputArchive oa;
  opt.save(oa);
  a.write("optimizer", oa);
  // Atomic: a crash or Ctrl-C mid-write leaves the previous checkpoint.
  std::string tmp = CheckpointPath() + ".tmp";
  a.save_to(tmp);
  if (std::rename(tmp.c_str(), CheckpointPath().c_str()) != 0) {
    return absl::InternalError(absl::StrCat(CheckpointPath(), ": cannot write the checkpoint"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Loop::LoadCheckpoint(torch::optim::Optimizer& opt) {
  torch::serialize::InputArchive a;
  a.load_from(CheckpointPath());
  c10::IValue fp;
  a.read("fingerprint", fp);
  if (!fp.isString() || fp.toStringRef() != o_.fingerprint) {
    return absl::InvalidArgumentError(absl::StrCat(
        CheckpointPath(), ": made for a different model, data or training flags; --resume "
                          "needs the same ones (or start without --resume)"));
  }
  at::Tensor done;
  a.read("epochs_done", done);
  std::vector<at::Tensor> params = sim_.Parameters(), state = sim_.State();
  {
    at::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) {
      at::Tensor t;
      a.read(absl::StrCat("param", i), t);
      params[i].copy_(t);
    }
  }
  for (size_t i = 0; i < state.size(); ++i) a.read(absl::StrCat("state", i), state[i]);
  sim_.LoadState(state);
  torch::serialize::InputArchive oa;
  a.read("optimizer", oa);
  opt.load(oa);
  return static_cast<int>(done.item<int64_t>());
}

std::unique_ptr<torch::optim::Optimizer> Loop::MakeOptimizer() const {
  std::vector<at::Tensor> params = sim_.Parameters();
  if (o_.optimizer == Optimizer::kAdam) {
    return std::make_unique<torch::optim::Adam>(
        params, torch::optim::AdamOptions(o_.lr).weight_decay(o_.weight_decay));
  }
  return std::make_unique<torch::optim::SGD>(
      params, torch::optim::SGDOptions(o_.lr).momentum(o_.momentum).weight_decay(o_.weight_decay));
}

void Loop::SetLearningRate(torch::optim::Optimizer& opt, double lr) const {
  for (auto& group : opt.param_groups()) {
    if (o_.optimizer == Optimizer::kAdam) {
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    } else {
      static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
    }
  }
}

// One pass over the training data in this epoch's order; fills the
// report's loss, training metric and time.
absl::Status Loop::TrainEpoch(int e, const EpochState& st, torch::optim::Optimizer& opt,
                              EpochReport& r) {
  const int64_t n = x_.size(0);
  const int64_t batches = (n + o_.batch_size - 1) / o_.batch_size;
  at::Tensor perm = ToTorch(Tensor::FromVector<int64_t>({n}, Shuffle(n, o_.seed, e)));
  RunMode mode;
  mode.training = true;
  mode.bn_frozen = st.bn_frozen;
  mode.observers_frozen = st.observers_frozen;
  double loss_sum = 0, metric_sum = 0;
  int64_t seen = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int64_t b = 0; b < batches; ++b) {
    int64_t len = std::min(o_.batch_size, n - b * o_.batch_size);
    if (len < 2 && b > 0) break;  // batch statistics need two samples
    at::Tensor idx = perm.narrow(0, b * o_.batch_size, len);
    at::Tensor xb = x_.index_select(0, idx), yb = y_.index_select(0, idx);
    const std::string where = absl::StrCat(" in epoch ", e + 1, " (batch ", b + 1, " of ", batches,
                                           "); nothing was written; a lower --lr (now ", o_.lr,
                                           ") usually helps");
    at::Tensor out, loss;
    double l = 0;
    try {
      out = sim_.Forward(xb, mode);
      loss = LossOf(out, yb);
      l = loss.item<double>();
    } catch (const c10::Error& err) {
      return absl::InvalidArgumentError(
          absl::StrCat("training diverged (", err.what_without_backtrace(), ")", where));
    }
    if (!std::isfinite(l)) {
      return absl::InvalidArgumentError(absl::StrCat("the training loss became ", l, where));
    }
    opt.zero_grad();
    loss.backward();
    opt.step();
    loss_sum += l * static_cast<double>(len);
    metric_sum += o_.loss == Loss::kMse
                      ? l * static_cast<double>(len)
                      : 100.0 * out.detach().reshape({len, -1}).argmax(1).eq(yb).sum().item<double>();
    seen += len;
    if (cb_.on_batch) cb_.on_batch(e + 1, b + 1, batches);
    if (o_.interrupted && o_.interrupted->load()) {
      return absl::CancelledError(absl::StrCat("interrupted in epoch ", e + 1, " of ", o_.epochs));
    }
  }
  r.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  r.loss = loss_sum / static_cast<double>(seen);
  r.train_metric = metric_sum / static_cast<double>(seen);
  return absl::OkStatus();
}

absl::StatusOr<TrainResult> Loop::Run() {
  TrainResult result;
  std::unique_ptr<torch::optim::Optimizer> opt = MakeOptimizer();
  int start = 0;
  if (o_.resume) {
    QC_ASSIGN_OR_RETURN(start, LoadCheckpoint(*opt));
  }
  const bool has_val = vx_.defined();
  auto report = [&](const EpochReport& r) {
    result.epochs.push_back(r);
    if (cb_.on_epoch) cb_.on_epoch(r);
  };
  if (start == 0) {
    // Epoch 0: the calibrated (PTQ) model as it would be emitted.
    QC_RETURN_IF_ERROR(Sync(false));
    EpochReport r;
    r.train_metric = Metric(x_, y_, true);
    if (has_val) r.val_metric = Metric(vx_, vy_, true);
    report(r);
  }
  for (int e = start; e < o_.epochs; ++e) {
    EpochState st = StateAt(e, o_.epochs, o_.bn_update, o_.observer_update);
    EpochReport r;
    r.epoch = e + 1;
    r.lr = LearningRate(o_.lr_schedule, o_.lr, e, o_.epochs);
    r.bn_frozen = st.bn_frozen;
    r.observers_frozen = st.observers_frozen;
    SetLearningRate(*opt, r.lr);
    // Frozen ranges: train against the quantization that will be emitted.
    if (st.observers_frozen) QC_RETURN_IF_ERROR(Sync(false));
    QC_RETURN_IF_ERROR(TrainEpoch(e, st, *opt, r));
    if (has_val) {
      QC_RETURN_IF_ERROR(Sync(false));
      r.val_metric = Metric(vx_, vy_, true);
    }
    report(r);
    QC_RETURN_IF_ERROR(SaveCheckpoint(e + 1, *opt));
  }
  // Everything frozen (TI's convert()): the quantization to emit, then the
  // model as the simulation will report it.
  QC_RETURN_IF_ERROR(Sync(true));
  const at::Tensor& ex = has_val ? vx_ : x_;
  const at::Tensor& ey = has_val ? vy_ : y_;
  at::Tensor outputs;
  result.fake_quant_metric = Metric(ex, ey, true, &outputs);
  result.fake_quant_outputs = FromTorch(outputs);
  result.sqnr = Sqnr(ex);
  QC_RETURN_IF_ERROR(sim_.WriteBack());
  return result;
}

}  // namespace

absl::StatusOr<TrainResult> Train(std::unique_ptr<Graph> model, const TrainData& data,
                                  const TrainOptions& options, const TrainCallbacks& callbacks) {
  try {
    at::set_num_threads(options.threads);
    at::globalContext().setDeterministicAlgorithms(true, false);
    if (model->inputs().size() != 1) {
      return absl::UnimplementedError(absl::StrCat("quantc train handles models with one input; this one has ",
                                                   model->inputs().size()));
    }
    QC_ASSIGN_OR_RETURN(CalibrationData calib, CalibrationData::FromTensors(*model, {data.x}, {"--train"}));
    std::vector<FoldedBatchNorm> folds;
    std::vector<Diagnostic> log;
    QatPipeline pipeline(options, &calib, &folds, &log);
    // Calibrate: the PTQ start (and the BN fold records).
    QC_RETURN_IF_ERROR(RunPasses(pipeline.Stages(0).calibrate, *model));
    // Emit once before training: a model the target cannot take fails now,
    // not after the last epoch.
    {
      std::unique_ptr<Graph> copy = model->Clone();
      QuantizeStages s = pipeline.Stages(0, /*quiet=*/true);
      absl::Status st = RunPasses(std::move(s.quantize), *copy);
      if (st.ok()) st = RunPasses(std::move(s.lower), *copy);
      if (!st.ok()) return st;
    }
    log.clear();
    SimOptions so;
    so.target = options.target;
    so.activations = pipeline.activations();
    so.weight_bits = options.weight_bits;
    so.weight_power2 = pipeline.weight_power2();
    so.output_int = options.output_int;
    QC_ASSIGN_OR_RETURN(std::unique_ptr<SimModel> sim, SimModel::Build(*model, std::move(folds), so));
    Loop loop(data, options, callbacks, *model, pipeline, *sim);
    QC_ASSIGN_OR_RETURN(TrainResult result, loop.Run());
    QuantizeStages s = pipeline.Stages(0);  // biases were corrected in the final sync
    QC_RETURN_IF_ERROR(RunPasses(std::move(s.quantize), *model));
    QC_RETURN_IF_ERROR(RunPasses(std::move(s.lower), *model));
    result.emitted = std::move(model);
    result.log = std::move(log);
    return result;
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(absl::StrCat("training failed: ", e.what_without_backtrace()));
  }
}

}  // namespace quantc::train
