// The reference's ops, one function each, written straight from
// docs/integer-arithmetic.md §3-§5 (sums in int64, no tricks). The C
// kernels in backends/c/kernels/ are the optimized twin.
#include <algorithm>

#include "backends/c/reference.h"
#include "quant/fixed_point.h"
#include "util/check.h"

namespace quantc::cbackend {
namespace {

using Values = std::vector<std::vector<int8_t>>;

// Spec §3: the output element of accumulator `acc` for entry `c`.
int8_t Requantize(const Requant& r, int64_t acc, int c) {
  int64_t v = 0;
  if (r.kind == Requant::Kind::kFixedPoint) {
    QC_CHECK(acc >= INT32_MIN && acc <= INT32_MAX);
    v = MultiplyByQuantizedMultiplier(static_cast<int32_t>(acc), {r.multiplier[c], r.shift[c]});
  } else {
    v = FloorShift((acc + r.offset[c]) * r.multiplier[c], r.shift[c]);
  }
  v = std::clamp<int64_t>(v + r.out_zero_point, r.lo, r.hi);
  return static_cast<int8_t>(v);
}

// (x - zp) * 2^pre_shift: the accumulator of elementwise requantizations.
int64_t Centered(int8_t x, int32_t zp, int pre_shift) {
  return (static_cast<int64_t>(x) - zp) * (int64_t{1} << pre_shift);
}

struct Shape4 {
  int64_t n, c, h, w;
};

// [N, C, L] is [N, C, 1, L].
Shape4 As4(const std::vector<int64_t>& d) {
  return d.size() == 4 ? Shape4{d[0], d[1], d[2], d[3]} : Shape4{d[0], d[1], 1, d[2]};
}

void Conv(const IntProgram& p, const IntOp& op, Values& v) {
  const IntTensor& xt = p.tensors[op.inputs[0]];
  const std::vector<int8_t>& x = v[p.StorageOf(op.inputs[0])];
  std::vector<int8_t>& y = v[p.StorageOf(op.output)];
  const Shape4 in = As4(xt.dims), out = As4(p.tensors[op.output].dims);
  const Window2& w = op.window;
  const int64_t cg = in.c / op.group, mg = out.c / op.group;
  for (int64_t n = 0; n < in.n; ++n) {
    for (int64_t m = 0; m < out.c; ++m) {
      const int64_t g = m / mg;
      for (int64_t oy = 0; oy < out.h; ++oy) {
        for (int64_t ox = 0; ox < out.w; ++ox) {
          int64_t acc = op.bias[m];
          for (int64_t c = 0; c < cg; ++c) {
            for (int64_t ky = 0; ky < w.kernel[0]; ++ky) {
              const int64_t iy = oy * w.stride[0] - w.pad_begin[0] + ky * w.dilation[0];
              if (iy < 0 || iy >= in.h) continue;
              for (int64_t kx = 0; kx < w.kernel[1]; ++kx) {
                const int64_t ix = ox * w.stride[1] - w.pad_begin[1] + kx * w.dilation[1];
                if (ix < 0 || ix >= in.w) continue;
                const int64_t xi = ((n * in.c + g * cg + c) * in.h + iy) * in.w + ix;
                const int64_t wi = ((m * cg + c) * w.kernel[0] + ky) * w.kernel[1] + kx;
                acc += (static_cast<int64_t>(x[xi]) - xt.zero_point) * op.weights[wi];
              }
            }
          }
          y[((n * out.c + m) * out.h + oy) * out.w + ox] =
              Requantize(op.requant, acc, static_cast<int>(m));
        }
      }
    }
  }
}

void FullyConnected(const IntProgram& p, const IntOp& op, Values& v) {
  const IntTensor& xt = p.tensors[op.inputs[0]];
  const std::vector<int8_t>& x = v[p.StorageOf(op.inputs[0])];
  std::vector<int8_t>& y = v[p.StorageOf(op.output)];
  const int64_t rows = xt.num_elements() / op.in_features;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < op.out_features; ++o) {
      int64_t acc = op.bias[o];
      for (int64_t k = 0; k < op.in_features; ++k) {
        acc += (static_cast<int64_t>(x[r * op.in_features + k]) - xt.zero_point) *
               op.weights[o * op.in_features + k];
      }
      y[r * op.out_features + o] = Requantize(op.requant, acc, static_cast<int>(o));
    }
  }
}

