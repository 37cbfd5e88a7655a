// Tests for .npy I/O: numpy-written files, round trips for every dtype, and
// one test per class of malformed input (each must be a Status naming the
// file, never a crash).
#include "ir/npy.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/file.h"

namespace quantc {
namespace {

using ::testing::HasSubstr;

// Reference files written by numpy 1.24.2 (Debian 12's python3-numpy); the
// comment above each is the call that produced it, with f an io.BytesIO.
// np.save(f, np.array([[0, 1.5, -2], [3, 4, np.nan]], dtype=np.float32))
constexpr absl::string_view kNumpyF32(
    "\x93NUMPY\x01\x00v\x00"
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }                                                          \x0a"
    "\x00\x00\x00\x00\x00\x00\xc0\x3f\x00\x00\x00\xc0\x00\x00@@\x00\x00\x80@\x00\x00\xc0\x7f",
    152);
// np.save(f, np.array(-7, dtype=np.int64))
constexpr absl::string_view kNumpyI64Scalar(
    "\x93NUMPY\x01\x00v\x00"
    "{'descr': '<i8', 'fortran_order': False, 'shape': (), }                                                              \x0a"
    "\xf9\xff\xff\xff\xff\xff\xff\xff",
    136);
// np.lib.format.write_array(f, np.array([1, 2, 3], dtype=np.int16), version=(2, 0))
constexpr absl::string_view kNumpyV2(
    "\x93NUMPY\x02\x00t\x00\x00\x00"
    "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }                                                          \x0a"
    "\x01\x00\x02\x00\x03\x00",
    134);
// np.lib.format.write_array(f, np.array([True, False]), version=(3, 0))
constexpr absl::string_view kNumpyV3(
    "\x93NUMPY\x03\x00t\x00\x00\x00"
    "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }                                                          \x0a"
    "\x01\x00",
    130);
// np.save(f, np.array([1.0], dtype='>f4'))
constexpr absl::string_view kNumpyBigEndian(
    "\x93NUMPY\x01\x00v\x00"
    "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }                                                            \x0a"
    "\x3f\x80\x00\x00",
    132);
// np.save(f, np.asfortranarray(np.zeros((2, 2), dtype=np.int32)))
constexpr absl::string_view kNumpyFortran(
    "\x93NUMPY\x01\x00v\x00"
    "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2), }                                                           \x0a"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    144);

// Builds an .npy file around `header` (a dict literal, padded here only to
// a newline) so each malformed-header test states just what it breaks.
std::string MakeNpy(absl::string_view header, absl::string_view data, int major = 1) {
  std::string h = absl::StrCat(header, "\n");
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  int len_size = major == 1 ? 2 : 4;
  for (int i = 0; i < len_size; ++i) out.push_back(static_cast<char>(h.size() >> (8 * i)));
  return absl::StrCat(out, h, data);
}

// Asserts that parsing fails with `code`, names the file and says `what`.
void ExpectError(absl::string_view bytes, absl::StatusCode code, absl::string_view what) {
  auto t = ParseNpy(bytes, "x.npy");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), code) << t.status();
  EXPECT_THAT(t.status().message(), HasSubstr("x.npy: ")) << t.status();
  EXPECT_THAT(t.status().message(), HasSubstr(what)) << t.status();
}

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kUnimplemented = absl::StatusCode::kUnimplemented;

TEST(NpyTest, ReadsNumpyFloat32) {
  auto t = ParseNpy(kNumpyF32, "ref");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->dtype(), DType::kFloat32);
  EXPECT_EQ(t->dims(), (std::vector<int64_t>{2, 3}));
  auto v = t->data<float>();
  EXPECT_EQ(v[1], 1.5f);
  EXPECT_EQ(v[2], -2.0f);
  EXPECT_TRUE(std::isnan(v[5]));
}

TEST(NpyTest, ReadsNumpyScalar) {
  auto t = ParseNpy(kNumpyI64Scalar, "ref");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, Tensor::Scalar<int64_t>(-7));
  EXPECT_EQ(t->rank(), 0);
}

TEST(NpyTest, ReadsNumpyVersion2And3) {
  auto v2 = ParseNpy(kNumpyV2, "ref");
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(*v2, Tensor::FromVector<int16_t>({3}, {1, 2, 3}));
  auto v3 = ParseNpy(kNumpyV3, "ref");
  ASSERT_TRUE(v3.ok()) << v3.status();
  EXPECT_EQ(*v3, Tensor::FromVector<bool>({2}, {true, false}));
}

