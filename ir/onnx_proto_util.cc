#include "ir/onnx_proto_util.h"

#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

// Copies typed-field values into a tensor, narrowing as the dtype demands.
template <typename Src, typename Field>
absl::Status FillFrom(const Field& field, Tensor& t) {
  int64_t n = t.num_elements();
  if (static_cast<int64_t>(field.size()) != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "holds ", field.size(), " values but its shape [", absl::StrJoin(t.dims(), ","),
        "] needs ", n));
  }
  char* out = t.mutable_raw();
  size_t sz = DTypeSize(t.dtype());
  for (int64_t i = 0; i < n; ++i) {
    Src v = static_cast<Src>(field.Get(i));
    if (t.dtype() == DType::kBool && v != 0 && v != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("bool value ", i, " is ", v, " (only 0 and 1 are booleans)"));
    }
    // Typed fields store narrow types widened; keep the low bytes
    // (little-endian), which is exactly ONNX's packing rule.
    std::memcpy(out + i * sz, &v, sz);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& p) {
  QC_ASSIGN_OR_RETURN(const DType dt, DTypeFromCode(p.data_type()));
  if (p.has_segment()) return absl::UnimplementedError("segmented tensors are not supported");
  std::vector<int64_t> dims(p.dims().begin(), p.dims().end());
  // The shape is checked (and the element count computed without wrapping)
  // before anything is allocated: a corrupt shape must not become a huge
  // allocation, nor a count that "matches" the data after wrapping.
  QC_ASSIGN_OR_RETURN(const int64_t n, CheckShape(dt, dims));
  int64_t present = p.has_raw_data() ? static_cast<int64_t>(p.raw_data().size())
                                      : static_cast<int64_t>(p.float_data_size()) + p.int32_data_size() +
                                            p.int64_data_size() + p.double_data_size() +
                                            p.uint64_data_size() + p.string_data_size();
  int64_t needed = p.has_raw_data() ? n * static_cast<int64_t>(DTypeSize(dt)) : n;
  if (present != needed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "holds ", present, p.has_raw_data() ? " bytes" : " values", " but its shape [",
        absl::StrJoin(dims, ","), "] and type ", DTypeName(dt), " need ", needed));
  }
  if (dt == DType::kString) {
    if (p.string_data_size() != n) {
      return absl::InvalidArgumentError(absl::StrCat("holds ", p.string_data_size(),
                                                     " strings but its shape needs ", n));
    }
    return Tensor::Strings(dims, {p.string_data().begin(), p.string_data().end()});
  }
  if (p.has_raw_data()) return Tensor::FromBytes(dt, std::move(dims), p.raw_data());
  QC_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(dt, std::move(dims)));
  absl::Status st;
  switch (dt) {
    case DType::kFloat32: st = FillFrom<float>(p.float_data(), t); break;
    case DType::kFloat64: st = FillFrom<double>(p.double_data(), t); break;
    case DType::kInt64: st = FillFrom<int64_t>(p.int64_data(), t); break;
    case DType::kUInt32:
    case DType::kUInt64: st = FillFrom<uint64_t>(p.uint64_data(), t); break;
    default: st = FillFrom<int32_t>(p.int32_data(), t); break;
  }
  if (!st.ok()) return st;
  return t;
}

void TensorToProto(const Tensor& t, onnx::TensorProto* p) {
  p->set_data_type(static_cast<int32_t>(t.dtype()));
  for (int64_t d : t.dims()) p->add_dims(d);
  if (t.dtype() == DType::kString) {
    for (const std::string& s : t.strings()) p->add_string_data(s);
  } else {
    p->set_raw_data(std::string(t.raw() ? t.raw() : "", t.num_bytes()));
  }
}

absl::StatusOr<TensorType> TypeFromProto(const onnx::TypeProto& t) {
  TensorType out;
  if (!t.has_tensor_type()) return out;
  const auto& tt = t.tensor_type();
  if (tt.elem_type() != 0) {
    QC_ASSIGN_OR_RETURN(out.dtype, DTypeFromCode(tt.elem_type()));
  }
  if (tt.has_shape()) {
    out.shape.emplace();
    out.shape->reserve(tt.shape().dim_size());
    std::vector<int64_t> known;  // unknown dims as 0: they cannot excuse the rest
    known.reserve(tt.shape().dim_size());
    for (const auto& d : tt.shape().dim()) {
      Dim dim;
      if (d.has_dim_value() && d.dim_value() >= 0) {
        dim.value = d.dim_value();
      } else if (d.has_dim_param()) {
        dim.param = d.dim_param();
      }
      known.push_back(dim.known() ? dim.value : 0);
      out.shape->push_back(std::move(dim));
    }
    const DType sized = out.dtype == DType::kUndefined ? DType::kUInt8 : out.dtype;
    // A type describes a value, it does not allocate one: the tensor cap
    // applies where tensors are created (kernels, initializers, .npy).
    QC_RETURN_IF_ERROR(CheckStaticShape(sized, known).status());
  }
  return out;
}

void TypeToProto(const TensorType& t, onnx::TypeProto* p) {
  auto* tt = p->mutable_tensor_type();
  tt->set_elem_type(static_cast<int32_t>(t.dtype));
  if (!t.shape) return;
  auto* shape = tt->mutable_shape();
  for (const Dim& d : *t.shape) {
    auto* pd = shape->add_dim();
    if (d.known()) {
      pd->set_dim_value(d.value);
    } else if (!d.param.empty()) {
      pd->set_dim_param(d.param);
    }
  }
}

}  // namespace quantc
