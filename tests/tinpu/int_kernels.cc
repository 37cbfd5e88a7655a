// Exact kernels: elementwise (Add, Mul, Floor, Round, Clip, Relu), window
// ops (Conv, MaxPool, AveragePool), MatMul/Gemm, ReduceSum and the layout
// ops (Flatten, Reshape, Transpose, Concat); float fallback ops are in
// float_kernels.cc. Each follows the ONNX operator specification for opsets 7..17 in
// the forms quantc emits, and rejects (with an error, never a guess) the
// attribute values it does not implement.
#include "tests/tinpu/int_kernels.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/status_macros.h"

namespace quantc::tinpu {
namespace {

constexpr int64_t kMaxOperand = int64_t{1} << 31;  // |x|, |w| for int64 MACs
constexpr int64_t kMaxAccumulator = int64_t{1} << 62;

using Span = absl::Span<const ExactTensor* const>;

absl::Status Invalid(const std::string& msg) { return absl::InvalidArgumentError(msg); }
absl::Status Unsupported(const std::string& msg) { return absl::UnimplementedError(msg); }

const ExactTensor* Arg(Span in, size_t i) { return i < in.size() ? in[i] : nullptr; }

absl::StatusOr<const ExactTensor*> Required(Span in, size_t i) {
  const ExactTensor* t = Arg(in, i);
  if (t == nullptr) return Invalid(absl::StrCat("missing input ", i));
  return t;
}

std::string DimsText(const std::vector<int64_t>& d) {
  return absl::StrCat("[", absl::StrJoin(d, ","), "]");
}

std::vector<int64_t> Strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

// The integer values of `t` (an error names the first non-integer). With
// `limit`, also checks |v| <= limit.
absl::StatusOr<std::vector<int64_t>> Integers(const ExactTensor& t, const char* what,
                                              int64_t limit = kMaxAccumulator) {
  std::vector<int64_t> out(t.v.size());
  for (size_t i = 0; i < t.v.size(); ++i) {
    const Rational& r = t.v[i];
    if (!r.is_integer()) {
      return Invalid(absl::StrCat(what, " element ", i, " is ", RationalToString(r),
                                  ", not an integer"));
    }
    if (r.num > limit || r.num < -limit) {
      return Invalid(absl::StrCat(what, " element ", i, " = ", I128ToString(r.num),
                                  " exceeds the int64 accumulator's operand bound ", limit));
    }
    out[i] = static_cast<int64_t>(r.num);
  }
  return out;
}

// Integer-domain inputs must hold integers; the float input block may not.
absl::Status RequireIntegersOutsideFloatDomain(const ExactTensor& t, const char* what) {
  if (t.float_domain || t.AllIntegers()) return absl::OkStatus();
  for (const Rational& r : t.v) {
    if (!r.is_integer()) {
      return Invalid(absl::StrCat(what, " holds the non-integer ", RationalToString(r),
                                  " outside the float input block"));
    }
  }
  return absl::OkStatus();
}

int64_t MaxAbs(const std::vector<int64_t>& v) {
  int64_t m = 0;
  for (int64_t x : v) m = std::max(m, std::abs(x));
  return m;
}

// ---------------------------------------------------------------- elementwise

template <typename Fn>
absl::StatusOr<ExactTensor> Broadcast(const ExactTensor& a, const ExactTensor& b, Fn fn) {
  size_t rank = std::max(a.dims.size(), b.dims.size());
  std::vector<int64_t> da(rank, 1), db(rank, 1), out(rank);
  std::copy(a.dims.begin(), a.dims.end(), da.begin() + (rank - a.dims.size()));
  std::copy(b.dims.begin(), b.dims.end(), db.begin() + (rank - b.dims.size()));
  for (size_t i = 0; i < rank; ++i) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1) {
      return Invalid(absl::StrCat("shapes ", DimsText(a.dims), " and ", DimsText(b.dims),
                                  " do not broadcast"));
    }
    out[i] = da[i] == 1 ? db[i] : da[i];
  }
  std::vector<int64_t> sa = Strides(da), sb = Strides(db);
  for (size_t i = 0; i < rank; ++i) {
    if (da[i] == 1) sa[i] = 0;
    if (db[i] == 1) sb[i] = 0;
  }
  ExactTensor r;
  r.dims = out;
  int64_t n = NumElements(out);
  r.v.resize(n);
  std::vector<int64_t> idx(rank, 0);
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0; i < n; ++i) {
    QC_ASSIGN_OR_RETURN(r.v[i], fn(a.v[ia], b.v[ib]));
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {  // odometer step
      ia += sa[d];
      ib += sb[d];
      if (++idx[d] < out[d]) break;
      ia -= sa[d] * out[d];
      ib -= sb[d] * out[d];
      idx[d] = 0;
    }
  }
  return r;
}