TEST(NpyTest, SerializesExactlyAsNumpy) {
  EXPECT_EQ(SerializeNpy(*ParseNpy(kNumpyF32, "ref")), kNumpyF32);
  EXPECT_EQ(SerializeNpy(*ParseNpy(kNumpyI64Scalar, "ref")), kNumpyI64Scalar);
}

// One tensor of each dtype with a recognizable byte pattern.
Tensor Pattern(DType dtype, std::vector<int64_t> dims) {
  Tensor t(dtype, std::move(dims));
  char* p = t.mutable_raw();
  for (size_t i = 0; i < t.num_bytes(); ++i) {
    p[i] = dtype == DType::kBool ? static_cast<char>(i % 3 == 0) : static_cast<char>(i * 37 + 1);
  }
  return t;
}

TEST(NpyTest, RoundTripsEveryDType) {
  const DType dtypes[] = {DType::kFloat32, DType::kFloat64, DType::kInt8,   DType::kUInt8,
                          DType::kInt16,   DType::kInt32,   DType::kInt64,  DType::kBool,
                          DType::kFloat16, DType::kUInt16,  DType::kUInt32, DType::kUInt64};
  const std::vector<std::vector<int64_t>> shapes = {{}, {5}, {2, 3}, {1, 0, 4}, {2, 1, 3, 2}};
  for (DType dt : dtypes) {
    ASSERT_TRUE(IsNpyDType(dt)) << DTypeName(dt);
    for (const auto& dims : shapes) {
      Tensor t = Pattern(dt, dims);
      std::string bytes = SerializeNpy(t);
      EXPECT_EQ((bytes.size() - t.num_bytes()) % 64, 0u) << "data must start 64-aligned";
      auto back = ParseNpy(bytes, "rt");
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(*back, t) << DTypeName(dt);
    }
  }
}

TEST(NpyTest, FileRoundTrip) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(dir ? dir : "/tmp", "/npy_test_roundtrip.npy");
  Tensor t = Pattern(DType::kInt32, {3, 4});
  ASSERT_TRUE(WriteNpyFile(path, t).ok());
  auto back = ReadNpyFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, t);
}

TEST(NpyTest, MissingFileIsNotFound) {
  auto t = ReadNpyFile("/nonexistent/dir/a.npy");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(t.status().message(), HasSubstr("/nonexistent/dir/a.npy"));
}

TEST(NpyTest, UnsupportedDTypeIsNotWritten) {
  auto st = WriteNpyFile("/tmp/never_written.npy", Tensor::Strings({1}, {"a"}));
  EXPECT_EQ(st.code(), kUnimplemented);
  EXPECT_FALSE(IsNpyDType(DType::kBFloat16));
}

TEST(NpyTest, RejectsBadMagic) {
  ExpectError("", kInvalid, "bad magic");
  ExpectError("\x93NUMP", kInvalid, "bad magic");
  ExpectError(absl::StrCat("PK\x03\x04", std::string(100, 'x')), kInvalid, "bad magic");
}

TEST(NpyTest, RejectsUnknownVersion) {
  ExpectError(MakeNpy("{}", "", 4), kUnimplemented, "version 4.0");
  std::string minor = MakeNpy("{}", "");
  minor[7] = 1;
  ExpectError(minor, kUnimplemented, "version 1.1");
}

TEST(NpyTest, RejectsTruncatedHeader) {
  ExpectError(absl::string_view("\x93NUMPY\x01\x00\x10", 9), kInvalid, "truncated header");
  ExpectError(absl::string_view("\x93NUMPY\x02\x00\x10\x00", 10), kInvalid, "truncated header");
  std::string good(kNumpyF32);
  ExpectError(good.substr(0, 40), kInvalid, "truncated header");
  // A v2 header claiming 4 GiB must not be trusted (nor allocated).
  ExpectError(absl::string_view("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14), kInvalid,
              "truncated header");
}

TEST(NpyTest, EveryTruncationFailsCleanly) {
  std::string good(kNumpyF32);
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParseNpy(good.substr(0, n), "cut").ok()) << n;
  }
}

TEST(NpyTest, RejectsHeaderThatIsNotADict) {
  ExpectError(MakeNpy("[1, 2]", ""), kInvalid, "not a dict");
  ExpectError(MakeNpy("", ""), kInvalid, "not a dict");
  ExpectError(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", "abcd"), kInvalid,
              "expected ',' or '}'");
  ExpectError(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", "abcd"),
              kInvalid, "after the dict");
  ExpectError(MakeNpy("{'descr: '<f4'}", ""), kInvalid, "expected ':'");
  ExpectError(MakeNpy("{'descr': '<f4", ""), kInvalid, "unterminated string");
  ExpectError(MakeNpy("{1: 2}", ""), kInvalid, "key is not a string");
  ExpectError(MakeNpy("{'shape': ((((((((((((1,),),),),),),),),),),)}", ""), kInvalid,
              "nesting too deep");
  ExpectError(MakeNpy("{'descr': @}", ""), kInvalid, "unexpected character");
}

