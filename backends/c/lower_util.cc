#include "backends/c/lower_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/kernels/window.h"
#include "ir/tensor.h"
#include "quant/fixed_point.h"
#include "util/status_macros.h"

namespace quantc::cbackend {

std::optional<Tensor> ConstantOf(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_initializer()) return v->initializer();
  const Node* p = v->producer();
  if (p != nullptr && p->op_type() == "Constant" && p->domain().empty()) {
    const Attribute* a = p->FindAttr("value");
    if (a != nullptr && a->kind == Attribute::Kind::kTensor) return a->t;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<int64_t>> StaticDims(const Value& v) {
  std::optional<std::vector<int64_t>> d = v.type().StaticDims();
  if (!d) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", v.name(),
                     "' has no fully known shape; the C backend plans memory at "
                     "compile time (export the model with fixed input dims)"));
  }
  // The C program materializes every tensor it plans: each must be one
  // quantc could create (a static shape alone may describe far more).
  const DType dtype = v.type().dtype == DType::kUndefined ? DType::kUInt8 : v.type().dtype;
  if (absl::Status st = CheckShape(dtype, *d).status(); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", v.name(), "': ", st.message()));
  }
  return *d;
}

std::vector<int64_t> Broadcast(std::vector<int64_t> a, std::vector<int64_t> b) {
  while (a.size() < b.size()) a.insert(a.begin(), 1);
  while (b.size() < a.size()) b.insert(b.begin(), 1);
  std::vector<int64_t> r(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && a[i] != 1 && b[i] != 1) return {};
    r[i] = std::max(a[i], b[i]);
  }
  return r.size() <= 4 ? r : std::vector<int64_t>{};
}

bool SingleUse(const Graph& g, const Value& v) {
  return v.uses().size() == 1 && !g.IsGraphOutput(&v);
}

absl::StatusOr<Window2> MakeWindow2(const Node& n, const std::vector<int64_t>& in_dims,
                                    const std::vector<int64_t>& kernel, bool ceil_mode) {
  if (in_dims.size() != 3 && in_dims.size() != 4) {
    return absl::UnimplementedError(
        absl::StrCat("input of rank ", in_dims.size(), "; the C backend has 1-D and 2-D windows"));
  }
  const std::vector<int64_t> spatial(in_dims.begin() + 2, in_dims.end());
  QC_ASSIGN_OR_RETURN(kernels::Window w, kernels::MakeWindow(n, spatial, kernel, ceil_mode));
  Window2 r;
  for (int i = 0; i < 2; ++i) {
    const int j = i + 1;  // Window keeps 3 dims, leading ones of size 1
    r.in[i] = w.in[j];
    r.out[i] = w.out[j];
    r.kernel[i] = w.kernel[j];
    r.stride[i] = w.stride[j];
    r.dilation[i] = w.dilation[j];
    r.pad_begin[i] = w.pad_begin[j];
    r.pad_end[i] = w.pad_end[j];
  }
  return r;
}

std::vector<int64_t> WindowOutputDims(const std::vector<int64_t>& in_dims, int64_t channels,
                                      const Window2& w) {
  std::vector<int64_t> d = {in_dims[0], channels};
  if (in_dims.size() == 4) d.push_back(w.out[0]);
  d.push_back(w.out[1]);
  return d;
}

absl::StatusOr<Requant> FixedRequant(const std::vector<double>& m, int32_t out_zero_point,
                                     int32_t lo, int32_t hi) {
  Requant r;
  r.kind = Requant::Kind::kFixedPoint;
  for (double v : m) {
    QC_ASSIGN_OR_RETURN(QuantizedMultiplier q, QuantizeMultiplier(v));
    r.multiplier.push_back(q.multiplier);
    r.shift.push_back(q.shift);
  }
  r.out_zero_point = out_zero_point;
  r.lo = lo;
  r.hi = hi;
  return r;
}

std::string DimsStr(const std::vector<int64_t>& d) {
  return absl::StrCat("[", absl::StrJoin(d, ","), "]");
}

void Coverage::Fail(const Node& n, const std::string& reason) {
  if (!failed_.insert(&n).second) return;
  failures_.push_back(absl::StrCat(n.Describe(), ": ", reason));
}

void Coverage::FailUnconsumed(const Graph& g, const std::string& reason) {
  for (const Node* n : g.nodes()) {
    if (!consumed_.contains(n)) Fail(*n, reason);
  }
}

absl::Status Coverage::ToStatus() const {
  if (failures_.empty()) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat("the C backend cannot implement ", failures_.size(),
                                               " node(s): ", absl::StrJoin(failures_, "; ")));
}

}  // namespace quantc::cbackend
