// Ops that only change a tensor's shape or pass it through: Shape, Size,
// Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout (inference).
//
// None of these copy element data: the output shares the input's bytes
// (Tensor::Reshaped), which also makes them dtype-agnostic.
//
// Opset-dependent forms:
//   Squeeze/Unsqueeze  axes attribute before 13, optional/required input from 13
//   Reshape            allowzero attribute from 14 (0 means "copy dim" unless set)
//   Shape              start/end attributes from 15
//   Dropout            ratio attribute before 12; ratio/training_mode inputs from 12
#include <algorithm>
#include <optional>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

std::vector<Tensor> One(Tensor t) {
  std::vector<Tensor> v;
  v.push_back(std::move(t));
  return v;
}

// Squeeze/Unsqueeze axes: attribute before opset 13, input from 13.
absl::StatusOr<std::optional<std::vector<int64_t>>> AxesOperand(const KernelContext& ctx) {
  if (ctx.opset() < 13) {
    if (ctx.node().FindAttr("axes") == nullptr) return std::optional<std::vector<int64_t>>();
    return std::optional<std::vector<int64_t>>(ctx.node().GetInts("axes"));
  }
  if (!ctx.has_input(1)) return std::optional<std::vector<int64_t>>();
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ReadInts(*ctx.input(1), "axes"));
  return std::optional<std::vector<int64_t>>(std::move(axes));
}

}  // namespace

KernelResult Identity(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  return One(*x);
}

KernelResult Shape(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const int64_t rank = x->rank();
  // Shape-15 slices the dims; out-of-range bounds clamp (never an error).
  auto clamp = [rank](int64_t v) {
    if (v < 0) v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  int64_t start = clamp(ctx.node().GetInt("start", 0));
  int64_t end = clamp(ctx.node().GetInt("end", rank));
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) dims.push_back(x->dims()[i]);
  const int64_t n = static_cast<int64_t>(dims.size());
  return One(Tensor::FromVector<int64_t>({n}, dims));
}

KernelResult Size(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  return One(Tensor::Scalar<int64_t>(x->num_elements()));
}

KernelResult Reshape(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* shape_t, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ReadInts(*shape_t, "shape"));
  const bool allowzero = ctx.opset() >= 14 && ctx.node().GetInt("allowzero", 0) != 0;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowzero) {
      if (i >= x->dims().size()) {
        return Invalid("shape ", ShapeStr(shape), " copies dim ", i, " of a rank-", x->rank(),
                       " input");
      }
      shape[i] = x->dims()[i];
    }
    if (shape[i] == -1) {
      if (infer >= 0) return Invalid("shape ", ShapeStr(shape), " has more than one -1");
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      return Invalid("shape ", ShapeStr(shape), " has a negative dim");
    }
  }
  if (infer >= 0) {
    // The other dims, checked as a shape of their own so their product
    // cannot wrap around (a wrapped product could "match" the input).
    std::vector<int64_t> known = shape;
    known[infer] = 1;
    QC_ASSIGN_OR_RETURN(const int64_t k, CheckShape(x->dtype(), known));
    if (k == 0 || x->num_elements() % k != 0) {
      return Invalid("cannot reshape ", ShapeStr(x->dims()), " to ", ShapeStr(shape));
    }
    shape[infer] = x->num_elements() / k;
  }
  QC_ASSIGN_OR_RETURN(Tensor y, x->Reshape(std::move(shape)));
  return One(std::move(y));
}

KernelResult Flatten(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const int64_t rank = x->rank();
  int64_t axis = ctx.node().GetInt("axis", 1);
  // Unlike most axes, Flatten's may equal the rank (everything in dim 0).
  if (axis < -rank || axis > rank) {
    return Invalid("axis ", axis, " is out of range for rank ", rank);
  }
  if (axis < 0) axis += rank;
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= x->dims()[i];
  int64_t inner = 1;
  for (int64_t i = axis; i < rank; ++i) inner *= x->dims()[i];
  return One(x->Reshaped({outer, inner}));
}

KernelResult Squeeze(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(auto axes_opt, AxesOperand(ctx));
  const int64_t rank = x->rank();
  std::vector<bool> drop(rank, false);
  if (axes_opt) {
    QC_ASSIGN_OR_RETURN(std::vector<int64_t> axes, NormalizeAxes(*axes_opt, rank));
    for (int64_t a : axes) {
      if (x->dims()[a] != 1) {
        return Invalid("cannot squeeze axis ", a, " of size ", x->dims()[a], " in shape ",
                       ShapeStr(x->dims()));
      }
      drop[a] = true;
    }
  } else {
    for (int64_t i = 0; i < rank; ++i) drop[i] = x->dims()[i] == 1;
  }
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < rank; ++i) {
    if (!drop[i]) dims.push_back(x->dims()[i]);
  }
  return One(x->Reshaped(std::move(dims)));
}

KernelResult Unsqueeze(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(auto axes_opt, AxesOperand(ctx));
  if (!axes_opt) return Invalid("axes are required");
  // Axes index the output, whose rank is the input rank plus their count.
  const int64_t out_rank = x->rank() + static_cast<int64_t>(axes_opt->size());
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> axes, NormalizeAxes(*axes_opt, out_rank));
  std::vector<bool> inserted(out_rank, false);
  for (int64_t a : axes) inserted[a] = true;
  std::vector<int64_t> dims;
  size_t next = 0;
  for (int64_t i = 0; i < out_rank; ++i) {
    dims.push_back(inserted[i] ? 1 : x->dims()[next++]);
  }
  return One(x->Reshaped(std::move(dims)));
}

// Dropout is the identity at inference. Training mode (opset 12+) with a
// non-zero ratio draws random masks, which a reference interpreter cannot
// reproduce, so it is Unimplemented.
KernelResult Dropout(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  if (ctx.opset() >= 12 && ctx.has_input(2)) {
    QC_ASSIGN_OR_RETURN(double training, ReadScalar(*ctx.input(2), "training_mode"));
    double ratio = 0.5;
    if (ctx.has_input(1)) {
      QC_ASSIGN_OR_RETURN(ratio, ReadScalar(*ctx.input(1), "ratio"));
    }
    if (training != 0 && ratio != 0) {
      return Unsupported("training-mode Dropout (random masks) is not supported");
    }
  }
  std::vector<Tensor> out = One(*x);
  if (ctx.num_outputs() > 1) {
    // The mask is bool from opset 10; before that it had the input's type.
    DType mask_type = ctx.opset() >= 10 ? DType::kBool : x->dtype();
    QC_ASSIGN_OR_RETURN(Tensor mask, Tensor::Create(mask_type, x->dims()));
    if (mask_type == DType::kBool) {
      std::fill_n(mask.mutable_data<bool>(), x->num_elements(), true);
      out.push_back(std::move(mask));
    } else {
      QC_RETURN_IF_ERROR(DispatchFloat(mask_type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        std::fill_n(mask.mutable_data<T>(), x->num_elements(), T(1));
        return absl::OkStatus();
      }));
      out.push_back(std::move(mask));
    }
  }
  return out;
}

}  // namespace kernels
}  // namespace quantc