absl::StatusOr<ExactTensor> AddKernel(const Node&, Span in, KernelContext&) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* a, Required(in, 0));
  QC_ASSIGN_OR_RETURN(const ExactTensor* b, Required(in, 1));
  bool float_domain = a->float_domain || b->float_domain;
  if (!float_domain) {
    QC_RETURN_IF_ERROR(RequireIntegersOutsideFloatDomain(*a, "operand A"));
    QC_RETURN_IF_ERROR(RequireIntegersOutsideFloatDomain(*b, "operand B"));
  }
  QC_ASSIGN_OR_RETURN(ExactTensor r, Broadcast(*a, *b, [](const Rational& x, const Rational& y) {
                        return Add(x, y);
                      }));
  r.float_domain = float_domain;
  return r;
}

absl::StatusOr<ExactTensor> MulKernel(const Node&, Span in, KernelContext&) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* a, Required(in, 0));
  QC_ASSIGN_OR_RETURN(const ExactTensor* b, Required(in, 1));
  const ExactTensor* c = b->is_constant ? b : (a->is_constant ? a : nullptr);
  if (c == nullptr) return Unsupported("Mul of two activations (no constant operand)");
  for (const Rational& r : c->v) {
    bool power_of_two = (r.num == 1 || r.num == -1) && IsPowerOfTwo(r.den);
    if (!r.is_integer() && !power_of_two) {
      return Unsupported(absl::StrCat("Mul by the constant ", RationalToString(r),
                                      ", neither an integer nor a power of two"));
    }
  }
  QC_ASSIGN_OR_RETURN(ExactTensor r, Broadcast(*a, *b, [](const Rational& x, const Rational& y) {
                        return Mul(x, y);
                      }));
  r.float_domain = (c == b ? a : b)->float_domain;
  return r;
}

template <Rational (*kFn)(const Rational&)>
absl::StatusOr<ExactTensor> RoundingKernel(const Node&, Span in, KernelContext&) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* x, Required(in, 0));
  ExactTensor r{x->dims, std::vector<Rational>(x->v.size())};
  for (size_t i = 0; i < x->v.size(); ++i) r.v[i] = kFn(x->v[i]);
  return r;  // integers: the float domain ends here
}

absl::StatusOr<ExactTensor> ClampKernel(const ExactTensor& x, const Rational* lo,
                                        const Rational* hi) {
  QC_RETURN_IF_ERROR(RequireIntegersOutsideFloatDomain(x, "the input"));
  ExactTensor r{x.dims, x.v, false, x.float_domain};
  for (Rational& v : r.v) {
    if (lo != nullptr) {
      QC_ASSIGN_OR_RETURN(int c, Compare(v, *lo));
      if (c < 0) v = *lo;
    }
    if (hi != nullptr) {
      QC_ASSIGN_OR_RETURN(int c, Compare(v, *hi));
      if (c > 0) v = *hi;
    }
  }
  return r;
}

