#include "ir/stats.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace quantc {
namespace {

std::optional<std::vector<int64_t>> Dims(const Value* v) {
  return v ? v->type().StaticDims() : std::nullopt;
}

// Counts saturate at INT64_MAX instead of wrapping: the IR does not
// promise that every static shape was checked (a library caller may build
// one), and a statistic must never be undefined behaviour.
constexpr int64_t kSaturated = INT64_MAX;

int64_t SatMul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? kSaturated : r;
}

int64_t SatAdd(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? kSaturated : r;
}

int64_t Product(const std::vector<int64_t>& d, size_t from = 0) {
  int64_t p = 1;
  for (size_t i = from; i < d.size(); ++i) p = SatMul(p, d[i]);
  return p;
}

// Conv family: every output element sums (C_in / group) * kernel products.
int64_t ConvMacs(const Node& n) {
  auto w = Dims(n.input(n.op_type() == "QLinearConv" ? 3 : 1));
  auto y = Dims(n.output(0));
  if (!w || !y || w->size() < 2) return -1;
  return SatMul(Product(*y), Product(*w, 1));
}

// ConvTranspose: every input element scatters into C_out/group * kernel.
int64_t ConvTransposeMacs(const Node& n) {
  auto x = Dims(n.input(0));
  auto w = Dims(n.input(1));
  if (!x || !w || w->size() < 2) return -1;
  return SatMul(Product(*x), Product(*w, 1));
}

// MatMul family: output elements times the reduced dimension.
int64_t MatMulMacs(const Node& n) {
  auto a = Dims(n.input(0));
  auto y = Dims(n.output(0));
  if (!a || !y || a->empty()) return -1;
  int64_t k = a->back();
  if (n.op_type() == "Gemm" && n.GetInt("transA", 0) && a->size() == 2) k = (*a)[0];
  return SatMul(Product(*y), k);
}

int64_t LayerMacsOf(const Node& n) {
  const absl::string_view op = n.op_type();  // compares lengths first
  if (op == "Conv" || op == "ConvInteger" || op == "QLinearConv") return ConvMacs(n);
  if (op == "ConvTranspose") return ConvTransposeMacs(n);
  if (op == "Gemm" || op == "MatMul" || op == "MatMulInteger" || op == "QLinearMatMul") {
    return MatMulMacs(n);
  }
  return -2;  // not a compute layer
}

// Reads the shape in place (every value is sized; a copy of its dims each
// would be an allocation per value).
int64_t ByteSize(const Value* v, int64_t& unknown) {
  const TensorType& t = v->type();
  const size_t elem = DTypeSize(t.dtype);
  bool known = t.shape.has_value() && elem != 0;
  int64_t p = 1;
  for (size_t i = 0; known && i < t.shape->size(); ++i) {
    const Dim& d = (*t.shape)[i];
    known = d.known();
    if (known) p = SatMul(p, d.value);
  }
  if (!known) {
    ++unknown;
    return 0;
  }
  return SatMul(p, static_cast<int64_t>(elem));
}

int64_t PeakActivationBytes(const Graph& g, int64_t& unknown) {
  // Last node index that reads each value; graph outputs live to the end.
  absl::flat_hash_map<const Value*, int> last_use;
  std::vector<const Node*> nodes;
  nodes.reserve(g.num_nodes());
  last_use.reserve(g.num_nodes() + g.inputs().size());
  for (const Node* n : g.nodes()) {
    int idx = static_cast<int>(nodes.size());
    nodes.push_back(n);
    for (const Value* in : n->inputs()) {
      if (in && !in->is_initializer()) last_use[in] = idx;
    }
  }
  for (const Value* out : g.outputs()) last_use[out] = static_cast<int>(nodes.size());
  std::vector<std::vector<const Value*>> frees(nodes.size() + 1);
  for (const auto& [v, idx] : last_use) frees[idx].push_back(v);
  int64_t live = 0, peak = 0;
  absl::flat_hash_map<const Value*, int64_t> sizes;
  sizes.reserve(g.num_nodes() + g.inputs().size());
  for (const Value* in : g.inputs()) live = SatAdd(live, sizes[in] = ByteSize(in, unknown));
  peak = live;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const Value* out : nodes[i]->outputs()) {
      if (out->name().empty()) continue;
      live = SatAdd(live, sizes[out] = ByteSize(out, unknown));
    }
    peak = std::max(peak, live);
    for (const Value* v : frees[i]) live -= sizes[v];
    // Outputs nobody reads are freed right after being produced.
    for (const Value* out : nodes[i]->outputs()) {
      if (!out->name().empty() && !last_use.contains(out)) live -= sizes[out];
    }
  }
  return peak;
}

}  // namespace

GraphStats ComputeStats(const Graph& g) {
  GraphStats s;
  for (const Value* v : g.initializers()) {
    s.parameters = SatAdd(s.parameters, v->initializer().num_elements());
    s.weight_bytes = SatAdd(s.weight_bytes, static_cast<int64_t>(v->initializer().num_bytes()));
  }
  // Counted by views of the nodes' op types first: the ordered map of
  // copied names is filled once per distinct op, not once per node.
  absl::flat_hash_map<absl::string_view, int64_t> default_ops;
  for (const Node* n : g.nodes()) {
    if (n->domain().empty()) {
      ++default_ops[n->op_type()];
    } else {
      ++s.op_histogram[n->domain() + "." + n->op_type()];
    }
    int64_t macs = LayerMacsOf(*n);
    if (macs == -2) continue;
    s.layers.push_back({n, macs});
    if (macs > 0) s.total_macs = SatAdd(s.total_macs, macs);
  }
  for (const auto& [op, count] : default_ops) s.op_histogram[std::string(op)] += count;
  s.peak_activation_bytes = PeakActivationBytes(g, s.unknown_size_values);
  return s;
}

}  // namespace quantc
