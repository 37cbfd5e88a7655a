#include "ir/onnx_test_util.h"

#include <cstdlib>

#include "gtest/gtest.h"
#include "onnx/defs/parser.h"

namespace quantc {

onnx::ModelProto ParseOnnxText(const char* text) {
  onnx::ModelProto m;
  auto st = onnx::OnnxParser::Parse(m, text);
  EXPECT_TRUE(st.IsOK()) << st.ErrorMessage();
  return m;
}

std::filesystem::path FreshTestDir() {
  const char* root = std::getenv("TEST_TMPDIR");
  std::filesystem::path d = std::filesystem::path(root ? root : "/tmp") /
                            ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace quantc
