// Comparisons (Equal, Less, LessOrEqual, Greater, GreaterOrEqual), boolean
// logic (And, Or, Xor) and Where, all with numpy broadcasting and bool
// outputs. These mostly appear in exported shape arithmetic, which is why
// the constant folder wants them.
#include <cstring>

#include "ir/kernels/broadcast.h"
#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

enum class CmpOp { kEq, kLt, kLe, kGt, kGe };

template <typename T>
void Compare(CmpOp op, const BroadcastPlan& plan, const T* a, const T* b, bool* y) {
  switch (op) {
    case CmpOp::kEq:
      BroadcastBinary(plan, a, b, y, [](T x, T z) { return x == z; });
      break;
    case CmpOp::kLt:
      BroadcastBinary(plan, a, b, y, [](T x, T z) { return x < z; });
      break;
    case CmpOp::kLe:
      BroadcastBinary(plan, a, b, y, [](T x, T z) { return x <= z; });
      break;
    case CmpOp::kGt:
      BroadcastBinary(plan, a, b, y, [](T x, T z) { return x > z; });
      break;
    case CmpOp::kGe:
      BroadcastBinary(plan, a, b, y, [](T x, T z) { return x >= z; });
      break;
  }
}

KernelResult CompareKernel(const KernelContext& ctx, CmpOp op) {
  QC_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
  if (a->dtype() != b->dtype()) {
    return Invalid("operands have different element types ", DTypeName(a->dtype()), " and ",
                   DTypeName(b->dtype()));
  }
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> dims, BroadcastShapes(a->dims(), b->dims()));
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(DType::kBool, dims));
  BroadcastPlan plan(dims, {a->dims(), b->dims()});
  if (a->dtype() == DType::kBool && op == CmpOp::kEq) {
    Compare<bool>(op, plan, a->data<bool>().data(), b->data<bool>().data(), y.mutable_data<bool>());
  } else {
    QC_RETURN_IF_ERROR(DispatchNumeric(a->dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      Compare<T>(op, plan, a->data<T>().data(), b->data<T>().data(), y.mutable_data<bool>());
      return absl::OkStatus();
    }));
  }
  return std::vector<Tensor>{std::move(y)};
}

enum class LogicOp { kAnd, kOr, kXor };

KernelResult LogicKernel(const KernelContext& ctx, LogicOp op) {
  QC_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
  if (a->dtype() != DType::kBool || b->dtype() != DType::kBool) {
    return Invalid("operands must be bool, got ", DTypeName(a->dtype()), " and ",
                   DTypeName(b->dtype()));
  }
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> dims, BroadcastShapes(a->dims(), b->dims()));
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(DType::kBool, dims));
  BroadcastPlan plan(dims, {a->dims(), b->dims()});
  const bool* pa = a->data<bool>().data();
  const bool* pb = b->data<bool>().data();
  bool* py = y.mutable_data<bool>();
  switch (op) {
    case LogicOp::kAnd:
      BroadcastBinary(plan, pa, pb, py, [](bool x, bool z) { return x && z; });
      break;
    case LogicOp::kOr:
      BroadcastBinary(plan, pa, pb, py, [](bool x, bool z) { return x || z; });
      break;
    case LogicOp::kXor:
      BroadcastBinary(plan, pa, pb, py, [](bool x, bool z) { return x != z; });
      break;
  }
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace

KernelResult Equal(const KernelContext& ctx) { return CompareKernel(ctx, CmpOp::kEq); }
KernelResult Less(const KernelContext& ctx) { return CompareKernel(ctx, CmpOp::kLt); }
KernelResult LessOrEqual(const KernelContext& ctx) { return CompareKernel(ctx, CmpOp::kLe); }
KernelResult Greater(const KernelContext& ctx) { return CompareKernel(ctx, CmpOp::kGt); }
KernelResult GreaterOrEqual(const KernelContext& ctx) { return CompareKernel(ctx, CmpOp::kGe); }
KernelResult And(const KernelContext& ctx) { return LogicKernel(ctx, LogicOp::kAnd); }
KernelResult Or(const KernelContext& ctx) { return LogicKernel(ctx, LogicOp::kOr); }
KernelResult Xor(const KernelContext& ctx) { return LogicKernel(ctx, LogicOp::kXor); }

// Where(cond, X, Y): three-way broadcast; X and Y may have any non-string
// type, so elements are copied as bytes.
KernelResult Where(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* c, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(const Tensor* y, RequireInput(ctx, 2));
  if (c->dtype() != DType::kBool) return Invalid("condition must be bool");
  if (x->dtype() != y->dtype()) return Invalid("X and Y have different element types");
  if (x->dtype() == DType::kString) return Unsupported("Where on strings");
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> dims, BroadcastShapes(c->dims(), x->dims()));
  QC_ASSIGN_OR_RETURN(dims, BroadcastShapes(dims, y->dims()));
  QC_ASSIGN_OR_RETURN(Tensor out, Tensor::Create(x->dtype(), dims));
  BroadcastPlan plan(dims, {c->dims(), x->dims(), y->dims()});
  const size_t es = DTypeSize(x->dtype());
  const bool* pc = c->data<bool>().data();
  const char* px = x->raw();
  const char* py = y->raw();
  char* po = out.mutable_raw();
  const int64_t sc = plan.inner_stride(0), sx = plan.inner_stride(1), sy = plan.inner_stride(2);
  plan.ForEachRow([&](const int64_t* off, int64_t o, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      const char* src =
          pc[off[0] + i * sc] ? px + (off[1] + i * sx) * es : py + (off[2] + i * sy) * es;
      std::memcpy(po + (o + i) * es, src, es);
    }
  });
  return std::vector<Tensor>{std::move(out)};
}

}  // namespace kernels
}  // namespace quantc
