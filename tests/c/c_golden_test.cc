// Goldens of the C that `quantc compile` emits: each
// tests/c/golden/<case>.onnxtxt (a quantized model in ONNX's text syntax,
// ONNX shape inference filling in intermediate types) is compiled with the
// prefix <case> (and --io=float when the name ends in "_float_io"), and the
// generated files, concatenated under "=== <file> ===" lines, must equal
// <case>.expected. Any change to the emitted C is therefore a reviewed diff:
// `bazel run //tests/c:update_c_goldens` rewrites the .expected files.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "backends/c/compile.h"
#include "gtest/gtest.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"

namespace quantc::cbackend {
namespace {

namespace fs = std::filesystem;

fs::path GoldenRoot(bool update) {
  if (update) {
    if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY"))
      return fs::path(ws) / "tests/c/golden";
  }
  if (const char* srcdir = std::getenv("TEST_SRCDIR"))
    return fs::path(srcdir) / "quantc/tests/c/golden";
  return "tests/c/golden";
}

std::vector<fs::path> Cases(const fs::path& root) {
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(root)) {
    if (e.path().extension() == ".onnxtxt") cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

std::string ReadText(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Render(const fs::path& input) {
  auto g = ImportModelText(ReadText(input));
  if (!g.ok()) return "import error: " + std::string(g.status().message()) + "\n";
  if (auto st = InferTypes(**g); !st.ok())
    return "shape inference: " + std::string(st.status().message()) + "\n";
  const std::string name = input.stem().string();
  CompileOptions o;
  o.emit.prefix = name;
  o.emit.source = input.filename().string();
  o.emit.float_io = name.size() > 9 && name.compare(name.size() - 9, 9, "_float_io") == 0;
  auto r = Compile(**g, o);
  if (!r.ok()) return "compile error: " + std::string(r.status().message()) + "\n";
  std::string out;
  for (const GeneratedFile& f : r->emitted.files) out += "=== " + f.name + " ===\n" + f.text;
  return out;
}

TEST(CGolden, EmittedCMatches) {
  const std::vector<fs::path> cases = Cases(GoldenRoot(false));
  ASSERT_EQ(cases.size(), 2u) << "expected the two golden models in tests/c/golden";
  for (const fs::path& c : cases) {
    SCOPED_TRACE(c.string());
    fs::path expected = c;
    expected.replace_extension(".expected");
    ASSERT_TRUE(fs::exists(expected)) << "missing " << expected << "; run update_c_goldens";
    EXPECT_EQ(Render(c), ReadText(expected));
  }
}

}  // namespace
}  // namespace quantc::cbackend

int main(int argc, char** argv) {
  namespace cb = quantc::cbackend;
  if (argc > 1 && std::string(argv[1]) == "--update") {
    for (const auto& c : cb::Cases(cb::GoldenRoot(true))) {
      auto expected = c;
      expected.replace_extension(".expected");
      std::ofstream(expected) << cb::Render(c);
      std::printf("wrote %s\n", expected.c_str());
    }
    return 0;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
