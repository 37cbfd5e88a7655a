#include "tests/tinpu/bounds.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace quantc::tinpu {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Magnitude bound of a tensor: one value, or one per channel (axis 1).
struct Bound {
  std::vector<double> ch{kInf};
  bool float_domain = false;  // computed from the float graph input

  double At(size_t i) const { return ch.size() == 1 ? ch[0] : ch[i]; }
  double Max() const { return *std::max_element(ch.begin(), ch.end()); }
};

Bound Uniform(double v, bool float_domain = false) { return Bound{{v}, float_domain}; }

// Elementwise combination of two bounds.
template <typename Fn>
Bound Combine(const Bound& a, const Bound& b, Fn fn) {
  Bound r;
  r.float_domain = a.float_domain || b.float_domain;
  if (a.ch.size() == b.ch.size() || a.ch.size() == 1 || b.ch.size() == 1) {
    size_t n = std::max(a.ch.size(), b.ch.size());
    r.ch.assign(n, 0);
    for (size_t i = 0; i < n; ++i) r.ch[i] = fn(a.At(i), b.At(i));
  } else {
    r.ch = {fn(a.Max(), b.Max())};
  }
  return r;
}

std::vector<double> AbsValues(const Tensor& t) {
  std::vector<double> v(t.num_elements());
  for (int64_t i = 0; i < t.num_elements(); ++i) v[i] = std::fabs(t.GetAsDouble(i));
  return v;
}

// |c| of a constant operand, per channel of `out` when c varies only along
// axis 1, else its largest element.
Bound ConstantBound(const Value* c, const Value* out) {
  const Tensor& t = c->initializer();
  std::vector<double> v = AbsValues(t);
  if (v.empty()) return Uniform(0);
  if (v.size() == 1) return Uniform(v[0]);
  auto od = out->type().StaticDims();
  if (od && od->size() >= 2 && t.rank() <= static_cast<int64_t>(od->size())) {
    size_t lead = od->size() - t.rank();  // right alignment
    bool per_channel = lead <= 1;
    for (int64_t d = 0; d < t.rank() && per_channel; ++d) {
      bool is_channel_axis = lead + d == 1;
      per_channel = is_channel_axis ? t.dims()[d] == (*od)[1] : t.dims()[d] == 1;
    }
    if (per_channel) return Bound{v, false};
  }
  return Uniform(*std::max_element(v.begin(), v.end()));
}

std::vector<int64_t> DimsOf(const Value* v) {
  auto d = v->type().StaticDims();
  return d ? *d : std::vector<int64_t>{};
}

class Analysis {
 public:
  explicit Analysis(const Graph& g) : g_(g) {}

  absl::StatusOr<std::vector<NodePeak>> Run() {
    std::vector<NodePeak> peaks;
    for (const Node* n : g_.nodes()) {
      double peak = 0;
      auto b = Visit(*n, &peak);
      if (!b.ok()) {
        return absl::Status(b.status().code(),
                            absl::StrCat(n->Describe(), ": ", b.status().message()));
      }
      if (b->float_domain) peak = 0;
      peaks.push_back(NodePeak{n->Describe(), peak});
      bounds_[n->output(0)] = *b;
    }
    return peaks;
  }

 private:
  Bound Of(const Value* v) {
    if (v->is_initializer()) {
      std::vector<double> a = AbsValues(v->initializer());
      return Uniform(a.empty() ? 0 : *std::max_element(a.begin(), a.end()));
    }
    if (v->is_graph_input()) return Uniform(kInf, true);
    return bounds_.at(v);
  }

