// Tensors: typed, immutable, shared byte buffers with a shape.
//
// A Tensor is cheap to copy (the bytes are shared and never mutated after
// construction), which lets constant folding, the interpreter and passes hand
// tensors around without thinking about ownership.
#ifndef QUANTC_IR_TENSOR_H_
#define QUANTC_IR_TENSOR_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace quantc {

/// Element types. Values mirror onnx::TensorProto_DataType so that import and
/// export convert with a cast, but quantc code only ever uses the names.
enum class DType : int32_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kBFloat16 = 16,
};

/// Bytes per element; 0 for kUndefined and kString.
size_t DTypeSize(DType t);
/// Short lowercase name used by the printer: "f32", "i8", "u8", ...
const char* DTypeName(DType t);
/// Whether `t` is one of the numeric types above (not string/undefined).
bool IsNumeric(DType t);
/// The DType for an ONNX element type code read from a file (an initializer,
/// a value's type, Cast's `to`): Unimplemented for codes quantc has no
/// DType for (complex, float8, codes from the future), InvalidArgument for
/// UNDEFINED and codes no ONNX version defines.
absl::StatusOr<DType> DTypeFromCode(int64_t code);

template <typename T>
struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFloat32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kFloat64; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kInt8; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kUInt8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kInt16; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::kUInt16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::kUInt32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kInt64; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::kUInt64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };

/// Number of elements of a shape (1 for a scalar). Plain multiplication:
/// only for shapes that passed CheckShape or come from the program.
int64_t NumElements(absl::Span<const int64_t> dims);

/// The most bytes one tensor may take when its shape comes from input (a
/// model file, .npy data, a shape a kernel computes from tensor data). One
/// process-wide cap, 1 GiB unless changed: anything larger is rejected
/// before any allocation, so a hostile file gets an error, not an
/// out-of-memory kill. Embedders with bigger models (and fuzzers, which
/// want less) may change it.
int64_t MaxTensorBytes();
void SetMaxTensorBytes(int64_t bytes);

/// The one checked size helper for shapes from input. Accepts `dims` for a
/// tensor of `dtype` when every dim is >= 0 and the dims' product, with
/// zero dims counted as one, times the element size (a std::string for
/// kString) is at most MaxTensorBytes(). Counting zeros as ones keeps the
/// strides, offsets and loop bounds of even an empty tensor small, so no
/// code downstream can overflow on a shape that passed. Returns the element
/// count; the error (InvalidArgument) says which rule the shape breaks.
absl::StatusOr<int64_t> CheckShape(DType dtype, absl::Span<const int64_t> dims);

/// The most bytes a static shape (a value's type, declared or inferred) may
/// describe: 2^62, so that its element count, byte size and any product of
/// its dims fit int64 with room to spare. A shape is metadata: a model may
/// describe a 16 GiB intermediate that nothing materializes (only its shape
/// is read); the tensor cap applies where a tensor is created.
constexpr int64_t kMaxStaticShapeBytes = int64_t{1} << 62;

/// CheckShape's rules with kMaxStaticShapeBytes instead of the tensor cap,
/// for shapes that describe values rather than allocate them.
absl::StatusOr<int64_t> CheckStaticShape(DType dtype, absl::Span<const int64_t> dims);

/// A dense, row-major tensor. String tensors keep one std::string per element
/// in `strings()`; every other dtype keeps its little-endian bytes.
class Tensor {
 public:
  Tensor() = default;
  /// Zero-filled tensor of a shape checked by CheckShape: the factory for
  /// every shape that comes from input. ResourceExhausted when memory runs
  /// out even so.
  static absl::StatusOr<Tensor> Create(DType dtype, std::vector<int64_t> dims);
  /// Takes `bytes` for a checked shape; InvalidArgument unless they are
  /// exactly the shape's size (and, for bool, every byte is 0 or 1).
  static absl::StatusOr<Tensor> FromBytes(DType dtype, std::vector<int64_t> dims,
                                          std::string bytes);
  /// Zero-filled tensor of a shape the program chose (a pass's scale
  /// vector, a fixed-size test tensor), unchecked against the cap; aborts
  /// on a negative or overflowing shape, a programmer bug. Sizes derived
  /// from input use Create.
  Tensor(DType dtype, std::vector<int64_t> dims);
  /// Takes `bytes`, which must hold exactly NumElements(dims)*DTypeSize
  /// bytes (same contract as the constructor above; input uses FromBytes).
  Tensor(DType dtype, std::vector<int64_t> dims, std::string bytes);
  /// String tensor.
  static Tensor Strings(std::vector<int64_t> dims, std::vector<std::string> values);

  template <typename T>
  static Tensor FromVector(std::vector<int64_t> dims, const std::vector<T>& v) {
    Tensor t(DTypeOf<T>::value, std::move(dims));
    if constexpr (std::is_same_v<T, bool>) {
      for (size_t i = 0; i < v.size(); ++i) t.mutable_data<bool>()[i] = v[i];
    } else if (!v.empty()) {
      std::memcpy(t.mutable_raw(), v.data(), v.size() * sizeof(T));
    }
    return t;
  }
  template <typename T>
  static Tensor Scalar(T v) { return FromVector<T>({}, {v}); }

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& dims() const { return dims_; }
  int64_t rank() const { return static_cast<int64_t>(dims_.size()); }
  int64_t num_elements() const { return num_elements_; }
  size_t num_bytes() const { return bytes_ ? bytes_->size() : 0; }
  const char* raw() const { return bytes_ ? bytes_->data() : nullptr; }
  const std::vector<std::string>& strings() const;

  template <typename T>
  absl::Span<const T> data() const {
    return absl::Span<const T>(reinterpret_cast<const T*>(raw()), num_elements());
  }
  /// Mutable access is only for the code that builds a tensor, before it is
  /// shared; copies made earlier alias the same bytes.
  char* mutable_raw();
  template <typename T>
  T* mutable_data() { return reinterpret_cast<T*>(mutable_raw()); }

  /// Same bytes, new dims (element counts must match; aborts otherwise).
  Tensor Reshaped(std::vector<int64_t> dims) const;
  /// Same bytes, new dims from input: CheckShape, then InvalidArgument
  /// unless the element counts match.
  absl::StatusOr<Tensor> Reshape(std::vector<int64_t> dims) const;
  /// Element `i` converted to double (numeric dtypes only).
  double GetAsDouble(int64_t i) const;
  /// Exact equality of dtype, dims and bytes.
  bool operator==(const Tensor& o) const;
  bool operator!=(const Tensor& o) const { return !(*this == o); }

 private:
  DType dtype_ = DType::kUndefined;
  std::vector<int64_t> dims_;
  // NumElements(dims_), kept because element access (data<T>(),
  // GetAsDouble) asks for it on every call.
  int64_t num_elements_ = 1;
  std::shared_ptr<std::string> bytes_;
  std::shared_ptr<std::vector<std::string>> strings_;
};

/// 64-bit FNV-1a of the tensor's dtype, dims and bytes: stable across runs
/// and machines, used by the printer to summarize large constants.
uint64_t TensorHash(const Tensor& t);

}  // namespace quantc

#endif  // QUANTC_IR_TENSOR_H_
