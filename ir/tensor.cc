#include "ir/tensor.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/check.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

std::atomic<int64_t> g_max_tensor_bytes{int64_t{1} << 30};

std::string ShapeText(absl::Span<const int64_t> dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

// "1 GiB", "3.5 TiB", "700 bytes": sizes in messages.
std::string ByteText(double bytes) {
  if (bytes >= 9.2e18) return "over 2^63 bytes";
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) {
    bytes /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 || bytes == static_cast<int64_t>(bytes) ? "%.0f %s" : "%.1f %s",
                bytes, units[u]);
  return buf;
}

// Bytes one element occupies for the size cap (strings: their handle).
int64_t ElementBytes(DType t) {
  return t == DType::kString ? static_cast<int64_t>(sizeof(std::string))
                             : static_cast<int64_t>(DTypeSize(t));
}

// Non-negative dims whose product (zeros as ones) times `elem` fits int64:
// what the unchecked constructors demand of the program.
bool FitsInt64(absl::Span<const int64_t> dims, int64_t elem) {
  int64_t p = std::max<int64_t>(elem, 1);
  for (int64_t d : dims) {
    if (d < 0 || (d > 0 && __builtin_mul_overflow(p, d, &p))) return false;
  }
  return true;
}

}  // namespace

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

absl::StatusOr<DType> DTypeFromCode(int64_t code) {
  switch (code) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 10: case 11:
    case 12: case 13: case 16:
      return static_cast<DType>(code);
    case 0:
      return absl::InvalidArgumentError("element type is UNDEFINED (0)");
    case 14:
      return absl::UnimplementedError("element type complex64 (14) is not supported");
    case 15:
      return absl::UnimplementedError("element type complex128 (15) is not supported");
    default:
      // 17.. are the float8/int4/float4 types of ONNX releases after 1.12.
      if (code > 16 && code < 64) {
        return absl::UnimplementedError(
            absl::StrCat("element type ", code, " is not supported (quantc knows ONNX 1.12's)"));
      }
      return absl::InvalidArgumentError(
          absl::StrCat("element type ", code, " is not an ONNX element type"));
  }
}

int64_t NumElements(absl::Span<const int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

int64_t MaxTensorBytes() { return g_max_tensor_bytes.load(std::memory_order_relaxed); }

void SetMaxTensorBytes(int64_t bytes) {
  QC_CHECK(bytes > 0);
  g_max_tensor_bytes.store(bytes, std::memory_order_relaxed);
}

namespace {

// CheckShape with `cap`; `limit` names the cap in the message.
absl::StatusOr<int64_t> CheckShapeUnder(DType dtype, absl::Span<const int64_t> dims, int64_t cap,
                                        absl::string_view limit) {
  const int64_t elem = ElementBytes(dtype);
  if (elem == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("element type ", DTypeName(dtype), " has no size"));
  }
  int64_t bytes = elem;  // zero dims counted as one
  double real_bytes = static_cast<double>(elem);
  bool empty = false, too_big = false;
  for (int64_t d : dims) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape ", ShapeText(dims), " has a negative dimension"));
    }
    real_bytes *= static_cast<double>(d);
    if (d == 0) {
      empty = true;
    } else if (!too_big && (__builtin_mul_overflow(bytes, d, &bytes) || bytes > cap)) {
      too_big = true;
    }
  }
  if (too_big) {
    const std::string need =
        empty ? "is empty, but its non-zero dims alone exceed"
              : absl::StrCat("needs ", ByteText(real_bytes), ", more than");
    return absl::InvalidArgumentError(absl::StrCat("shape ", ShapeText(dims), " of ",
                                                   DTypeName(dtype), " ", need, " ", limit, " ",
                                                   ByteText(static_cast<double>(cap))));
  }
  return empty ? 0 : bytes / elem;
}

}  // namespace

absl::StatusOr<int64_t> CheckShape(DType dtype, absl::Span<const int64_t> dims) {
  return CheckShapeUnder(dtype, dims, MaxTensorBytes(), "quantc's tensor size limit of");
}

