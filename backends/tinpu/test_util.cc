#include "backends/tinpu/test_util.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "ir/onnx_import.h"

namespace quantc::tinpu::testing {

std::string Init(absl::string_view name, const std::vector<int64_t>& dims, absl::string_view type) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return absl::StrCat(type, "[", absl::StrJoin(dims, ","), "] ", name, " = {",
                      absl::StrJoin(std::vector<int>(n, 0), ","), "}");
}

std::string Model(const std::vector<int64_t>& x_dims, const std::vector<std::string>& inits,
                  absl::string_view body, int y_rank) {
  // Symbolic output dims: the parser needs a typed output of the right rank.
  std::vector<std::string> y_dims;
  for (int i = 0; i < y_rank; ++i) y_dims.push_back(absl::StrCat("d", i));
  return absl::StrCat("<ir_version: 8, opset_import: [\"\" : 13]>\nm (float[",
                      absl::StrJoin(x_dims, ","), "] x) => (float[", absl::StrJoin(y_dims, ","),
                      "] y)\n",
                      inits.empty() ? "" : absl::StrCat("<", absl::StrJoin(inits, ", "), ">"),
                      " {\n", body, "\n}\n");
}

std::string ConvModel(const std::vector<int64_t>& x_dims, const std::vector<int64_t>& w,
                      absl::string_view attrs) {
  return Model(
      x_dims, {Init("w", w)},
      absl::StrCat("y = Conv", attrs.empty() ? "" : absl::StrCat("<", attrs, ">"), "(x, w)"),
      static_cast<int>(x_dims.size()));
}

std::unique_ptr<Graph> Import(const std::string& text) {
  auto g = ImportModelText(text);
  EXPECT_TRUE(g.ok()) << g.status() << "\n" << text;
  return g.ok() ? *std::move(g) : nullptr;
}

const Node* FindOp(const Graph& g, absl::string_view op) {
  for (const Node* n : g.nodes()) {
    if (n->op_type() == op) return n;
  }
  return nullptr;
}

}  // namespace quantc::tinpu::testing