TEST(NpyTest, RejectsWrongKeys) {
  ExpectError(MakeNpy("{'descr': '<f4', 'shape': (1,)}", "abcd"), kInvalid,
              "no 'fortran_order' key");
  ExpectError(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", "abcd"),
              kInvalid, "unexpected key 'x'");
  ExpectError(MakeNpy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}",
                      "abcd"),
              kInvalid, "appears twice");
  ExpectError(MakeNpy("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}", "abcd"), kInvalid,
              "'fortran_order' is not True or False");
  ExpectError(MakeNpy("{'descr': 4, 'fortran_order': False, 'shape': ()}", "abcd"), kInvalid,
              "'descr' is not a string");
}

TEST(NpyTest, RejectsFortranOrder) {
  ExpectError(kNumpyFortran, kUnimplemented, "Fortran-order");
}

TEST(NpyTest, RejectsBigEndian) {
  ExpectError(kNumpyBigEndian, kUnimplemented, "big-endian");
  ExpectError(MakeNpy("{'descr': '=i4', 'fortran_order': False, 'shape': ()}", "abcd"),
              kUnimplemented, "byte order");
}

TEST(NpyTest, RejectsUnknownDTypes) {
  for (const char* d : {"<c8", "|O", "<U3", "|S4", "<M8[ns]", "f4", "<f16", ""}) {
    ExpectError(MakeNpy(absl::StrCat("{'descr': '", d, "', 'fortran_order': False, 'shape': ()}"),
                        "abcdefgh"),
                kUnimplemented, "unsupported dtype");
  }
  ExpectError(MakeNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}", "abcd"),
              kUnimplemented, "structured");
}

TEST(NpyTest, RejectsDataSizeMismatch) {
  const char* header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }";
  ExpectError(MakeNpy(header, std::string(15, '\0')), kInvalid, "data is 15 bytes");
  ExpectError(MakeNpy(header, std::string(17, '\0')), kInvalid, "needs 16");
  ExpectError(MakeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (0, 5)}", "x"),
              kInvalid, "needs 0");
}

TEST(NpyTest, RejectsAbsurdShapes) {
  ExpectError(MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, "
                      "1099511627776)}", ""),
              kInvalid, "too large");
  // The product of the first dims overflows even though a zero follows.
  ExpectError(MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, "
                      "4294967296, 0)}", ""),
              kInvalid, "too large");
  ExpectError(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': "
                      "(99999999999999999999,)}", ""),
              kInvalid, "invalid dimension");
  ExpectError(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", ""), kInvalid,
              "invalid dimension '-1'");
  ExpectError(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,)}", ""), kInvalid,
              "malformed header");
  ExpectError(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (-,)}", ""), kInvalid,
              "malformed number");
  ExpectError(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", "abcd"), kInvalid,
              "not a tuple");
  std::string rank65 = "(";
  for (int i = 0; i < 65; ++i) rank65 += "1, ";
  ExpectError(MakeNpy(absl::StrCat("{'descr': '<f4', 'fortran_order': False, 'shape': ", rank65,
                                   ")}"),
                      "abcd"),
              kInvalid, "rank 65");
}

TEST(NpyTest, RejectsInvalidBoolBytes) {
  ExpectError(MakeNpy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,)}", "\x01\x02"),
              kInvalid, "bool");
}

TEST(NpyTest, AcceptsPython2LongsAndDoubleQuotes) {
  auto t = ParseNpy(
      MakeNpy("{\"descr\": \"<i2\", \"fortran_order\": False, \"shape\": (1L, 2L),}", std::string("\1\0\2\0", 4)),
      "py2");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, Tensor::FromVector<int16_t>({1, 2}, {1, 2}));
}

TEST(NpyTest, CorruptedHeaderBytesNeverCrash) {
  std::string good(kNumpyF32);
  // Flip every header byte to a few values: each parse must return (any
  // Status or a tensor), which under ASan/UBSan also proves no bad access.
  for (size_t i = 0; i < 128; ++i) {
    for (char c : {'\0', '(', ')', '\'', '9', '-', '{', '\xff'}) {
      std::string bad = good;
      bad[i] = c;
      (void)ParseNpy(bad, "fuzz");
    }
  }
}

}  // namespace
}  // namespace quantc