  // The node's output bound; *peak receives its float32 magnitude.
  absl::StatusOr<Bound> Visit(const Node& n, double* peak) {
    const std::string& op = n.op_type();
    const Value* out = n.output(0);
    Bound r;
    if (op == "Add" || op == "Mul") {
      const Value* a = n.input(0);
      const Value* b = n.input(1);
      const Value* c = b->is_initializer() ? b : (a->is_initializer() ? a : nullptr);
      const Value* x = c == b ? a : b;
      Bound bx = Of(c ? x : a);
      Bound bc = c ? ConstantBound(c, out) : Of(b);
      if (op == "Add") {
        r = Combine(bx, bc, [](double p, double q) { return p + q; });
        *peak = r.Max();
      } else {
        r = Combine(bx, bc, [](double p, double q) { return p * q; });
        // A Mul by 2^-k keeps the numerator: the float holds bx's integers.
        Bound held = Combine(bx, bc, [](double p, double q) { return p * std::max(q, 1.0); });
        *peak = held.Max();
      }
      r.float_domain = bx.float_domain || (!c && bc.float_domain);
      return r;
    }
    if (op == "Floor" || op == "Round") {
      r = Of(n.input(0));
      for (double& v : r.ch) v = std::ceil(v + (op == "Round" ? 0.5 : 0));
      *peak = r.float_domain ? 0 : r.Max();
      r.float_domain = false;
      return r;
    }
    if (op == "Clip") {
      r = Of(n.input(0));
      double lo = kInf, hi = kInf;
      if (g_.opset() >= 11) {
        if (n.input(1)) lo = Of(n.input(1)).Max();
        if (n.input(2)) hi = Of(n.input(2)).Max();
      } else if (n.FindAttr("min") && n.FindAttr("max")) {
        lo = std::fabs(n.GetFloat("min", 0));
        hi = std::fabs(n.GetFloat("max", 0));
      }
      for (double& v : r.ch) v = std::min(v, std::max(lo, hi));
      r.float_domain = false;
      *peak = r.Max();
      return r;
    }
    if (op == "Relu" || op == "MaxPool") {
      r = Of(n.input(0));
      *peak = r.Max();
      return r;
    }
    if (op == "AveragePool") {
      r = Of(n.input(0));
      int64_t k = 1;
      for (int64_t d : n.GetInts("kernel_shape")) k *= d;
      *peak = r.Max() * static_cast<double>(k);
      return r;
    }
    if (op == "ReduceSum") return ReduceSum(n, peak);
    if (op == "Conv") return Conv(n, peak);
    if (op == "MatMul" || op == "Gemm") return MatMul(n, peak);
    if (op == "Flatten" || op == "Reshape" || op == "Transpose") {
      r = Of(n.input(0));
      if (!KeepsChannelAxis(n)) r = Uniform(r.Max(), r.float_domain);
      *peak = r.Max();
      return r;
    }
    if (op == "Concat") {
      double m = 0;
      bool fd = false;
      for (const Value* in : n.inputs()) {
        Bound b = Of(in);
        m = std::max(m, b.Max());
        fd = fd || b.float_domain;
      }
      *peak = m;
      return Uniform(m, fd);
    }
    // Float ops (CPU fallbacks): real values, bounded by the function.
    if (op == "Sigmoid" || op == "Softmax" || op == "Tanh") return Uniform(1.0, true);
    return absl::UnimplementedError(absl::StrCat("no bound rule for ", op));
  }

  bool KeepsChannelAxis(const Node& n) {
    std::vector<int64_t> in = DimsOf(n.input(0)), out = DimsOf(n.output(0));
    if (in.size() < 2 || out.size() < 2 || in[0] != out[0] || in[1] != out[1]) return false;
    if (n.op_type() == "Transpose") {
      std::vector<int64_t> perm = n.GetInts("perm");
      return perm.size() >= 2 && perm[0] == 0 && perm[1] == 1;
    }
    return std::all_of(in.begin() + 2, in.end(), [](int64_t d) { return d == 1; });
  }

