// IncrementalEvaluator (see the header).
//
// Fingerprints. fp(graph input k) = H("input", k); fp(initializer) =
// H(dtype, dims, bytes); fp(output j of node n) = H(op, domain, attributes,
// fp(inputs), j). Two values with equal fingerprints are computed by the
// same ops from the same data, so they are equal sample for sample (the
// kernels are deterministic). Content hashes are memoized per buffer while
// the graphs that hold it are alive (the memo keeps the buffer, so its
// address is never reused for other bytes while remembered).
//
// One call. From `target`, walk back through producers until values are
// available (an initializer, a graph input, a constant or a kept value):
// those nodes run, constant ones (inputs all constant) once, the others per
// sample in graph order. A result is kept when something outside this walk
// reads it, when it is the target, or when it feeds the target's producer
// (bias correction's next graph recomputes that layer with a new bias).
//
// Memory. Kept values hold every sample: in memory while the total stays
// under the budget, else appended to an unlinked temporary file and read
// back one sample at a time. Prune drops what no uncomputed node reads.
#include "passes/incremental_eval.h"

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ir/interpreter.h"
#include "ir/kernels/kernel.h"
#include "util/status_macros.h"

namespace quantc {

using Fp = uint64_t;

class IncrementalEvaluator::Impl {
 public:
  Impl(const CalibrationData& data, int64_t budget) : data_(data), budget_(budget) {}
  ~Impl() {
    if (file_) std::fclose(file_);
  }

  absl::Status ForEachSample(const Graph& g, const Value* target,
                             const std::function<absl::Status(const Tensor&)>& each);
  void Prune(const Graph& g, const Node* changing);

  int64_t bytes_in_memory = 0;
  int64_t bytes_on_disk = 0;
  int64_t node_evaluations = 0;

 private:
  // One kept value: every sample's tensor, same dtype and dims.
  struct Entry {
    DType dtype = DType::kUndefined;
    std::vector<int64_t> dims;
    size_t sample_bytes = 0;
    bool on_disk = false;
    std::vector<Tensor> memory;         // per sample (shared buffers, no copy)
    std::vector<int64_t> offsets;       // per sample, in the file
    int64_t count = 0;                  // samples stored so far
  };

  Fp TensorFp(const Tensor& t);
  Fp AttributeFp(const Attribute& a);
  void Fingerprint(const Graph& g);
  bool Available(const Value* v) const;
  absl::Status Append(Entry& e, int64_t sample, const Tensor& t);  // t: shared, not copied
  void Drop(const Entry& e);
  absl::StatusOr<Tensor> Load(const Entry& e, int64_t sample);