absl::StatusOr<ExactTensor> ClipKernel(const Node& n, Span in, KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* x, Required(in, 0));
  Rational bound[2];
  const Rational* lo = nullptr;
  const Rational* hi = nullptr;
  if (ctx.opset >= 11) {
    for (int i = 0; i < 2; ++i) {
      const ExactTensor* t = Arg(in, 1 + i);
      if (t == nullptr) continue;
      if (t->size() != 1) return Invalid("Clip bound is not a single value");
      bound[i] = t->v[0];
      (i == 0 ? lo : hi) = &bound[i];
    }
  } else {
    const char* names[2] = {"min", "max"};
    for (int i = 0; i < 2; ++i) {
      const Attribute* a = n.FindAttr(names[i]);
      if (a == nullptr) continue;
      QC_ASSIGN_OR_RETURN(bound[i], FromFloat(a->f));
      (i == 0 ? lo : hi) = &bound[i];
    }
  }
  return ClampKernel(*x, lo, hi);
}

absl::StatusOr<ExactTensor> ReluKernel(const Node&, Span in, KernelContext&) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* x, Required(in, 0));
  Rational zero{0, 1};
  return ClampKernel(*x, &zero, nullptr);
}

// ------------------------------------------------------------- window ops

// Geometry of a Conv/pooling window over the spatial dims, and for every
// (output position, kernel position) the flat input offset: >= 0 inside the
// input, kPad in the explicit padding, kBeyond past it (ceil_mode overhang).
constexpr int64_t kPad = -1;
constexpr int64_t kBeyond = -2;

struct Window {
  std::vector<int64_t> out;    // output spatial dims
  int64_t in_size = 1, out_size = 1, kernel_size = 1;
  std::vector<int64_t> table;  // out_size x kernel_size
};

