// .npy reading and writing. The header is a Python dict literal; rather
// than a general Python parser, a small recursive-descent reader accepts the
// literal subset numpy writes (strings, ints, True/False/None, tuples and
// lists) with a nesting cap, so hostile headers fail cleanly.
#include "ir/npy.h"

#include <fstream>
#include <memory>

#include <cstring>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/check.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

constexpr absl::string_view kMagic("\x93NUMPY", 6);
// numpy aligns the data start to 64 bytes and, since 1.24, leaves room for
// the first axis to grow to this many digits; copying both keeps our files
// byte-identical to np.save's.
constexpr size_t kAlign = 64;
constexpr size_t kGrowthAxisMaxDigits = 21;
constexpr size_t kMaxRank = 64;
constexpr int kMaxNesting = 8;

// descr without its byte-order character, e.g. "f4".
struct Code {
  DType dtype;
  const char* type;
};
constexpr Code kCodes[] = {
    {DType::kFloat16, "f2"}, {DType::kFloat32, "f4"}, {DType::kFloat64, "f8"},
    {DType::kInt8, "i1"},    {DType::kUInt8, "u1"},   {DType::kInt16, "i2"},
    {DType::kUInt16, "u2"},  {DType::kInt32, "i4"},   {DType::kUInt32, "u4"},
    {DType::kInt64, "i8"},   {DType::kUInt64, "u8"},  {DType::kBool, "b1"},
};

const Code* FindCode(DType dtype) {
  for (const Code& c : kCodes) if (c.dtype == dtype) return &c;
  return nullptr;
}

std::string Descr(DType dtype) {
  const Code* c = FindCode(dtype);
  return absl::StrCat(DTypeSize(dtype) == 1 ? "|" : "<", c->type);
}

// Python's repr of a shape tuple: (), (3,), (2, 3).
std::string ShapeRepr(const std::vector<int64_t>& dims) {
  if (dims.size() == 1) return absl::StrCat("(", dims[0], ",)");
  return absl::StrCat("(", absl::StrJoin(dims, ", "), ")");
}

// One value of the literal subset. Ints keep their digits so that range
// checks happen where the meaning is known.
struct PyValue {
  enum class Kind { kString, kInt, kBool, kNone, kTuple, kList };
  Kind kind = Kind::kNone;
  std::string text;  // string contents or int digits
  bool truth = false;
  std::vector<PyValue> items;
};

class HeaderParser {
 public:
  explicit HeaderParser(absl::string_view s) : s_(s) {}