  const CalibrationData& data_;
  int64_t budget_;
  std::FILE* file_ = nullptr;
  int64_t file_end_ = 0;
  absl::flat_hash_map<const Value*, Fp> fp_;     // for the current graph
  const Graph* fp_graph_ = nullptr;               // the graph fp_ describes
  absl::flat_hash_map<Fp, Entry> kept_;          // per-sample values
  absl::flat_hash_map<Fp, Tensor> constants_;    // sample-independent values
  absl::flat_hash_set<Fp> done_;                 // every computation evaluated
  // Content hash per buffer; the Tensor keeps the buffer alive.
  absl::flat_hash_map<const char*, std::pair<Fp, Tensor>> tensor_fp_;
};

Fp IncrementalEvaluator::Impl::TensorFp(const Tensor& t) {
  const char* raw = t.raw();
  if (raw != nullptr) {
    auto it = tensor_fp_.find(raw);
    if (it != tensor_fp_.end() && it->second.second.num_bytes() == t.num_bytes() &&
        it->second.second.dtype() == t.dtype() && it->second.second.dims() == t.dims()) {
      return it->second.first;
    }
  }
  const Fp h = absl::HashOf(static_cast<int>(t.dtype()), t.dims(),
                            absl::string_view(raw ? raw : "", t.num_bytes()));
  if (raw != nullptr) tensor_fp_[raw] = {h, t};
  return h;
}

Fp IncrementalEvaluator::Impl::AttributeFp(const Attribute& a) {
  Fp h = absl::HashOf(a.name, static_cast<int>(a.kind), a.i, a.s, a.ints, a.strings);
  // Float bits, not values: -0 and 0 (and NaN payloads) stay distinct.
  std::vector<uint32_t> bits(a.floats.size() + 1);
  std::memcpy(bits.data(), &a.f, sizeof(float));
  if (!a.floats.empty()) std::memcpy(bits.data() + 1, a.floats.data(), a.floats.size() * 4);
  h = absl::HashOf(h, bits);
  if (a.kind == Attribute::Kind::kTensor) h = absl::HashOf(h, TensorFp(a.t));
  for (const Tensor& t : a.tensors) h = absl::HashOf(h, TensorFp(t));
  return h;
}

void IncrementalEvaluator::Impl::Fingerprint(const Graph& g) {
  if (&g == fp_graph_) return;  // unchanged since the last call (see the header)
  fp_graph_ = &g;
  fp_.clear();
  for (size_t k = 0; k < g.inputs().size(); ++k) fp_[g.inputs()[k]] = absl::HashOf("input", k);
  for (const Value* v : g.initializers()) fp_[v] = absl::HashOf("constant", TensorFp(v->initializer()));
  for (const Node* n : g.nodes()) {
    Fp h = absl::HashOf(n->op_type(), n->domain(), g.opset());
    for (const Attribute& a : n->attributes()) h = absl::HashOf(h, AttributeFp(a));
    for (const Value* in : n->inputs()) {
      auto it = in ? fp_.find(in) : fp_.end();
      h = absl::HashOf(h, it == fp_.end() ? Fp{0} : it->second);
    }
    for (int j = 0; j < n->num_outputs(); ++j) fp_[n->output(j)] = absl::HashOf(h, j);
  }
}

bool IncrementalEvaluator::Impl::Available(const Value* v) const {
  if (v == nullptr || v->is_initializer() || v->is_graph_input()) return true;
  const Fp f = fp_.at(v);
  return kept_.contains(f) || constants_.contains(f);
}

absl::Status IncrementalEvaluator::Impl::Append(Entry& e, int64_t sample, const Tensor& t) {
  if (e.count == 0) {
    e.dtype = t.dtype();
    e.dims = t.dims();
    e.sample_bytes = t.num_bytes();
    const int64_t total = static_cast<int64_t>(e.sample_bytes) * data_.num_samples();
    e.on_disk = bytes_in_memory + total > budget_;
    if (!e.on_disk) {
      e.memory.reserve(static_cast<size_t>(data_.num_samples()));
      bytes_in_memory += total;
    }
  }
  if (sample != e.count || t.dtype() != e.dtype || t.dims() != e.dims) {
    return absl::FailedPreconditionError("a value changed shape between calibration samples");
  }
  if (!e.on_disk) {
    e.memory.push_back(t);
  } else {
    if (!file_ && !(file_ = std::tmpfile())) {
      return absl::ResourceExhaustedError("cannot create a temporary file for kept activations");
    }
    if (std::fseek(file_, file_end_, SEEK_SET) != 0 ||
        std::fwrite(t.raw(), 1, e.sample_bytes, file_) != e.sample_bytes) {
      return absl::ResourceExhaustedError("cannot write kept activations to a temporary file");
    }
    e.offsets.push_back(file_end_);
    file_end_ += static_cast<int64_t>(e.sample_bytes);
    bytes_on_disk += static_cast<int64_t>(e.sample_bytes);
  }
  ++e.count;
  return absl::OkStatus();
}

void IncrementalEvaluator::Impl::Drop(const Entry& e) {
  if (e.count == 0) return;
  if (e.on_disk) {
    bytes_on_disk -= static_cast<int64_t>(e.sample_bytes) * e.count;
  } else {
    bytes_in_memory -= static_cast<int64_t>(e.sample_bytes) * data_.num_samples();
  }
}

absl::StatusOr<Tensor> IncrementalEvaluator::Impl::Load(const Entry& e, int64_t sample) {
  if (!e.on_disk) return e.memory[static_cast<size_t>(sample)];
  Tensor t(e.dtype, e.dims);
  if (e.sample_bytes == 0) return t;
  std::fflush(file_);
  if (std::fseek(file_, e.offsets[static_cast<size_t>(sample)], SEEK_SET) != 0 ||
      std::fread(t.mutable_raw(), 1, e.sample_bytes, file_) != e.sample_bytes) {
    return absl::DataLossError("cannot read kept activations back from a temporary file");
  }
  return t;
}

absl::Status IncrementalEvaluator::Impl::ForEachSample(
    const Graph& g, const Value* target, const std::function<absl::Status(const Tensor&)>& each) {
  Fingerprint(g);
  // The nodes to run: back from the target to available values.
  absl::flat_hash_set<const Node*> needed;
  std::vector<const Node*> stack;
  if (!Available(target)) stack.push_back(target->producer());
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (!needed.insert(n).second) continue;
    for (const Value* in : n->inputs()) {
      if (!Available(in)) stack.push_back(in->producer());
    }
  }
  std::vector<const Node*> per_sample;
  absl::flat_hash_set<Fp> keep;  // outputs of this walk to keep for later calls
  const Node* layer = target->producer();
  for (const Node* n : g.nodes()) {
    if (!needed.contains(n)) continue;
    bool constant = true;
    for (const Value* in : n->inputs()) {
      constant = constant && (in == nullptr || in->is_initializer() ||
                              (!in->is_graph_input() && constants_.contains(fp_.at(in))));
    }
    if (constant) {
      std::vector<const Tensor*> args;
      for (const Value* in : n->inputs()) {
        args.push_back(in == nullptr ? nullptr
                       : in->is_initializer() ? &in->initializer()
                                              : &constants_.at(fp_.at(in)));
      }
      QC_ASSIGN_OR_RETURN(std::vector<Tensor> outs, EvaluateNode(*n, args, g.opset()));
      ++node_evaluations;
      for (int j = 0; j < n->num_outputs(); ++j) {
        constants_[fp_.at(n->output(j))] = std::move(outs[j]);
        done_.insert(fp_.at(n->output(j)));
      }
      continue;
    }
    per_sample.push_back(n);
    for (const Value* out : n->outputs()) {
      bool outside = out == target;
      for (const Use& u : out->uses()) outside = outside || !needed.contains(u.user) || u.user == layer;
      if (outside && !out->name().empty()) keep.insert(fp_.at(out));
    }
  }
  absl::flat_hash_map<const Value*, int> input_index;
  for (size_t k = 0; k < g.inputs().size(); ++k) input_index[g.inputs()[k]] = static_cast<int>(k);
  // Per node: kernel state (packed weights) shared by its per-sample runs,
  // valid because its constant inputs stay the same tensors for this call.
  std::vector<std::unique_ptr<kernels::KernelState>> states(per_sample.size());
  std::vector<std::vector<bool>> constant(per_sample.size());
  for (size_t i = 0; i < per_sample.size(); ++i) {
    for (const Value* in : per_sample[i]->inputs()) {
      constant[i].push_back(in != nullptr && (in->is_initializer() ||
                                              (!in->is_graph_input() &&
                                               constants_.contains(fp_.at(in)))));
    }
  }
  absl::Status st = absl::OkStatus();
  for (int64_t s = 0; s < data_.num_samples() && st.ok(); ++s) {
    // Read only when a node reads a graph input: most calls start from
    // kept values.
    std::optional<std::vector<Tensor>> sample;
    // Pointers into env must survive later insertions (args of one node).
    absl::node_hash_map<const Value*, Tensor> env;
    // A value this walk did not compute: constant, graph input or kept.
    auto resolve = [&](const Value* v) -> absl::StatusOr<const Tensor*> {
      if (v == nullptr) return nullptr;
      if (auto it = env.find(v); it != env.end()) return &it->second;
      if (v->is_initializer()) return &v->initializer();
      if (v->is_graph_input()) {
        if (!sample) {
          QC_ASSIGN_OR_RETURN(sample, data_.Sample(s));
        }
        return &(*sample)[static_cast<size_t>(input_index.at(v))];
      }
      const Fp f = fp_.at(v);
      if (auto c = constants_.find(f); c != constants_.end()) return &c->second;
      auto k = kept_.find(f);
      if (k == kept_.end()) return absl::InternalError(absl::StrCat("value '", v->name(), "' lost"));
      QC_ASSIGN_OR_RETURN(Tensor t, Load(k->second, s));
      return &(env[v] = std::move(t));
    };
    for (size_t i = 0; i < per_sample.size(); ++i) {
      const Node* n = per_sample[i];
      std::vector<const Tensor*> args;
      for (const Value* in : n->inputs()) {
        QC_ASSIGN_OR_RETURN(const Tensor* t, resolve(in));
        args.push_back(t);
      }
      QC_ASSIGN_OR_RETURN(std::vector<Tensor> outs,
                          EvaluateNode(*n, args, g.opset(), &states[i], &constant[i]));
      ++node_evaluations;
      for (int j = 0; j < n->num_outputs(); ++j) {
        const Value* out = n->output(j);
        if (out->name().empty()) continue;
        const Fp f = fp_.at(out);
        if (keep.contains(f)) st.Update(Append(kept_[f], s, outs[j]));
        env[out] = std::move(outs[j]);
      }
    }
    QC_ASSIGN_OR_RETURN(const Tensor* t, resolve(target));
    st.Update(each(*t));
  }
  for (const Node* n : per_sample) {
    for (const Value* out : n->outputs()) {
      if (!out->name().empty()) done_.insert(fp_.at(out));
    }
  }
  if (!st.ok()) {
    for (Fp f : keep) {  // partly filled
      if (auto it = kept_.find(f); it != kept_.end()) {
        Drop(it->second);
        kept_.erase(it);
      }
    }
    done_.clear();
  }
  return st;
}