absl::StatusOr<Window> MakeWindow(const Node& n, const std::vector<int64_t>& in,
                                  const std::vector<int64_t>& kernel, bool ceil_mode) {
  const size_t r = in.size();
  auto ints = [&](const char* name, int64_t dflt, size_t count) {
    std::vector<int64_t> v = n.GetInts(name);
    if (v.empty()) v.assign(count, dflt);
    return v;
  };
  std::vector<int64_t> stride = ints("strides", 1, r), dil = ints("dilations", 1, r);
  std::vector<int64_t> pads = ints("pads", 0, 2 * r);
  if (stride.size() != r || dil.size() != r || pads.size() != 2 * r) {
    return Invalid("strides/dilations/pads do not match the spatial rank");
  }
  std::string auto_pad = n.GetString("auto_pad", "NOTSET");
  Window w;
  w.out.resize(r);
  for (size_t i = 0; i < r; ++i) {
    if (stride[i] < 1 || dil[i] < 1) return Invalid("strides and dilations must be >= 1");
    int64_t span = (kernel[i] - 1) * dil[i] + 1;
    if (auto_pad == "VALID") {
      pads[i] = pads[i + r] = 0;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      int64_t o = (in[i] + stride[i] - 1) / stride[i];
      int64_t total = std::max<int64_t>(0, (o - 1) * stride[i] + span - in[i]);
      pads[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pads[i + r] = total - pads[i];
    } else if (auto_pad != "NOTSET") {
      return Unsupported(absl::StrCat("auto_pad=", auto_pad));
    }
    int64_t room = in[i] + pads[i] + pads[i + r] - span;
    if (room < 0) return Invalid("the window is larger than the padded input");
    int64_t o = (ceil_mode ? (room + stride[i] - 1) / stride[i] : room / stride[i]) + 1;
    // The last window must start inside the input or its leading padding.
    if (ceil_mode && (o - 1) * stride[i] >= in[i] + pads[i]) --o;
    w.out[i] = o;
    w.in_size *= in[i];
    w.out_size *= o;
    w.kernel_size *= kernel[i];
  }
  w.table.resize(w.out_size * w.kernel_size);
  std::vector<int64_t> in_stride = Strides(in), o_idx(r, 0), k_idx(r, 0);
  for (int64_t p = 0; p < w.out_size; ++p) {
    for (int64_t d = static_cast<int64_t>(r) - 1, rem = p; d >= 0; --d) {
      o_idx[d] = rem % w.out[d];
      rem /= w.out[d];
    }
    for (int64_t q = 0; q < w.kernel_size; ++q) {
      int64_t rem = q, offset = 0;
      bool pad = false, beyond = false;
      for (int d = static_cast<int>(r) - 1; d >= 0; --d) {
        k_idx[d] = rem % kernel[d];
        rem /= kernel[d];
        int64_t pos = o_idx[d] * stride[d] - pads[d] + k_idx[d] * dil[d];
        if (pos < 0 || pos >= in[d]) pad = true;
        if (pos >= in[d] + pads[d + r]) beyond = true;
        offset += pos * in_stride[d];
      }
      w.table[p * w.kernel_size + q] = beyond ? kBeyond : (pad ? kPad : offset);
    }
  }
  return w;
}

absl::StatusOr<ExactTensor> ConvKernel(const Node& n, Span in, KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* x, Required(in, 0));
  QC_ASSIGN_OR_RETURN(const ExactTensor* wt, Required(in, 1));
  const ExactTensor* b = Arg(in, 2);
  if (x->dims.size() < 3 || wt->dims.size() != x->dims.size()) {
    return Invalid(absl::StrCat("Conv input ", DimsText(x->dims), " and weight ",
                                DimsText(wt->dims), " ranks"));
  }
  const int64_t N = x->dims[0], C = x->dims[1], M = wt->dims[0];
  const int64_t G = n.GetInt("group", 1);
  if (G < 1 || C % G != 0 || M % G != 0 || wt->dims[1] != C / G) {
    return Invalid(absl::StrCat("group=", G, " does not fit input ", DimsText(x->dims),
                                " and weight ", DimsText(wt->dims)));
  }
  std::vector<int64_t> spatial(x->dims.begin() + 2, x->dims.end());
  std::vector<int64_t> kernel(wt->dims.begin() + 2, wt->dims.end());
  std::vector<int64_t> ks = n.GetInts("kernel_shape");
  if (!ks.empty() && ks != kernel) return Invalid("kernel_shape differs from the weight's");
  QC_ASSIGN_OR_RETURN(Window win, MakeWindow(n, spatial, kernel, false));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> xi, Integers(*x, "input", kMaxOperand));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> wi, Integers(*wt, "weight", kMaxOperand));
  std::vector<int64_t> bi(M, 0);
  if (b != nullptr) {
    if (b->size() != M) return Invalid("bias size differs from the output channels");
    QC_ASSIGN_OR_RETURN(bi, Integers(*b, "bias", kMaxAccumulator / 2));
  }
  const int64_t Cg = C / G, Mg = M / G, K = win.kernel_size, P = win.out_size;
  // Rule out int64 overflow for every input, not just this one.
  int64_t max_w_sum = 0;
  for (int64_t m = 0; m < M; ++m) {
    int64_t s = 0;
    for (int64_t j = 0; j < Cg * K; ++j) s += std::abs(wi[m * Cg * K + j]);
    max_w_sum = std::max(max_w_sum, s);
  }
  if (max_w_sum != 0 && MaxAbs(xi) > (kMaxAccumulator / 2) / max_w_sum) {
    return Invalid("the int64 accumulator could overflow");
  }
  ExactTensor r;
  r.dims = {N, M};
  r.dims.insert(r.dims.end(), win.out.begin(), win.out.end());
  r.v.resize(N * M * P);
  std::vector<int64_t> acc(P), l1(P);
  for (int64_t nn = 0; nn < N; ++nn) {
    for (int64_t m = 0; m < M; ++m) {
      const int64_t g = m / Mg;
      std::fill(acc.begin(), acc.end(), bi[m]);
      std::fill(l1.begin(), l1.end(), std::abs(bi[m]));
      for (int64_t c = 0; c < Cg; ++c) {
        const int64_t* xc = &xi[((nn * C) + g * Cg + c) * win.in_size];
        const int64_t* wc = &wi[(m * Cg + c) * K];
        for (int64_t p = 0; p < P; ++p) {
          const int64_t* t = &win.table[p * K];
          int64_t s = 0, a = 0;
          for (int64_t q = 0; q < K; ++q) {
            if (t[q] < 0) continue;
            int64_t prod = xc[t[q]] * wc[q];
            s += prod;
            a += std::abs(prod);
          }
          acc[p] += s;
          l1[p] += a;
        }
      }
      for (int64_t p = 0; p < P; ++p) {
        r.v[(nn * M + m) * P + p] = Rational{acc[p], 1};
        ctx.peak = std::max(ctx.peak, static_cast<double>(l1[p]));
      }
    }
  }
  return r;
}