absl::StatusOr<int64_t> CheckStaticShape(DType dtype, absl::Span<const int64_t> dims) {
  return CheckShapeUnder(dtype, dims, kMaxStaticShapeBytes, "the size a shape may describe,");
}

absl::StatusOr<Tensor> Tensor::Create(DType dtype, std::vector<int64_t> dims) {
  QC_ASSIGN_OR_RETURN(const int64_t n, CheckShape(dtype, dims));
  Tensor t;
  t.dtype_ = dtype;
  t.dims_ = std::move(dims);
  t.num_elements_ = n;
  try {
    if (dtype == DType::kString) {
      t.strings_ = std::make_shared<std::vector<std::string>>(n);
    } else {
      t.bytes_ = std::make_shared<std::string>(n * DTypeSize(dtype), '\0');
    }
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat("out of memory allocating ", ByteText(static_cast<double>(n) * ElementBytes(dtype)),
                     " for a tensor of shape ", ShapeText(t.dims_)));
  }
  return t;
}

absl::StatusOr<Tensor> Tensor::FromBytes(DType dtype, std::vector<int64_t> dims,
                                         std::string bytes) {
  if (dtype == DType::kString) {
    return absl::InvalidArgumentError("string tensors have no byte form");
  }
  QC_ASSIGN_OR_RETURN(const int64_t n, CheckShape(dtype, dims));
  const size_t want = static_cast<size_t>(n) * DTypeSize(dtype);
  if (bytes.size() != want) {
    return absl::InvalidArgumentError(absl::StrCat("holds ", bytes.size(), " bytes but shape ",
                                                   ShapeText(dims), " of ", DTypeName(dtype),
                                                   " needs ", want));
  }
  if (dtype == DType::kBool) {
    for (char c : bytes) {
      // Any other byte is not a valid C++ bool once read as one.
      if (c != 0 && c != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "bool data holds the byte ", static_cast<int>(static_cast<unsigned char>(c)),
            " (only 0 and 1 are booleans)"));
      }
    }
  }
  Tensor t;
  t.dtype_ = dtype;
  t.dims_ = std::move(dims);
  t.num_elements_ = n;
  t.bytes_ = std::make_shared<std::string>(std::move(bytes));
  return t;
}

Tensor::Tensor(DType dtype, std::vector<int64_t> dims)
    : dtype_(dtype), dims_(std::move(dims)) {
  QC_CHECK(FitsInt64(dims_, ElementBytes(dtype_)));
  num_elements_ = NumElements(dims_);
  if (dtype_ == DType::kString) {
    strings_ = std::make_shared<std::vector<std::string>>(num_elements_);
  } else {
    bytes_ = std::make_shared<std::string>(num_elements_ * DTypeSize(dtype_), '\0');
  }
}

Tensor::Tensor(DType dtype, std::vector<int64_t> dims, std::string bytes)
    : dtype_(dtype),
      dims_(std::move(dims)),
      bytes_(std::make_shared<std::string>(std::move(bytes))) {
  QC_CHECK(dtype_ != DType::kString);
  QC_CHECK(FitsInt64(dims_, ElementBytes(dtype_)));
  num_elements_ = NumElements(dims_);
  QC_CHECK(bytes_->size() == static_cast<size_t>(num_elements_) * DTypeSize(dtype_));
}

Tensor Tensor::Strings(std::vector<int64_t> dims, std::vector<std::string> values) {
  QC_CHECK(FitsInt64(dims, ElementBytes(DType::kString)));
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
  QC_CHECK(FitsInt64(dims, ElementBytes(dtype_)));
  QC_CHECK(NumElements(dims) == num_elements());
  Tensor t = *this;
  t.dims_ = std::move(dims);
  return t;
}

absl::StatusOr<Tensor> Tensor::Reshape(std::vector<int64_t> dims) const {
  QC_ASSIGN_OR_RETURN(const int64_t n, CheckShape(dtype_, dims));
  if (n != num_elements()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot reshape ", ShapeText(dims_), " (",
                                                   num_elements(), " elements) to ",
                                                   ShapeText(dims), " (", n, " elements)"));
  }
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
