// Gemm and MatMul.
//
// Gemm: Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A (likewise B),
// C optional from opset 11 and unidirectionally broadcast to [M, N].
// Evaluation order: P = A' * B' (Sgemm's FMA chain over k), then
// Y = alpha * P + beta * C as separate multiplies and an add (alpha == 1 and
// beta == 1 skip their multiply, which is exact anyway).
//
// Constant B operands (Gemm/MatMul weights) are packed once per
// Interpreter node and reused across samples (KernelState).
//
// MatMul: numpy.matmul — 1-D operands are promoted to a matrix and the
// added dim is removed again; batch dims broadcast. Floats use the blocked
// GEMM; integer types (opset 9+) use a plain exact loop.
#include <vector>

#include "ir/kernels/broadcast.h"
#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "ir/kernels/sgemm.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

// Constant B operands (weights) packed once per Interpreter node.
struct PackedB : KernelState {
  const char* source = nullptr;  // raw bytes of the tensor that was packed
  std::vector<float> packed;
};

// B in Sgemm's packed layout: from the node's state when B is a constant
// whose packing is cached, else packed into `scratch`.
const float* PackedOperand(const KernelContext& ctx, int input, int64_t k, int64_t n,
                           const float* b, int64_t b_rs, int64_t b_cs,
                           std::vector<float>& scratch) {
  if (ctx.state() != nullptr && ctx.is_constant(input)) {
    auto* st = dynamic_cast<PackedB*>(ctx.state()->get());
    if (st == nullptr || st->source != ctx.input(input)->raw()) {
      auto fresh = std::make_unique<PackedB>();
      fresh->source = ctx.input(input)->raw();
      fresh->packed.resize(static_cast<size_t>(PackedBSize(k, n)));
      PackB(k, n, b, b_rs, b_cs, fresh->packed.data());
      st = fresh.get();
      *ctx.state() = std::move(fresh);
    }
    return st->packed.data();
  }
  scratch.resize(static_cast<size_t>(PackedBSize(k, n)));
  PackB(k, n, b, b_rs, b_cs, scratch.data());
  return scratch.data();
}

// Sgemm's packed copy of B pads columns to whole panels: up to 16x the
// bytes of a one-column B.
absl::Status CheckPackedB(int64_t k, int64_t n) {
  return CheckScratch(DType::kFloat32, {k, (n + kSgemmNR - 1) / kSgemmNR * kSgemmNR});
}

template <typename T>
void Matmul(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_rs, int64_t a_cs, const T* b,
            int64_t b_rs, int64_t b_cs, T* c) {
  if constexpr (std::is_same_v<T, float>) {
    Sgemm(m, n, k, a, a_rs, a_cs, b, b_rs, b_cs, c, n);
  } else if constexpr (std::is_same_v<T, double>) {
    Dgemm(m, n, k, a, a_rs, a_cs, b, b_rs, b_cs, c, n);
  } else {
    for (int64_t i = 0; i < m; ++i) {
      T* ci = c + i * n;
      std::fill_n(ci, n, T(0));
      for (int64_t p = 0; p < k; ++p) {
        const T av = a[i * a_rs + p * a_cs];
        for (int64_t j = 0; j < n; ++j) ci[j] = WrapAdd(ci[j], WrapMul(av, b[p * b_rs + j * b_cs]));
      }
    }
  }
}

}  // namespace

