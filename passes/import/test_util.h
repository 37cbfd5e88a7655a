// Helpers shared by the passes/import tests: models from ONNX text, the
// verifier after a pass, and outputs compared before and after it (with the
// reference interpreter, an independent ONNX-semantics evaluator).
#ifndef QUANTC_PASSES_IMPORT_TEST_UTIL_H_
#define QUANTC_PASSES_IMPORT_TEST_UTIL_H_

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ir/graph.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "passes/pass.h"
#include "passes/remove_dead_nodes.h"

namespace quantc::import_test {

inline std::unique_ptr<Graph> Load(const std::string& text) {
  auto g = ImportModelText(text);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *std::move(g) : nullptr;
}

/// Runs `pass` (then dead-node removal) and the verifier; returns "changed".
inline bool RunPass(Pass& pass, Graph& g) {
  auto changed = pass.Run(g);
  EXPECT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(RemoveDeadNodesPass().Run(g).ok());
  EXPECT_TRUE(VerifyGraph(g).ok()) << VerifyGraph(g);
  return changed.ok() && *changed;
}

/// Uniform random float32 input of a static shape.
inline Tensor RandomInput(const std::vector<int64_t>& dims, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  Tensor t(DType::kFloat32, dims);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.mutable_data<float>()[i] = d(rng);
  return t;
}

inline std::vector<Tensor> Outputs(const Graph& g, const std::vector<Tensor>& in) {
  Interpreter interp(g);
  auto out = interp.Run(in);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::vector<Tensor>{};
}

/// Largest |a - b| over the first outputs of two runs.
inline double MaxDiff(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  double m = 0;
  EXPECT_EQ(a.size(), b.size());
  if (a.empty() || b.empty()) return INFINITY;
  EXPECT_EQ(a[0].num_elements(), b[0].num_elements());
  for (int64_t i = 0; i < a[0].num_elements(); ++i) {
    m = std::max(m, std::abs(a[0].GetAsDouble(i) - b[0].GetAsDouble(i)));
  }
  return m;
}

inline int Count(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node* node : g.nodes()) n += node->op_type() == op;
  return n;
}

inline const Node* Find(const Graph& g, const std::string& op) {
  for (const Node* n : g.nodes()) {
    if (n->op_type() == op) return n;
  }
  return nullptr;
}

}  // namespace quantc::import_test

#endif  // QUANTC_PASSES_IMPORT_TEST_UTIL_H_