absl::StatusOr<ExactTensor> PoolKernel(const Node& n, Span in, bool average) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* x, Required(in, 0));
  if (x->dims.size() < 3) return Invalid("pooling input has rank < 3");
  std::vector<int64_t> spatial(x->dims.begin() + 2, x->dims.end());
  std::vector<int64_t> kernel = n.GetInts("kernel_shape");
  if (kernel.size() != spatial.size()) return Invalid("kernel_shape does not match the input");
  QC_ASSIGN_OR_RETURN(Window win, MakeWindow(n, spatial, kernel, n.GetInt("ceil_mode", 0) != 0));
  QC_RETURN_IF_ERROR(RequireIntegersOutsideFloatDomain(*x, "the input"));
  const bool include_pad = n.GetInt("count_include_pad", 0) != 0;
  const int64_t planes = x->dims[0] * x->dims[1], K = win.kernel_size, P = win.out_size;
  ExactTensor r;
  r.dims = {x->dims[0], x->dims[1]};
  r.dims.insert(r.dims.end(), win.out.begin(), win.out.end());
  r.v.resize(planes * P);
  r.float_domain = x->float_domain;
  for (int64_t pl = 0; pl < planes; ++pl) {
    const Rational* xp = &x->v[pl * win.in_size];
    for (int64_t p = 0; p < P; ++p) {
      const int64_t* t = &win.table[p * K];
      Rational best, sum{0, 1};
      int64_t count = 0, valid = 0;
      for (int64_t q = 0; q < K; ++q) {
        if (t[q] == kPad) ++count;
        if (t[q] < 0) continue;
        ++count;
        const Rational& v = xp[t[q]];
        if (average) {
          QC_ASSIGN_OR_RETURN(sum, Add(sum, v));
        } else if (valid == 0) {
          best = v;
        } else {
          QC_ASSIGN_OR_RETURN(int c, Compare(v, best));
          if (c > 0) best = v;
        }
        ++valid;
      }
      if (valid == 0) return Invalid("a pooling window covers only padding");
      if (average) {
        int64_t divisor = include_pad ? count : valid;
        QC_ASSIGN_OR_RETURN(best, Mul(sum, Rational{1, divisor}));
      }
      r.v[pl * P + p] = best;
    }
  }
  return r;
}

absl::StatusOr<ExactTensor> MaxPoolKernel(const Node& n, Span in, KernelContext&) {
  if (n.num_outputs() > 1 && n.output(1) != nullptr && !n.output(1)->uses().empty()) {
    return Unsupported("MaxPool's Indices output is used");
  }
  return PoolKernel(n, in, false);
}

absl::StatusOr<ExactTensor> AveragePoolKernel(const Node& n, Span in, KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(ExactTensor r, PoolKernel(n, in, true));
  // The float32 evaluation holds window sums of at most kernel_size values.
  double max_in = 0;
  for (const Rational& v : in[0]->v) {
    max_in = std::max(max_in, std::abs(static_cast<double>(v.num) / static_cast<double>(v.den)));
  }
  int64_t k = 1;
  for (int64_t d : n.GetInts("kernel_shape")) k *= d;
  ctx.peak = std::max(ctx.peak, max_in * static_cast<double>(k));
  return r;
}