// Flat index into an operand of dims `d` (right-aligned, broadcast) for the
// output position `idx` of dims `od`.
int64_t BroadcastIndex(const std::vector<int64_t>& d, const std::vector<int64_t>& od,
                       const std::vector<int64_t>& idx) {
  int64_t flat = 0;
  const size_t lead = od.size() - d.size();
  for (size_t i = 0; i < d.size(); ++i) flat = flat * d[i] + (d[i] == 1 ? 0 : idx[lead + i]);
  return flat;
}

void Binary(const IntProgram& p, const IntOp& op, Values& v) {
  const IntTensor& at = p.tensors[op.inputs[0]];
  const IntTensor& bt = p.tensors[op.inputs[1]];
  const std::vector<int8_t>& a = v[p.StorageOf(op.inputs[0])];
  const std::vector<int8_t>& b = v[p.StorageOf(op.inputs[1])];
  std::vector<int8_t>& y = v[p.StorageOf(op.output)];
  const std::vector<int64_t>& od = p.tensors[op.output].dims;
  const bool fixed = op.requant.kind == Requant::Kind::kFixedPoint;
  std::vector<int64_t> idx(od.size(), 0);
  const int64_t total = p.tensors[op.output].num_elements();
  for (int64_t i = 0; i < total; ++i) {
    int64_t rest = i;
    for (size_t d = od.size(); d-- > 0;) {
      idx[d] = rest % od[d];
      rest /= od[d];
    }
    const int8_t xa = a[BroadcastIndex(at.dims, od, idx)];
    const int8_t xb = b[BroadcastIndex(bt.dims, od, idx)];
    int64_t acc = 0;
    if (op.kind == OpKind::kMul) {
      acc = (static_cast<int64_t>(xa) - at.zero_point) *
            (static_cast<int64_t>(xb) - bt.zero_point) * (int64_t{1} << op.pre_shift);
    } else if (fixed) {
      auto scaled = [&](int8_t x, int32_t zp, const InputScale& s) {
        return MultiplyByQuantizedMultiplier(static_cast<int32_t>(Centered(x, zp, op.pre_shift)),
                                             {s.multiplier, s.shift});
      };
      acc = static_cast<int64_t>(scaled(xa, at.zero_point, op.input_scales[0])) +
            scaled(xb, bt.zero_point, op.input_scales[1]);
    } else {
      acc = (static_cast<int64_t>(xa) - at.zero_point) * op.input_scales[0].multiplier +
            (static_cast<int64_t>(xb) - bt.zero_point) * op.input_scales[1].multiplier;
    }
    y[i] = Requantize(op.requant, acc, 0);
  }
}

void Affine(const IntProgram& p, const IntOp& op, Values& v) {
  const IntTensor& xt = p.tensors[op.inputs[0]];
  const std::vector<int8_t>& x = v[p.StorageOf(op.inputs[0])];
  std::vector<int8_t>& y = v[p.StorageOf(op.output)];
  const std::vector<int64_t>& od = p.tensors[op.output].dims;
  std::vector<int64_t> idx(od.size(), 0);
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    int64_t rest = i;
    for (size_t d = od.size(); d-- > 0;) {
      idx[d] = rest % od[d];
      rest /= od[d];
    }
    const int64_t j = BroadcastIndex(op.affine_dims, od, idx);
    const int64_t acc =
        (static_cast<int64_t>(x[i]) - xt.zero_point) * op.affine_scale[j] + op.bias[j];
    y[i] = Requantize(op.requant, acc, 0);
  }
}

