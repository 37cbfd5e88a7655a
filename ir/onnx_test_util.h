// Helpers shared by the ONNX import/export tests: models written in ONNX's
// text form, and a fresh per-test folder for files a model points at.
#ifndef QUANTC_IR_ONNX_TEST_UTIL_H_
#define QUANTC_IR_ONNX_TEST_UTIL_H_

#include <filesystem>

#include "onnx/onnx_pb.h"

namespace quantc {

/// Parses ONNX text (onnx/defs/parser.h); a parse error fails the test.
onnx::ModelProto ParseOnnxText(const char* text);

/// An empty folder named after the running test, under $TEST_TMPDIR.
std::filesystem::path FreshTestDir();

}  // namespace quantc

#endif  // QUANTC_IR_ONNX_TEST_UTIL_H_