// ------------------------------------------------------ MatMul, Gemm, ReduceSum

// out[rows, cols] = a[rows, K] * b[K, cols] (+ bias), int64 accumulators.
absl::Status MatMulRows(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                        int64_t rows, int64_t K, int64_t cols, bool trans_a, bool trans_b,
                        KernelContext& ctx, std::vector<Rational>* out) {
  int64_t max_b_sum = 0;
  for (int64_t j = 0; j < cols; ++j) {
    int64_t s = 0;
    for (int64_t k = 0; k < K; ++k) s += std::abs(trans_b ? b[j * K + k] : b[k * cols + j]);
    max_b_sum = std::max(max_b_sum, s);
  }
  if (max_b_sum != 0 && MaxAbs(a) > kMaxAccumulator / max_b_sum) {
    return Invalid("the int64 accumulator could overflow");
  }
  out->resize(rows * cols);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      int64_t s = 0, l1 = 0;
      for (int64_t k = 0; k < K; ++k) {
        int64_t av = trans_a ? a[k * rows + i] : a[i * K + k];
        int64_t prod = av * (trans_b ? b[j * K + k] : b[k * cols + j]);
        s += prod;
        l1 += std::abs(prod);
      }
      (*out)[i * cols + j] = Rational{s, 1};
      ctx.peak = std::max(ctx.peak, static_cast<double>(l1));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ExactTensor> MatMulKernel(const Node&, Span in, KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* a, Required(in, 0));
  QC_ASSIGN_OR_RETURN(const ExactTensor* b, Required(in, 1));
  if (a->dims.empty() || b->dims.empty() || b->dims.size() > 2) {
    return Unsupported(absl::StrCat("MatMul of ", DimsText(a->dims), " by ", DimsText(b->dims),
                                    " (the right operand must have rank 1 or 2)"));
  }
  const int64_t K = a->dims.back();
  const int64_t cols = b->dims.size() == 2 ? b->dims[1] : 1;
  if (b->dims[0] != K) return Invalid("MatMul inner dimensions differ");
  const int64_t rows = a->size() / K;
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> ai, Integers(*a, "input A", kMaxOperand));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> bi, Integers(*b, "input B", kMaxOperand));
  ExactTensor r;
  r.dims.assign(a->dims.begin(), a->dims.end() - 1);
  if (b->dims.size() == 2) r.dims.push_back(cols);
  QC_RETURN_IF_ERROR(MatMulRows(ai, bi, rows, K, cols, false, false, ctx, &r.v));
  return r;
}

absl::StatusOr<ExactTensor> GemmKernel(const Node& n, Span in, KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* a, Required(in, 0));
  QC_ASSIGN_OR_RETURN(const ExactTensor* b, Required(in, 1));
  const ExactTensor* c = Arg(in, 2);
  if (n.GetFloat("alpha", 1.0f) != 1.0f || n.GetFloat("beta", 1.0f) != 1.0f) {
    return Unsupported("Gemm with alpha or beta other than 1");
  }
  if (a->dims.size() != 2 || b->dims.size() != 2) return Invalid("Gemm operands must be 2-D");
  const bool ta = n.GetInt("transA", 0) != 0, tb = n.GetInt("transB", 0) != 0;
  const int64_t rows = ta ? a->dims[1] : a->dims[0], K = ta ? a->dims[0] : a->dims[1];
  const int64_t cols = tb ? b->dims[0] : b->dims[1];
  if ((tb ? b->dims[1] : b->dims[0]) != K) return Invalid("Gemm inner dimensions differ");
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> ai, Integers(*a, "input A", kMaxOperand));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> bi, Integers(*b, "input B", kMaxOperand));
  ExactTensor r;
  r.dims = {rows, cols};
  QC_RETURN_IF_ERROR(MatMulRows(ai, bi, rows, K, cols, ta, tb, ctx, &r.v));
  if (c == nullptr) return r;
  QC_RETURN_IF_ERROR(RequireIntegersOutsideFloatDomain(*c, "input C"));
  QC_ASSIGN_OR_RETURN(ExactTensor sum, Broadcast(r, *c, [](const Rational& x, const Rational& y) {
                        return Add(x, y);
                      }));
  if (sum.dims != r.dims) return Invalid("Gemm C does not broadcast to the output");
  return sum;
}

