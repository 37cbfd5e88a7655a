#include "ir/tensor.h"

#include "util/check.h"

namespace quantc {

size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kBool:
    case DType::kInt8:
    case DType::kUInt8:
      return 1;
    case DType::kInt16:
    case DType::kUInt16:
    case DType::kFloat16:
    case DType::kBFloat16:
      return 2;
    case DType::kFloat32:
    case DType::kInt32:
    case DType::kUInt32:
      return 4;
    case DType::kFloat64:
    case DType::kInt64:
    case DType::kUInt64:
      return 8;
    case DType::kString:
    case DType::kUndefined:
      return 0;
  }
  return 0;
}

const char* DTypeName(DType t) {
  switch (t) {
    case DType::kUndefined: return "?";
    case DType::kFloat32: return "f32";
    case DType::kUInt8: return "u8";
    case DType::kInt8: return "i8";
    case DType::kUInt16: return "u16";
    case DType::kInt16: return "i16";
    case DType::kInt32: return "i32";
    case DType::kInt64: return "i64";
    case DType::kString: return "str";
    case DType::kBool: return "bool";
    case DType::kFloat16: return "f16";
    case DType::kFloat64: return "f64";
    case DType::kUInt32: return "u32";
    case DType::kUInt64: return "u64";
    case DType::kBFloat16: return "bf16";
  }
  return "?";
}

bool IsNumeric(DType t) { return t != DType::kUndefined && t != DType::kString; }

int64_t NumElements(absl::Span<const int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

Tensor::Tensor(DType dtype, std::vector<int64_t> dims)
    : dtype_(dtype), dims_(std::move(dims)), num_elements_(NumElements(dims_)) {
  if (dtype_ == DType::kString) {
    strings_ = std::make_shared<std::vector<std::string>>(num_elements_);
  } else {
    bytes_ = std::make_shared<std::string>(num_elements_ * DTypeSize(dtype_), '\0');
  }
}

Tensor::Tensor(DType dtype, std::vector<int64_t> dims, std::string bytes)
    : dtype_(dtype),
      dims_(std::move(dims)),
      num_elements_(NumElements(dims_)),
      bytes_(std::make_shared<std::string>(std::move(bytes))) {
  QC_CHECK(dtype_ != DType::kString);
  QC_CHECK(bytes_->size() == static_cast<size_t>(num_elements_) * DTypeSize(dtype_));
}

Tensor Tensor::Strings(std::vector<int64_t> dims, std::vector<std::string> values) {
  QC_CHECK(static_cast<int64_t>(values.size()) == NumElements(dims));
  Tensor t;
  t.dtype_ = DType::kString;
  t.num_elements_ = NumElements(dims);
  t.dims_ = std::move(dims);
  t.strings_ = std::make_shared<std::vector<std::string>>(std::move(values));
  return t;
}

const std::vector<std::string>& Tensor::strings() const {
  static const std::vector<std::string> kEmpty;
  return strings_ ? *strings_ : kEmpty;
}

char* Tensor::mutable_raw() { return bytes_ ? bytes_->data() : nullptr; }

Tensor Tensor::Reshaped(std::vector<int64_t> dims) const {
  QC_CHECK(NumElements(dims) == num_elements());
  Tensor t = *this;
  t.dims_ = std::move(dims);
  return t;
}

double Tensor::GetAsDouble(int64_t i) const {
  switch (dtype_) {
    case DType::kFloat32: return data<float>()[i];
    case DType::kFloat64: return data<double>()[i];
    case DType::kInt8: return data<int8_t>()[i];
    case DType::kUInt8: return data<uint8_t>()[i];
    case DType::kInt16: return data<int16_t>()[i];
    case DType::kUInt16: return data<uint16_t>()[i];
    case DType::kInt32: return data<int32_t>()[i];
    case DType::kUInt32: return data<uint32_t>()[i];
    case DType::kInt64: return static_cast<double>(data<int64_t>()[i]);
    case DType::kUInt64: return static_cast<double>(data<uint64_t>()[i]);
    case DType::kBool: return data<bool>()[i] ? 1.0 : 0.0;
    default: QC_CHECK(false && "GetAsDouble on a non-numeric tensor");
  }
  return 0;
}

bool Tensor::operator==(const Tensor& o) const {
  if (dtype_ != o.dtype_ || dims_ != o.dims_) return false;
  if (dtype_ == DType::kString) return strings() == o.strings();
  return num_bytes() == o.num_bytes() &&
         (num_bytes() == 0 || std::memcmp(raw(), o.raw(), num_bytes()) == 0);
}

namespace {
constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t FnvBytes(uint64_t h, const void* p, size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * kFnvPrime;
  return h;
}
}  // namespace

uint64_t TensorHash(const Tensor& t) {
  uint64_t h = kFnvOffset;
  int32_t dt = static_cast<int32_t>(t.dtype());
  h = FnvBytes(h, &dt, sizeof dt);
  for (int64_t d : t.dims()) h = FnvBytes(h, &d, sizeof d);
  if (t.dtype() == DType::kString) {
    for (const std::string& s : t.strings()) h = FnvBytes(h, s.data(), s.size() + 1);
  } else if (t.num_bytes() > 0) {
    h = FnvBytes(h, t.raw(), t.num_bytes());
  }
  return h;
}

}  // namespace quantc