void IncrementalEvaluator::Impl::Prune(const Graph& g, const Node* changing) {
  Fingerprint(g);
  absl::flat_hash_set<Fp> wanted, present;
  for (const Node* n : g.nodes()) {
    bool computed = n != changing;
    for (const Value* out : n->outputs()) {
      present.insert(fp_.at(out));
      computed = computed && (out->name().empty() || done_.contains(fp_.at(out)));
    }
    if (computed) continue;
    for (const Value* in : n->inputs()) {
      if (in) wanted.insert(fp_.at(in));
    }
  }
  absl::erase_if(kept_, [&](const auto& k) {
    if (wanted.contains(k.first)) return false;
    Drop(k.second);
    return true;
  });
  // The file only grows; start over once nothing in it is wanted.
  if (bytes_on_disk == 0) file_end_ = 0;
  absl::erase_if(constants_, [&](const auto& c) { return !present.contains(c.first); });
  absl::flat_hash_set<const char*> buffers;
  for (const Value* v : g.initializers()) buffers.insert(v->initializer().raw());
  for (const Node* n : g.nodes()) {
    for (const Attribute& a : n->attributes()) {
      if (a.kind == Attribute::Kind::kTensor) buffers.insert(a.t.raw());
    }
  }
  absl::erase_if(tensor_fp_, [&](const auto& t) { return !buffers.contains(t.first); });
  fp_graph_ = nullptr;  // the next graph may reuse this one's address
}

IncrementalEvaluator::IncrementalEvaluator(const CalibrationData& data, int64_t memory_budget)
    : impl_(std::make_unique<Impl>(data, memory_budget)) {}
IncrementalEvaluator::~IncrementalEvaluator() = default;

absl::Status IncrementalEvaluator::ForEachSample(
    const Graph& g, const Value* target, const std::function<absl::Status(const Tensor&)>& each) {
  return impl_->ForEachSample(g, target, each);
}

void IncrementalEvaluator::Prune(const Graph& g, const Node* changing) {
  impl_->Prune(g, changing);
}

int64_t IncrementalEvaluator::bytes_in_memory() const { return impl_->bytes_in_memory; }
int64_t IncrementalEvaluator::bytes_on_disk() const { return impl_->bytes_on_disk; }
int64_t IncrementalEvaluator::node_evaluations() const { return impl_->node_evaluations; }

}  // namespace quantc