absl::StatusOr<ExactTensor> ReduceSumKernel(const Node& n, Span in, KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* x, Required(in, 0));
  std::vector<int64_t> axes;
  if (ctx.opset >= 13) {
    if (const ExactTensor* a = Arg(in, 1)) {
      QC_ASSIGN_OR_RETURN(axes, Integers(*a, "axes"));
    }
  } else {
    axes = n.GetInts("axes");
  }
  const int64_t rank = static_cast<int64_t>(x->dims.size());
  if (axes.empty()) {
    if (n.GetInt("noop_with_empty_axes", 0) != 0) return *x;
    axes.resize(rank);
    std::iota(axes.begin(), axes.end(), 0);
  }
  std::vector<bool> reduced(rank, false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) return Invalid(absl::StrCat("axis ", a, " out of range"));
    reduced[a < 0 ? a + rank : a] = true;
  }
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> xi, Integers(*x, "input"));
  const bool keep = n.GetInt("keepdims", 1) != 0;
  std::vector<int64_t> kept_dims(rank);  // output dims with reduced axes = 1
  ExactTensor r;
  for (int64_t d = 0; d < rank; ++d) {
    kept_dims[d] = reduced[d] ? 1 : x->dims[d];
    if (!reduced[d] || keep) r.dims.push_back(kept_dims[d]);
  }
  std::vector<int64_t> ostride = Strides(kept_dims), idx(rank, 0);
  std::vector<int64_t> sum(NumElements(kept_dims), 0), l1(sum.size(), 0);
  for (int64_t i = 0; i < x->size(); ++i) {
    int64_t o = 0;
    for (int64_t d = 0; d < rank; ++d) o += reduced[d] ? 0 : idx[d] * ostride[d];
    if (__builtin_add_overflow(sum[o], xi[i], &sum[o])) return Invalid("int64 overflow");
    l1[o] += std::abs(xi[i]);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < x->dims[d]) break;
      idx[d] = 0;
    }
  }
  r.v.resize(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) {
    r.v[i] = Rational{sum[i], 1};
    ctx.peak = std::max(ctx.peak, static_cast<double>(l1[i]));
  }
  return r;
}

// --------------------------------------------------------------- layout ops

absl::StatusOr<ExactTensor> FlattenKernel(const Node& n, Span in, KernelContext&) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* x, Required(in, 0));
  const int64_t rank = static_cast<int64_t>(x->dims.size());
  int64_t axis = n.GetInt("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) return Invalid("Flatten axis out of range");
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x->dims[d];
  ExactTensor r = *x;
  r.is_constant = false;
  r.dims = {outer, outer == 0 ? 0 : x->size() / outer};
  return r;
}

absl::StatusOr<ExactTensor> ReshapeKernel(const Node& n, Span in, KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* x, Required(in, 0));
  std::vector<int64_t> shape;
  if (ctx.opset >= 5) {
    QC_ASSIGN_OR_RETURN(const ExactTensor* s, Required(in, 1));
    QC_ASSIGN_OR_RETURN(shape, Integers(*s, "shape"));
  } else {
    shape = n.GetInts("shape");
  }
  const bool allow_zero = n.GetInt("allowzero", 0) != 0;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allow_zero) {
      if (i >= x->dims.size()) return Invalid("Reshape copies a dim the input lacks");
      shape[i] = x->dims[i];
    }
    if (shape[i] == -1) {
      if (infer >= 0) return Invalid("Reshape has two -1 dims");
      infer = static_cast<int64_t>(i);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) shape[infer] = known == 0 ? 0 : x->size() / known;
  if (NumElements(shape) != x->size()) {
    return Invalid(absl::StrCat("cannot reshape ", DimsText(x->dims), " to ", DimsText(shape)));
  }
  ExactTensor r = *x;
  r.is_constant = false;
  r.dims = shape;
  return r;
}