  // Parses the whole header as {'key': value, ...} with a trailing comma
  // allowed and only whitespace after the closing brace.
  absl::StatusOr<std::map<std::string, PyValue>> ParseDict() {
    std::map<std::string, PyValue> out;
    SkipSpace();
    if (!Eat('{')) return Error("the header is not a dict literal");
    while (true) {
      SkipSpace();
      if (Eat('}')) break;
      QC_ASSIGN_OR_RETURN(PyValue key, ParseValue(0));
      if (key.kind != PyValue::Kind::kString) return Error("a header key is not a string");
      SkipSpace();
      if (!Eat(':')) return Error("expected ':'");
      QC_ASSIGN_OR_RETURN(PyValue value, ParseValue(0));
      if (!out.emplace(key.text, std::move(value)).second) {
        return Error(absl::StrCat("key '", key.text, "' appears twice"));
      }
      SkipSpace();
      if (Eat('}')) break;
      if (!Eat(',')) return Error("expected ',' or '}'");
    }
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the dict");
    return out;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed header: ", what, " at offset ", pos_));
  }
  void SkipSpace() {
    while (pos_ < s_.size() && absl::ascii_isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool EatWord(absl::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }

  absl::StatusOr<PyValue> ParseValue(int depth) {
    if (depth > kMaxNesting) return Error("nesting too deep");
    SkipSpace();
    if (pos_ >= s_.size()) return Error("unexpected end");
    PyValue v;
    char c = s_[pos_];
    if (c == '\'' || c == '"') {
      ++pos_;
      v.kind = PyValue::Kind::kString;
      while (pos_ < s_.size() && s_[pos_] != c) {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        v.text.push_back(s_[pos_++]);
      }
      if (!Eat(c)) return Error("unterminated string");
    } else if (c == '(' || c == '[') {
      ++pos_;
      char close = c == '(' ? ')' : ']';
      v.kind = c == '(' ? PyValue::Kind::kTuple : PyValue::Kind::kList;
      while (true) {
        SkipSpace();
        if (Eat(close)) break;
        QC_ASSIGN_OR_RETURN(PyValue item, ParseValue(depth + 1));
        v.items.push_back(std::move(item));
        SkipSpace();
        if (Eat(close)) break;
        if (!Eat(',')) return Error(absl::StrCat("expected ',' or '", std::string(1, close), "'"));
      }
    } else if (c == '-' || c == '+' || absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      v.kind = PyValue::Kind::kInt;
      if (c == '-' || c == '+') v.text.push_back(s_[pos_++]);
      while (pos_ < s_.size() && absl::ascii_isdigit(static_cast<unsigned char>(s_[pos_]))) {
        v.text.push_back(s_[pos_++]);
      }
      if (v.text.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(v.text.back()))) {
        return Error("malformed number");
      }
      // Python 2 longs ("3L") appear in headers of files written long ago.
      if (!Eat('L')) Eat('l');
    } else if (EatWord("True") || EatWord("False")) {
      v.kind = PyValue::Kind::kBool;
      v.truth = c == 'T';
    } else if (EatWord("None")) {
      v.kind = PyValue::Kind::kNone;
    } else {
      return Error("unexpected character");
    }
    return v;
  }

  absl::string_view s_;
  size_t pos_ = 0;
};

struct Header {
  DType dtype = DType::kUndefined;
  std::vector<int64_t> dims;
};

absl::StatusOr<DType> DTypeFromDescr(const PyValue& v) {
  if (v.kind == PyValue::Kind::kList) {
    return absl::UnimplementedError("structured dtypes are not supported");
  }
  if (v.kind != PyValue::Kind::kString) {
    return absl::InvalidArgumentError("header 'descr' is not a string");
  }
  const std::string& d = v.text;
  auto unsupported = [&] {
    return absl::UnimplementedError(absl::StrCat(
        "unsupported dtype '", d,
        "' (supported: <f2 <f4 <f8 |i1 |u1 <i2 <u2 <i4 <u4 <i8 <u8 |b1)"));
  };
  if (d.size() < 2 || absl::string_view("<>|=").find(d[0]) == absl::string_view::npos) {
    return unsupported();
  }
  for (const Code& c : kCodes) {
    if (d.substr(1) != c.type) continue;
    // Byte order is meaningless for one-byte types; numpy writes '|'.
    if (DTypeSize(c.dtype) == 1 || d[0] == '<') return c.dtype;
    if (d[0] == '>') {
      return absl::UnimplementedError(
          absl::StrCat("big-endian data ('", d, "') is not supported"));
    }
    return absl::UnimplementedError(
        absl::StrCat("dtype '", d, "' has no explicit little-endian byte order"));
  }
  return unsupported();
}

absl::StatusOr<std::vector<int64_t>> DimsFromShape(const PyValue& v) {
  if (v.kind != PyValue::Kind::kTuple) {
    return absl::InvalidArgumentError("header 'shape' is not a tuple");
  }
  if (v.items.size() > kMaxRank) {
    return absl::InvalidArgumentError(
        absl::StrCat("shape has rank ", v.items.size(), " (more than ", kMaxRank, ")"));
  }
  std::vector<int64_t> dims;
  for (const PyValue& item : v.items) {
    int64_t d = 0;
    if (item.kind != PyValue::Kind::kInt || !absl::SimpleAtoi(item.text, &d) || d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("header 'shape' has an invalid dimension '", item.text, "'"));
    }
    dims.push_back(d);
  }
  return dims;
}