KernelResult Gemm(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
  const Tensor* c = ctx.input(2);
  if (c == nullptr && ctx.opset() < 11) return Invalid("input C is required before opset 11");
  if (a->rank() != 2 || b->rank() != 2) {
    return Invalid("A ", ShapeStr(a->dims()), " and B ", ShapeStr(b->dims()), " must be 2-D");
  }
  if (b->dtype() != a->dtype() || (c && c->dtype() != a->dtype())) {
    return Invalid("A, B and C must have the same element type");
  }
  const bool ta = ctx.node().GetInt("transA", 0) != 0;
  const bool tb = ctx.node().GetInt("transB", 0) != 0;
  const float alpha = ctx.node().GetFloat("alpha", 1.0f);
  const float beta = ctx.node().GetFloat("beta", 1.0f);
  const int64_t m = ta ? a->dims()[1] : a->dims()[0];
  const int64_t k = ta ? a->dims()[0] : a->dims()[1];
  const int64_t kb = tb ? b->dims()[1] : b->dims()[0];
  const int64_t n = tb ? b->dims()[0] : b->dims()[1];
  if (k != kb) {
    return Invalid("inner dims differ: A' is [", m, ",", k, "], B' is [", kb, ",", n, "]");
  }
  if (c && !BroadcastsTo(c->dims(), {m, n})) {
    return Invalid("C ", ShapeStr(c->dims()), " does not broadcast to [", m, ",", n, "]");
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(a->dtype(), {m, n}));
  QC_RETURN_IF_ERROR(CheckWork({m, n, k}));
  if (a->dtype() == DType::kFloat32) QC_RETURN_IF_ERROR(CheckPackedB(k, n));
  QC_RETURN_IF_ERROR(DispatchNumeric(a->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pa = a->data<T>().data();
    const T* pb = b->data<T>().data();
    T* py = y.mutable_data<T>();
    if constexpr (std::is_same_v<T, float>) {
      std::vector<float> scratch;
      const float* packed = PackedOperand(ctx, 1, k, n, pb, tb ? 1 : n, tb ? k : 1, scratch);
      SgemmPackedB(m, n, k, pa, ta ? 1 : k, ta ? m : 1, packed, py, n);
    } else {
      Matmul<T>(m, n, k, pa, ta ? 1 : k, ta ? m : 1, pb, tb ? 1 : n, tb ? k : 1, py);
    }
    // Integer Gemm: alpha/beta convert with Cast's rules (no UB on range).
    const T al = ConvertNumber<T>(alpha), be = ConvertNumber<T>(beta);
    if (alpha != 1.0f) {
      for (int64_t i = 0; i < m * n; ++i) py[i] = WrapMul(al, py[i]);
    }
    if (c != nullptr && beta != 0.0f) {
      BroadcastPlan plan({m, n}, {{m, n}, c->dims()});
      const T* pc = c->data<T>().data();
      if (beta == 1.0f) {
        BroadcastBinary(plan, py, pc, py, [](T v, T w) { return WrapAdd(v, w); });
      } else {
        BroadcastBinary(plan, py, pc, py, [be](T v, T w) { return WrapAdd(v, WrapMul(be, w)); });
      }
    }
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

KernelResult MatMul(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
  if (a->dtype() != b->dtype()) return Invalid("A and B must have the same element type");
  if (a->rank() == 0 || b->rank() == 0) return Invalid("MatMul operands must have rank >= 1");
  std::vector<int64_t> ad = a->dims(), bd = b->dims();
  const bool a_vec = ad.size() == 1, b_vec = bd.size() == 1;
  if (a_vec) ad.insert(ad.begin(), 1);
  if (b_vec) bd.push_back(1);
  const int64_t m = ad[ad.size() - 2], k = ad.back(), n = bd.back();
  if (bd[bd.size() - 2] != k) {
    return Invalid("inner dims differ: ", ShapeStr(a->dims()), " x ", ShapeStr(b->dims()));
  }
  std::vector<int64_t> a_batch(ad.begin(), ad.end() - 2), b_batch(bd.begin(), bd.end() - 2);
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> batch, BroadcastShapes(a_batch, b_batch));
  std::vector<int64_t> out_dims = batch;
  if (!a_vec) out_dims.push_back(m);
  if (!b_vec) out_dims.push_back(n);
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(a->dtype(), out_dims));
  const int64_t batches = NumElements(batch);
  QC_RETURN_IF_ERROR(CheckWork({batches, m, n, k}));
  QC_RETURN_IF_ERROR(CheckScratch(DType::kInt64, {batches, 2}));
  if (a->dtype() == DType::kFloat32) QC_RETURN_IF_ERROR(CheckPackedB(k, n));
  // Batch offsets (in matrices) of each operand per output batch entry.
  std::vector<int64_t> a_off, b_off;
  {
    std::vector<int64_t> a_idx(NumElements(a_batch)), b_idx(NumElements(b_batch));
    for (size_t i = 0; i < a_idx.size(); ++i) a_idx[i] = static_cast<int64_t>(i);
    for (size_t i = 0; i < b_idx.size(); ++i) b_idx[i] = static_cast<int64_t>(i);
    a_off.resize(NumElements(batch));
    b_off.resize(NumElements(batch));
    BroadcastPlan plan(batch, {a_batch, b_batch});
    BroadcastBinary(plan, a_idx.data(), b_idx.data(), a_off.data(),
                    [](int64_t x, int64_t) { return x; });
    BroadcastBinary(plan, a_idx.data(), b_idx.data(), b_off.data(),
                    [](int64_t, int64_t z) { return z; });
  }
  QC_RETURN_IF_ERROR(DispatchNumeric(a->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pa = a->data<T>().data();
    const T* pb = b->data<T>().data();
    T* py = y.mutable_data<T>();
    if constexpr (std::is_same_v<T, float>) {
      // One 2-D B (the common "activations x weights" case): pack it once.
      if (b->rank() == 2) {
        std::vector<float> scratch;
        const float* packed = PackedOperand(ctx, 1, k, n, pb, n, 1, scratch);
        for (size_t i = 0; i < a_off.size(); ++i) {
          SgemmPackedB(m, n, k, pa + a_off[i] * m * k, k, 1, packed, py + i * m * n, n);
        }
        return absl::OkStatus();
      }
    }
    for (size_t i = 0; i < a_off.size(); ++i) {
      Matmul<T>(m, n, k, pa + a_off[i] * m * k, k, 1, pb + b_off[i] * k * n, n, 1,
                py + static_cast<int64_t>(i) * m * n);
    }
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