  absl::StatusOr<Bound> ReduceSum(const Node& n, double* peak) {
    Bound x = Of(n.input(0));
    std::vector<int64_t> dims = DimsOf(n.input(0)), axes = n.GetInts("axes");
    if (g_.opset() >= 13 && n.input(1) != nullptr) {
      const Tensor& t = n.input(1)->initializer();
      axes.clear();
      for (int64_t i = 0; i < t.num_elements(); ++i) axes.push_back(t.GetAsDouble(i));
    }
    if (dims.empty()) return absl::UnimplementedError("input shape unknown");
    const int64_t rank = static_cast<int64_t>(dims.size());
    if (axes.empty()) {
      for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
    }
    double count = 1;
    bool channels_summed = false;
    for (int64_t a : axes) {
      int64_t d = a < 0 ? a + rank : a;
      count *= static_cast<double>(dims[d]);
      channels_summed = channels_summed || d == 1;
    }
    Bound r = channels_summed ? Uniform(x.Max()) : x;
    for (double& v : r.ch) v *= count;
    *peak = r.Max();
    return r;
  }

  absl::StatusOr<Bound> Conv(const Node& n, double* peak) {
    Bound x = Of(n.input(0));
    const Value* w = n.input(1);
    if (!w->is_initializer()) return absl::UnimplementedError("non-constant weight");
    const Tensor& wt = w->initializer();
    std::vector<double> aw = AbsValues(wt);
    const int64_t M = wt.dims()[0], Cg = wt.dims()[1];
    const int64_t K = M ? wt.num_elements() / (M * Cg) : 0, G = n.GetInt("group", 1);
    const int64_t Mg = M / G;
    Bound r;
    r.ch.assign(M, 0);
    for (int64_t m = 0; m < M; ++m) {
      double s = 0;
      for (int64_t c = 0; c < Cg; ++c) {
        double xb = x.At(x.ch.size() == 1 ? 0 : (m / Mg) * Cg + c);
        for (int64_t k = 0; k < K; ++k) s += aw[(m * Cg + c) * K + k] * xb;
      }
      if (n.num_inputs() > 2 && n.input(2)) s += Of(n.input(2)).Max();
      r.ch[m] = s;
    }
    *peak = r.Max();
    return r;
  }

  absl::StatusOr<Bound> MatMul(const Node& n, double* peak) {
    Bound x = Of(n.input(0));
    const Value* w = n.input(1);
    if (!w->is_initializer()) return absl::UnimplementedError("non-constant weight");
    const Tensor& wt = w->initializer();
    if (wt.rank() != 2) return absl::UnimplementedError("weight is not 2-D");
    const bool tb = n.op_type() == "Gemm" && n.GetInt("transB", 0) != 0;
    const bool ta = n.op_type() == "Gemm" && n.GetInt("transA", 0) != 0;
    const int64_t K = tb ? wt.dims()[1] : wt.dims()[0], N = tb ? wt.dims()[0] : wt.dims()[1];
    std::vector<double> aw = AbsValues(wt);
    // Per-feature input bounds only when features are axis 1 of a 2-D input.
    bool per_feature = !ta && DimsOf(n.input(0)).size() == 2 && x.ch.size() == size_t(K);
    Bound r;
    r.ch.assign(N, 0);
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) {
        s += aw[tb ? j * K + k : k * N + j] * (per_feature ? x.At(k) : x.Max());
      }
      r.ch[j] = s;
    }
    if (n.op_type() == "Gemm" && n.num_inputs() > 2 && n.input(2)) {
      const Value* c = n.input(2);
      r = Combine(r, c->is_initializer() ? ConstantBound(c, n.output(0)) : Of(c),
                  [](double p, double q) { return p + q; });
    }
    if (DimsOf(n.output(0)).size() != 2) r = Uniform(r.Max());
    *peak = r.Max();
    return r;
  }

  const Graph& g_;
  absl::flat_hash_map<const Value*, Bound> bounds_;
};

}  // namespace

absl::StatusOr<std::vector<NodePeak>> WorstCaseMagnitudes(const Graph& g) {
  return Analysis(g).Run();
}

}  // namespace quantc::tinpu