void Pool(const IntProgram& p, const IntOp& op, Values& v) {
  const IntTensor& xt = p.tensors[op.inputs[0]];
  const std::vector<int8_t>& x = v[p.StorageOf(op.inputs[0])];
  std::vector<int8_t>& y = v[p.StorageOf(op.output)];
  const Shape4 in = As4(xt.dims);
  const Window2& w = op.window;
  const bool max = op.kind == OpKind::kMaxPool;
  int64_t out_i = 0;
  for (int64_t nc = 0; nc < in.n * in.c; ++nc) {
    for (int64_t oy = 0; oy < w.out[0]; ++oy) {
      for (int64_t ox = 0; ox < w.out[1]; ++ox) {
        int64_t sum = 0, count = 0;
        int32_t best = -128;
        for (int64_t ky = 0; ky < w.kernel[0]; ++ky) {
          const int64_t iy = oy * w.stride[0] - w.pad_begin[0] + ky * w.dilation[0];
          if (iy < 0 || iy >= in.h) continue;
          for (int64_t kx = 0; kx < w.kernel[1]; ++kx) {
            const int64_t ix = ox * w.stride[1] - w.pad_begin[1] + kx * w.dilation[1];
            if (ix < 0 || ix >= in.w) continue;
            const int8_t e = x[(nc * in.h + iy) * in.w + ix];
            best = std::max<int32_t>(best, e);
            sum += static_cast<int64_t>(e) - xt.zero_point;
            ++count;
          }
        }
        if (max) {
          y[out_i++] = static_cast<int8_t>(best);
        } else {
          const int entry = op.requant_per_count ? static_cast<int>(count) - 1 : 0;
          y[out_i++] = Requantize(op.requant, count == 0 ? 0 : sum * (int64_t{1} << op.pre_shift),
                                  entry < 0 ? 0 : entry);
        }
      }
    }
  }
}

void Concat(const IntProgram& p, const IntOp& op, Values& v) {
  const std::vector<int64_t>& od = p.tensors[op.output].dims;
  std::vector<int8_t>& y = v[p.StorageOf(op.output)];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < op.axis; ++d) outer *= od[d];
  for (size_t d = op.axis + 1; d < od.size(); ++d) inner *= od[d];
  int64_t offset = 0;  // start of this input's slice within one outer row
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const IntTensor& xt = p.tensors[op.inputs[i]];
    const std::vector<int8_t>& x = v[p.StorageOf(op.inputs[i])];
    const int64_t slice = xt.dims[op.axis] * inner;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < slice; ++j) {
        const int8_t e = x[o * slice + j];
        y[o * od[op.axis] * inner + offset + j] =
            op.input_copies[i]
                ? e
                : Requantize(op.input_requants[i], Centered(e, xt.zero_point, op.pre_shift), 0);
      }
    }
    offset += slice;
  }
}

void Elementwise(const IntProgram& p, const IntOp& op, Values& v) {
  const IntTensor& xt = p.tensors[op.inputs[0]];
  const std::vector<int8_t>& x = v[p.StorageOf(op.inputs[0])];
  std::vector<int8_t>& y = v[p.StorageOf(op.output)];
  for (size_t i = 0; i < x.size(); ++i) {
    y[i] = op.kind == OpKind::kLut
               ? op.table[x[i] + 128]
               : Requantize(op.requant, Centered(x[i], xt.zero_point, op.pre_shift), 0);
  }
}

void Softmax(const IntProgram& p, const IntOp& op, Values& v) {
  const std::vector<int8_t>& x = v[p.StorageOf(op.inputs[0])];
  std::vector<int8_t>& y = v[p.StorageOf(op.output)];
  for (int64_t o = 0; o < op.outer; ++o) {
    for (int64_t in = 0; in < op.inner; ++in) {
      auto at = [&](int64_t k) { return (o * op.n + k) * op.inner + in; };
      int32_t mx = -128;
      for (int64_t k = 0; k < op.n; ++k) mx = std::max<int32_t>(mx, x[at(k)]);
      uint64_t sum = 0;
      for (int64_t k = 0; k < op.n; ++k) sum += op.exp_table[mx - x[at(k)]];
      for (int64_t k = 0; k < op.n; ++k) {
        const uint64_t e = op.exp_table[mx - x[at(k)]];
        const int64_t prob = static_cast<int64_t>(((e << 30) + sum / 2) / sum);
        y[at(k)] = Requantize(op.requant, prob, 0);
      }
    }
  }
}

}  // namespace

void EvaluateOp(const IntProgram& p, const IntOp& op, Values& values) {
  switch (op.kind) {
    case OpKind::kConv:
      return Conv(p, op, values);
    case OpKind::kFullyConnected:
      return FullyConnected(p, op, values);
    case OpKind::kAdd:
    case OpKind::kMul:
      return Binary(p, op, values);
    case OpKind::kMaxPool:
    case OpKind::kAvgPool:
      return Pool(p, op, values);
    case OpKind::kConcat:
      return Concat(p, op, values);
    case OpKind::kRequant:
    case OpKind::kLut:
      return Elementwise(p, op, values);
    case OpKind::kSoftmax:
      return Softmax(p, op, values);
    case OpKind::kAffine:
      return Affine(p, op, values);
  }
}

}  // namespace quantc::cbackend