absl::StatusOr<Header> InterpretHeader(absl::string_view text) {
  QC_ASSIGN_OR_RETURN(auto dict, HeaderParser(text).ParseDict());
  for (const auto& [key, value] : dict) {
    if (key != "descr" && key != "fortran_order" && key != "shape") {
      return absl::InvalidArgumentError(absl::StrCat("header has unexpected key '", key, "'"));
    }
  }
  for (const char* key : {"descr", "fortran_order", "shape"}) {
    if (!dict.count(key)) {
      return absl::InvalidArgumentError(absl::StrCat("header has no '", key, "' key"));
    }
  }
  Header h;
  QC_ASSIGN_OR_RETURN(h.dtype, DTypeFromDescr(dict["descr"]));
  const PyValue& fortran = dict["fortran_order"];
  if (fortran.kind != PyValue::Kind::kBool) {
    return absl::InvalidArgumentError("header 'fortran_order' is not True or False");
  }
  if (fortran.truth) {
    return absl::UnimplementedError("Fortran-order (column-major) data is not supported");
  }
  QC_ASSIGN_OR_RETURN(h.dims, DimsFromShape(dict["shape"]));
  return h;
}

// The header of an .npy file whose first bytes are `prefix` and whose total
// size is `file_size`: dtype, dims and where the data starts. Checks that
// the data size matches the shape exactly.
absl::StatusOr<std::pair<Header, size_t>> ParseHeader(absl::string_view prefix, uint64_t file_size) {
  if (prefix.size() < kMagic.size() + 2 || prefix.substr(0, kMagic.size()) != kMagic) {
    return absl::InvalidArgumentError("not an .npy file (bad magic)");
  }
  int major = static_cast<unsigned char>(prefix[6]);
  int minor = static_cast<unsigned char>(prefix[7]);
  if (major < 1 || major > 3 || minor != 0) {
    return absl::UnimplementedError(
        absl::StrCat("npy format version ", major, ".", minor, " is not supported"));
  }
  // 1.0 stores the header length in 2 bytes, 2.0 and 3.0 (UTF-8) in 4.
  size_t len_size = major == 1 ? 2 : 4;
  size_t preamble = 8 + len_size;
  if (prefix.size() < preamble) return absl::InvalidArgumentError("truncated header");
  size_t header_len = 0;
  for (size_t i = 0; i < len_size; ++i) {
    header_len |= static_cast<size_t>(static_cast<unsigned char>(prefix[8 + i])) << (8 * i);
  }
  if (prefix.size() - preamble < header_len) {
    return absl::InvalidArgumentError(absl::StrCat("truncated header (", header_len,
                                                   " bytes announced, ",
                                                   prefix.size() - preamble, " present)"));
  }
  QC_ASSIGN_OR_RETURN(Header h, InterpretHeader(prefix.substr(preamble, header_len)));
  uint64_t data_size = file_size - preamble - header_len;

  // The product of the dims with zeros counted as one must fit int64 (the
  // rule of CheckShape in ir/tensor.h, without its cap: a calibration file
  // read a few rows at a time may be larger than one tensor), so no count,
  // stride or offset derived from this shape can overflow, even for an
  // empty array.
  int64_t want = static_cast<int64_t>(DTypeSize(h.dtype));
  bool empty = false;
  for (int64_t d : h.dims) {
    if (d == 0) {
      empty = true;
    } else if (__builtin_mul_overflow(want, d, &want)) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape ", ShapeRepr(h.dims), " is too large"));
    }
  }
  if (empty) want = 0;
  if (static_cast<uint64_t>(want) != data_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data is ", data_size, " bytes but shape ", ShapeRepr(h.dims), " of ",
        Descr(h.dtype), " needs ", want));
  }
  return std::make_pair(std::move(h), preamble + header_len);
}

absl::StatusOr<Tensor> ParseUnnamed(absl::string_view bytes) {
  QC_ASSIGN_OR_RETURN(auto parsed, ParseHeader(bytes, bytes.size()));
  Header& h = parsed.first;
  // FromBytes applies the tensor cap and rejects bool bytes other than 0/1.
  return Tensor::FromBytes(h.dtype, std::move(h.dims), std::string(bytes.substr(parsed.second)));
}

}  // namespace

bool IsNpyDType(DType dtype) { return FindCode(dtype) != nullptr; }

absl::StatusOr<Tensor> ParseNpy(absl::string_view bytes, const std::string& display_name) {
  auto t = ParseUnnamed(bytes);
  if (!t.ok()) {
    return absl::Status(t.status().code(),
                        absl::StrCat(display_name, ": ", t.status().message()));
  }
  return t;
}

