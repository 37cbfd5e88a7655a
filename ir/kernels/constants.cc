// Tensor generators: Constant, ConstantOfShape, Range.
//
// Constant's value comes from exactly one attribute: `value` (any tensor),
// or from opset 12 `value_float(s)`, `value_int(s)`, `value_string(s)`.
// Sparse constants are not supported (the importer keeps no sparse data).
#include <cmath>
#include <cstring>
#include <type_traits>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {

KernelResult Constant(const KernelContext& ctx) {
  const Node& n = ctx.node();
  if (n.attributes().size() != 1) {
    return Invalid("exactly one value attribute is required, got ", n.attributes().size());
  }
  const Attribute& a = n.attributes()[0];
  Tensor t;
  if (a.name == "value" && a.kind == Attribute::Kind::kTensor) {
    t = a.t;
  } else if (a.name == "value_float" && a.kind == Attribute::Kind::kFloat) {
    t = Tensor::Scalar<float>(a.f);
  } else if (a.name == "value_floats" && a.kind == Attribute::Kind::kFloats) {
    t = Tensor::FromVector<float>({static_cast<int64_t>(a.floats.size())}, a.floats);
  } else if (a.name == "value_int" && a.kind == Attribute::Kind::kInt) {
    t = Tensor::Scalar<int64_t>(a.i);
  } else if (a.name == "value_ints" && a.kind == Attribute::Kind::kInts) {
    t = Tensor::FromVector<int64_t>({static_cast<int64_t>(a.ints.size())}, a.ints);
  } else if (a.name == "value_string" && a.kind == Attribute::Kind::kString) {
    t = Tensor::Strings({}, {a.s});
  } else if (a.name == "value_strings" && a.kind == Attribute::Kind::kStrings) {
    t = Tensor::Strings({static_cast<int64_t>(a.strings.size())}, a.strings);
  } else {
    return Unsupported("constant attribute '", a.name, "' is not supported");
  }
  return std::vector<Tensor>{std::move(t)};
}

// ConstantOfShape: fills the given shape with the one element of `value`
// (default float32 zero).
KernelResult ConstantOfShape(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* shape_t, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ReadInts(*shape_t, "shape"));
  Tensor value = Tensor::Scalar<float>(0.0f);
  if (const Attribute* a = ctx.node().FindAttr("value")) {
    if (a->kind != Attribute::Kind::kTensor || a->t.num_elements() != 1) {
      return Invalid("attribute 'value' must be a one-element tensor");
    }
    value = a->t;
  }
  if (value.dtype() == DType::kString) return Unsupported("string ConstantOfShape");
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(value.dtype(), shape));
  const size_t es = DTypeSize(value.dtype());
  char* out = y.mutable_raw();
  for (int64_t i = 0; i < y.num_elements(); ++i) std::memcpy(out + i * es, value.raw(), es);
  return std::vector<Tensor>{std::move(y)};
}

// Range(start, limit, delta): max(ceil((limit - start) / delta), 0)
// elements start + i * delta, computed in the inputs' type like the spec's
// reference loop (repeated addition is not used, so no drift).
KernelResult Range(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* start, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* limit, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(const Tensor* delta, RequireInput(ctx, 2));
  for (const Tensor* t : {start, limit, delta}) {
    if (t->num_elements() != 1 || t->dtype() != start->dtype()) {
      return Invalid("start, limit and delta must be scalars of one type");
    }
  }
  QC_ASSIGN_OR_RETURN(
      Tensor y, DispatchNumeric(start->dtype(), [&](auto tag) -> absl::StatusOr<Tensor> {
        using T = typename decltype(tag)::type;
        const T s = start->data<T>()[0], l = limit->data<T>()[0], d = delta->data<T>()[0];
        if (d == T(0)) return Invalid("delta must not be zero");
        int64_t n = 0;
        if constexpr (std::is_integral_v<T>) {
          // Exact in 128 bits: doubles cannot tell INT64_MAX - 2 from
          // INT64_MAX.
          const __int128 diff = static_cast<__int128>(l) - s, step = d;
          const __int128 count = diff / step + ((diff % step != 0 && (diff < 0) == (step < 0)) ? 1 : 0);
          if (count >= (__int128{1} << 62)) return Invalid("Range would have over 2^62 elements");
          n = count > 0 ? static_cast<int64_t>(count) : 0;
        } else {
          const double count = std::ceil((static_cast<double>(l) - static_cast<double>(s)) /
                                         static_cast<double>(d));
          // NaN bounds, or a count past int64 (Create caps the rest).
          if (!(count < 9.0e18)) return Invalid("Range would have ", count, " elements");
          n = count > 0 ? static_cast<int64_t>(count) : 0;
        }
        QC_ASSIGN_OR_RETURN(Tensor out, Tensor::Create(start->dtype(), {n}));
        T* p = out.mutable_data<T>();
        // Integer ranges near the type's limits wrap like hardware instead
        // of overflowing (the last element may pass the limit by < delta).
        for (int64_t i = 0; i < n; ++i) p[i] = WrapAdd(s, WrapMul(static_cast<T>(i), d));
        return out;
      }));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
