// Golden tests: each tests/golden/<pass>/<case>.onnxtxt (ONNX's textual
// syntax) is imported, run through the pass named by its folder (or the
// passes of a folder named "a+b", in order)
// with verification and the honest-"changed" check on, and printed with
// quantc's canonical printer. The result must equal <case>.expected, whose
// first line records whether the pass reported a change.
//
// `bazel run //tests:update_goldens` rewrites every .expected file from the
// current behaviour, so a behavioural change shows up as a reviewed diff.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "ir/printer.h"
#include "passes/pass_manager.h"
#include "passes/registry.h"

namespace quantc {
namespace {

namespace fs = std::filesystem;

struct GoldenCase {
  std::string pass;
  fs::path input;
  fs::path expected;
};

fs::path GoldenRoot(bool update) {
  if (update) {
    const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY");
    if (ws) return fs::path(ws) / "tests/golden";
  }
  const char* srcdir = std::getenv("TEST_SRCDIR");
  if (srcdir) return fs::path(srcdir) / "quantc/tests/golden";
  return "tests/golden";
}

std::vector<GoldenCase> FindCases(const fs::path& root) {
  std::vector<GoldenCase> cases;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".onnxtxt") continue;
    fs::path expected = entry.path();
    expected.replace_extension(".expected");
    cases.push_back({entry.path().parent_path().filename().string(), entry.path(), expected});
  }
  std::sort(cases.begin(), cases.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.input < b.input; });
  return cases;
}

std::string ReadText(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs one case and returns the text that the .expected file should hold.
std::string Render(const GoldenCase& c) {
  auto graph = ImportModelText(ReadText(c.input));
  if (!graph.ok()) return "import error: " + std::string(graph.status().message()) + "\n";
  std::string list = c.pass;
  std::replace(list.begin(), list.end(), '+', ',');
  auto passes = CreatePasses(list);
  if (!passes.ok()) return "bad pass folder: " + std::string(passes.status().message()) + "\n";
  PassManagerOptions options;
  options.verify_each = true;
  options.check_changed = true;
  PassManager pm(options);
  pm.AddAll(*std::move(passes));
  auto changed = pm.Run(**graph);
  if (!changed.ok()) return "error: " + std::string(changed.status().message()) + "\n";
  return std::string("changed: ") + (*changed ? "true" : "false") + "\n" + PrintGraph(**graph);
}

TEST(Golden, AllCasesMatch) {
  std::vector<GoldenCase> cases = FindCases(GoldenRoot(false));
  ASSERT_FALSE(cases.empty()) << "no golden cases found";
  for (const GoldenCase& c : cases) {
    SCOPED_TRACE(c.input.string());
    ASSERT_TRUE(fs::exists(c.expected)) << "missing " << c.expected << "; run update_goldens";
    EXPECT_EQ(Render(c), ReadText(c.expected));
  }
}

}  // namespace
}  // namespace quantc

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--update") {
    for (const auto& c : quantc::FindCases(quantc::GoldenRoot(true))) {
      std::ofstream(c.expected) << quantc::Render(c);
      std::printf("wrote %s\n", c.expected.c_str());
    }
    return 0;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
