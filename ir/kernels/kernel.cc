#include "ir/kernels/kernel.h"

#include <algorithm>
#include <atomic>

#include "absl/strings/str_join.h"

namespace quantc {
namespace kernels {

absl::StatusOr<const Tensor*> RequireInput(const KernelContext& ctx, int i) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr) return Invalid("required input ", i, " is missing");
  return t;
}

absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    return Invalid("axis ", axis, " is out of range for rank ", rank);
  }
  return axis < 0 ? axis + rank : axis;
}

absl::StatusOr<std::vector<int64_t>> NormalizeAxes(absl::Span<const int64_t> axes, int64_t rank) {
  std::vector<int64_t> out;
  out.reserve(axes.size());
  for (int64_t a : axes) {
    auto n = NormalizeAxis(a, rank);
    if (!n.ok()) return n.status();
    if (std::find(out.begin(), out.end(), *n) != out.end()) {
      return Invalid("axis ", a, " is repeated in ", ShapeStr(axes));
    }
    out.push_back(*n);
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> ReadInts(const Tensor& t, absl::string_view what) {
  std::vector<int64_t> out(t.num_elements());
  if (t.dtype() == DType::kInt64) {
    auto d = t.data<int64_t>();
    std::copy(d.begin(), d.end(), out.begin());
  } else if (t.dtype() == DType::kInt32) {
    auto d = t.data<int32_t>();
    std::copy(d.begin(), d.end(), out.begin());
  } else {
    return Invalid(what, " must be int32 or int64, got ", DTypeName(t.dtype()));
  }
  return out;
}

absl::StatusOr<double> ReadScalar(const Tensor& t, absl::string_view what) {
  if (t.num_elements() != 1 || !IsNumeric(t.dtype()) || t.dtype() == DType::kFloat16 ||
      t.dtype() == DType::kBFloat16) {
    return Invalid(what, " must be a numeric scalar, got ", DTypeName(t.dtype()), " ",
                   ShapeStr(t.dims()));
  }
  return t.GetAsDouble(0);
}

absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return Invalid(a, " * ", b, " overflows 64 bits");
  return r;
}

absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return Invalid(a, " + ", b, " overflows 64 bits");
  return r;
}

absl::Status CheckScratch(DType dtype, absl::Span<const int64_t> dims) {
  absl::StatusOr<int64_t> n = CheckShape(dtype, dims);
  if (n.ok()) return absl::OkStatus();
  return Unsupported("the interpreter would need a scratch buffer of ", n.status().message());
}

namespace {
std::atomic<int64_t> g_max_work{int64_t{1} << 36};
}  // namespace

int64_t MaxWorkPerNode() { return g_max_work.load(std::memory_order_relaxed); }

void SetMaxWorkPerNode(int64_t steps) { g_max_work.store(steps, std::memory_order_relaxed); }

absl::Status CheckWork(std::initializer_list<int64_t> factors) {
  double steps = 1;
  for (int64_t f : factors) steps *= static_cast<double>(std::max<int64_t>(f, 0));
  const int64_t limit = MaxWorkPerNode();
  if (steps <= static_cast<double>(limit)) return absl::OkStatus();
  return Unsupported("the node needs ", steps, " multiply-accumulates, more than the interpreter's ",
                     "limit of ", limit, " per node");
}

std::string ShapeStr(absl::Span<const int64_t> dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

std::vector<int64_t> Strides(absl::Span<const int64_t> dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int64_t i = static_cast<int64_t>(dims.size()) - 2; i >= 0; --i) {
    s[i] = s[i + 1] * dims[i + 1];
  }
  return s;
}

absl::Status RequireFloat(const Tensor& t, absl::string_view what) {
  if (t.dtype() == DType::kFloat32 || t.dtype() == DType::kFloat64) return absl::OkStatus();
  return Unsupported(what, " has element type ", DTypeName(t.dtype()),
                     "; only f32 and f64 are supported");
}

}  // namespace kernels
}  // namespace quantc