absl::StatusOr<NpyReader> NpyReader::Open(const std::string& path) {
  auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
  if (!*file) return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  file->seekg(0, std::ios::end);
  uint64_t size = static_cast<uint64_t>(file->tellg());
  // The header ends within the first 64 KiB + preamble for format 1.0 and is
  // rarely longer for 2.0; read enough for any header quantc writes.
  std::string prefix(std::min<uint64_t>(size, 1 << 20), '\0');
  file->seekg(0);
  file->read(prefix.data(), static_cast<std::streamsize>(prefix.size()));
  auto parsed = ParseHeader(prefix, size);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(), absl::StrCat(path, ": ", parsed.status().message()));
  }
  if (parsed->first.dims.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": a 0-d array has no rows"));
  }
  NpyReader r;
  r.path_ = path;
  r.file_ = std::move(file);
  r.dtype_ = parsed->first.dtype;
  r.dims_ = parsed->first.dims;
  r.data_offset_ = parsed->second;
  return r;
}

absl::StatusOr<Tensor> NpyReader::ReadRows(int64_t begin, int64_t count) const {
  if (begin < 0 || count < 0 || begin + count > dims_[0]) {
    return absl::OutOfRangeError(absl::StrCat(path_, ": rows [", begin, ", ", begin + count,
                                              ") outside 0..", dims_[0]));
  }
  std::vector<int64_t> dims = dims_;
  dims[0] = count;
  // The rows read become one tensor: the cap applies to them.
  if (absl::Status st = CheckShape(dtype_, dims).status(); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", st.message()));
  }
  dims[0] = 1;
  const size_t row = static_cast<size_t>(NumElements(dims)) * DTypeSize(dtype_);
  dims[0] = count;
  std::string bytes(row * static_cast<size_t>(count), '\0');
  file_->seekg(static_cast<std::streamoff>(data_offset_ + row * static_cast<size_t>(begin)));
  file_->read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!*file_) return absl::DataLossError(absl::StrCat(path_, ": read failed"));
  absl::StatusOr<Tensor> t = Tensor::FromBytes(dtype_, std::move(dims), std::move(bytes));
  if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat(path_, ": ", t.status().message()));
  return t;
}

absl::StatusOr<Tensor> ReadNpyFile(const std::string& path) {
  QC_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return ParseNpy(bytes, path);
}

std::string SerializeNpy(const Tensor& t) {
  QC_CHECK(IsNpyDType(t.dtype()));
  std::string header = absl::StrCat("{'descr': '", Descr(t.dtype()),
                                    "', 'fortran_order': False, 'shape': ",
                                    ShapeRepr(t.dims()), ", }");
  if (!t.dims().empty()) {
    size_t digits = absl::StrCat(t.dims()[0]).size();
    if (digits < kGrowthAxisMaxDigits) header.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  // Same padding rule as numpy's _wrap_header (a full 64 when already
  // aligned), trying format 1.0 first.
  size_t hlen = header.size() + 1;
  int major = 1;
  size_t len_size = 2;
  size_t pad = kAlign - (kMagic.size() + 2 + len_size + hlen) % kAlign;
  if (hlen + pad > 0xFFFF) {
    major = 2;
    len_size = 4;
    pad = kAlign - (kMagic.size() + 2 + len_size + hlen) % kAlign;
  }
  size_t total_header = hlen + pad;
  std::string out(kMagic);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  for (size_t i = 0; i < len_size; ++i) out.push_back(static_cast<char>(total_header >> (8 * i)));
  out += header;
  out.append(pad, ' ');
  out.push_back('\n');
  if (t.num_bytes() > 0) out.append(t.raw(), t.num_bytes());
  return out;
}

absl::Status WriteNpyFile(const std::string& path, const Tensor& t) {
  if (!IsNpyDType(t.dtype())) {
    return absl::UnimplementedError(absl::StrCat(
        path, ": .npy cannot hold tensors of type ", DTypeName(t.dtype())));
  }
  return WriteFileAtomically(path, SerializeNpy(t));
}

}  // namespace quantc