absl::StatusOr<ExactTensor> TransposeKernel(const Node& n, Span in, KernelContext&) {
  QC_ASSIGN_OR_RETURN(const ExactTensor* x, Required(in, 0));
  const size_t rank = x->dims.size();
  std::vector<int64_t> perm = n.GetInts("perm");
  if (perm.empty()) {
    perm.resize(rank);
    for (size_t i = 0; i < rank; ++i) perm[i] = static_cast<int64_t>(rank - 1 - i);
  }
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted.size() != rank || sorted[i] != static_cast<int64_t>(i)) {
      return Invalid("Transpose perm is not a permutation of the axes");
    }
  }
  std::vector<int64_t> in_stride = Strides(x->dims), idx(rank, 0);
  ExactTensor r;
  r.float_domain = x->float_domain;
  for (size_t d = 0; d < rank; ++d) r.dims.push_back(x->dims[perm[d]]);
  r.v.resize(x->v.size());
  for (int64_t i = 0; i < x->size(); ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) src += idx[d] * in_stride[perm[d]];
    r.v[i] = x->v[src];
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      if (++idx[d] < r.dims[d]) break;
      idx[d] = 0;
    }
  }
  return r;
}

// Concat of integer tensors along one axis: a layout op (quantc requantizes
// every input to the output scale first).
absl::StatusOr<ExactTensor> ConcatKernel(const Node& n, Span in, KernelContext&) {
  if (in.empty()) return Invalid("Concat without inputs");
  QC_ASSIGN_OR_RETURN(const ExactTensor* first, Required(in, 0));
  const int64_t rank = static_cast<int64_t>(first->dims.size());
  int64_t axis = n.GetInt("axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return Invalid("Concat axis out of range");
  ExactTensor r;
  r.dims = first->dims;
  r.dims[axis] = 0;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= first->dims[d];
  for (size_t i = 0; i < in.size(); ++i) {
    QC_ASSIGN_OR_RETURN(const ExactTensor* x, Required(in, i));
    if (static_cast<int64_t>(x->dims.size()) != rank) return Invalid("Concat ranks differ");
    r.dims[axis] += x->dims[axis];
    r.float_domain = r.float_domain || x->float_domain;
  }
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < in.size(); ++i) {
      const int64_t chunk = in[i]->size() / std::max<int64_t>(outer, 1);
      r.v.insert(r.v.end(), in[i]->v.begin() + o * chunk, in[i]->v.begin() + (o + 1) * chunk);
    }
  }
  return r;
}

}  // namespace

KernelFn FindKernel(const std::string& op_type) {
  static const auto* table = new std::map<std::string, KernelFn>{
      {"Add", AddKernel},
      {"AveragePool", AveragePoolKernel},
      {"Clip", ClipKernel},
      {"Concat", ConcatKernel},
      {"Conv", ConvKernel},
      {"Flatten", FlattenKernel},
      {"Floor", RoundingKernel<Floor>},
      {"Gemm", GemmKernel},
      {"MatMul", MatMulKernel},
      {"MaxPool", MaxPoolKernel},
      {"Mul", MulKernel},
      {"ReduceSum", ReduceSumKernel},
      {"Relu", ReluKernel},
      {"Reshape", ReshapeKernel},
      {"Round", RoundingKernel<RoundHalfEven>},
      {"Transpose", TransposeKernel},
  };
  auto it = table->find(op_type);
  return it == table->end() ? FindFloatKernel(op_type) : it->second;
}

}  // namespace quantc::tinpu
